"""Convening through the API (``/api/v1/assemblies``): the same services and selectors as the pages.

Reach is checked before the request body is read: 404 for an assembly or cooperative outside the
caller's scope, 403 for a role that may never do the action; a rule refusing the data is a 422
with the rule quoted, the assembly's state refusing (the notice already published) a 409. Dates and times are ISO 8601, or Jalali (``1404/06/14 10:30``, Persian
digits accepted).
"""

import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from taavon.accounts.auth import api_auth, reach
from taavon.accounts.scoping import Action
from taavon.core.api_errors import state_conflicts
from taavon.core.api_inputs import jalali_date, moment
from taavon.core.uploads import DOCUMENTS, file_response
from taavon.registry.models import Cooperative

from ..models import AgendaItem, Assembly, AssemblyKind, AssemblyMode, DocumentKind, ItemKind, Matter
from ..reach import assembly_for, participant_assemblies
from . import documents
from . import services as convening

router = Router(tags=["assemblies: convening"])

# Refusals by the assembly's state (409); the legal checks of the dates and agenda sent are 422.
state_conflicts("not_draft", "not_first_call", "not_no_quorum", "second_call_exists")

# --------------------------------------------------------------------------- input


class _Tolerant(Schema):
    @field_validator("starts_at", "ends_at", mode="before", check_fields=False)
    @classmethod
    def _moments(cls, value):
        return moment(value)

    @field_validator("newspaper_date", mode="before", check_fields=False)
    @classmethod
    def _dates(cls, value):
        return jalali_date(value)


# --------------------------------------------------------------------------- schemas


class AgendaItemIn(Schema):
    title: str = Field(..., max_length=300)
    kind: ItemKind = ItemKind.MOTION
    matter: Matter | None = None
    seats: int | None = Field(None, ge=0, description="elections: seats to fill (default: the cooperative's current number)")
    alternates: int | None = Field(None, ge=0, description="elections: alternates (default: the current number)")
    description: str = ""


class AssemblyIn(_Tolerant):
    kind: AssemblyKind
    mode: AssemblyMode
    title: str = Field(..., max_length=250)
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str = Field("", max_length=300)
    agenda: list[AgendaItemIn] = []
    reason: convening.ConveningReason | None = Field(None, description="required when the provincial office convenes")


class AssemblyPatch(_Tolerant):
    kind: AssemblyKind | None = None
    mode: AssemblyMode | None = None
    title: str | None = Field(None, max_length=250)
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    location: str | None = Field(None, max_length=300)
    agenda: list[AgendaItemIn] | None = Field(None, description="the whole agenda, replacing the current one")
    reason: convening.ConveningReason | None = None


class PublishIn(_Tolerant):
    newspaper: str = Field("", max_length=150)
    newspaper_date: datetime.date | None = None


class SecondCallIn(_Tolerant):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class DocumentOut(Schema):
    id: int
    item_id: int
    title: str
    kind: str
    content_type: str
    size: int
    sha256: str = Field(..., description="SHA-256 of the file as uploaded, in hex")
    after_notice: bool = Field(..., description="added after the notice was published, as a correction")
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return reverse("api:download_document", kwargs={"assembly_id": obj.item.assembly_id, "document_id": obj.pk})


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    description: str
    kind: str
    matter: str
    seats: int
    alternates: int
    state: str
    documents: list[DocumentOut] = []

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.select_related("item").order_by("uploaded_at", "pk"))


class AssemblyListOut(Schema):
    id: int
    cooperative_id: int
    cooperative_name: str = Field(..., alias="cooperative.name")
    kind: str
    call_number: int
    mode: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    state: str


class AssemblyOut(AssemblyListOut):
    first_call_id: int | None
    second_call_id: int | None = None
    location: str
    fiscal_year: int | None
    convened_as: str
    convening_reason: str
    record_date: datetime.date | None
    notice_published_at: datetime.datetime | None
    newspaper: str
    newspaper_date: datetime.date | None
    roll_size: int
    notices_total: int
    notices_done: int
    rules: dict
    items: list[AgendaItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.order_by("position"))

    @staticmethod
    def resolve_second_call_id(obj):
        return type(obj).objects.filter(first_call_id=obj.pk).values_list("pk", flat=True).first()


class FindingOut(Schema):
    key: str
    title: str
    ok: bool
    blocking: bool
    warning: bool
    message: str
    citation: str


class ProgressOut(Schema):
    published: bool
    total: int
    done: int
    percent: int
    complete: bool
    sent: int
    failed: int
    sms_sent: int
    sms_failed: int
    sms_queued: int
    email_sent: int
    email_failed: int
    email_queued: int


def _values(schema: Schema, *, exclude_unset=False) -> dict:
    values = schema.model_dump(exclude_unset=exclude_unset)
    for key, value in list(values.items()):
        if isinstance(value, str) and hasattr(value, "value"):
            values[key] = value.value
    if values.get("agenda") is not None:
        values["agenda"] = [
            {k: (v.value if isinstance(v, str) and hasattr(v, "value") else v) for k, v in row.items()}
            for row in values["agenda"]
        ]
    return values


def _fresh(request, assembly_id):
    return assembly_for(request.auth, assembly_id)


# --------------------------------------------------------------------------- endpoints


@router.get("/mine", response=list[AssemblyListOut], auth=api_auth(), summary="Assemblies I am on the roll of or hold a proxy in")
def my_assemblies(request):
    return list(participant_assemblies(request.auth).select_related("cooperative").order_by("-starts_at", "-pk"))


@router.get(
    "/cooperative/{int:cooperative_id}",
    response=list[AssemblyListOut],
    auth=reach(Cooperative),
    summary="A cooperative's general assemblies",
)
def list_assemblies(request, cooperative_id: int):
    return list(convening.assemblies_of(request.cooperative).select_related("cooperative"))


@router.post(
    "/cooperative/{int:cooperative_id}",
    response={201: AssemblyOut},
    auth=reach(Cooperative, Action.AUTHORITY),
    summary="Convene an assembly (a draft with its agenda)",
)
def convene(request, cooperative_id: int, payload: AssemblyIn):
    values = _values(payload)
    values["reason"] = values.get("reason") or ""
    assembly = convening.convene(actor=request.auth, cooperative=request.cooperative, **values)
    return Status(201, _fresh(request, assembly.pk))


@router.get("/{int:assembly_id}", response=AssemblyOut, auth=reach(Assembly), summary="One assembly with its agenda")
def get_assembly(request, assembly_id: int):
    return request.assembly


@router.patch(
    "/{int:assembly_id}", response=AssemblyOut, auth=reach(Assembly, Action.AUTHORITY), summary="Change a draft assembly and its agenda"
)
def update_assembly(request, assembly_id: int, payload: AssemblyPatch):
    values = _values(payload, exclude_unset=True)
    if "reason" in values:
        values["reason"] = values["reason"] or ""
    convening.update_assembly(actor=request.auth, assembly=request.assembly, **values)
    return _fresh(request, assembly_id)


@router.get(
    "/{int:assembly_id}/findings",
    response=list[FindingOut],
    auth=reach(Assembly, Action.OVERSEE),
    summary="The legal checks of convening, each with its rule",
)
def findings(request, assembly_id: int):
    return [f.as_dict() for f in convening.check_convening(request.assembly)]


@router.post(
    "/{int:assembly_id}/publish",
    response=AssemblyOut,
    auth=reach(Assembly, Action.AUTHORITY),
    summary="Publish the notice: freezes the voter roll and notifies every member",
)
def publish(request, assembly_id: int, payload: PublishIn):
    convening.publish_notice(actor=request.auth, assembly=request.assembly, **_values(payload))
    return _fresh(request, assembly_id)


@router.post(
    "/{int:assembly_id}/second-call",
    response={201: AssemblyOut},
    auth=reach(Assembly, Action.AUTHORITY),
    summary="Convene the second call of a first call without quorum",
)
def second_call(request, assembly_id: int, payload: SecondCallIn):
    second = convening.convene_second_call(actor=request.auth, first_call=request.assembly, **_values(payload))
    return Status(201, _fresh(request, second.pk))


@router.get(
    "/{int:assembly_id}/notice-progress",
    response=ProgressOut,
    auth=reach(Assembly, Action.OVERSEE),
    summary="Progress of sending the notice, with the delivery log counts",
)
def notice_progress(request, assembly_id: int):
    return convening.notice_progress(request.assembly)


# --------------------------------------------------------------------------- the agenda's documents

_FILE = {"schema": {"type": "string", "format": "binary"}}


def _agenda_item(request, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(pk=item_id, assembly=request.assembly).first()
    if item is None:
        raise Http404
    return item


@router.get(
    "/{int:assembly_id}/items/{int:item_id}/documents",
    response=list[DocumentOut],
    auth=reach(Assembly),
    summary="The documents of an agenda item",
)
def list_documents(request, assembly_id: int, item_id: int):
    return list(_agenda_item(request, item_id).documents.select_related("item").order_by("uploaded_at", "pk"))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/documents",
    response={201: DocumentOut},
    auth=reach(Assembly, Action.AUTHORITY),
    summary="Add a document to an agenda item (multipart: file, title, kind)",
)
def add_document(
    request,
    assembly_id: int,
    item_id: int,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # absent: a clear 422, not pydantic's
    title: Form[str] = "",
    kind: Form[str] = DocumentKind.OTHER.value,
):
    """A PDF, PNG or JPEG, checked by its content (not its name or declared type), at most
    ``AGENDA_DOCUMENT_MAX_BYTES``. While the assembly is a draft; after its notice (until the
    session opens) the document is a correction, ``after_notice`` true. ``kind``: one of
    ``financial_statements``, ``board_report``, ``statute_proposal``, ``other``."""
    item = _agenda_item(request, item_id)
    document = documents.add_agenda_document(actor=request.auth, item=item, upload=file, title=title, kind=kind)
    document.item = item
    return Status(201, document)


@router.get(
    "/{int:assembly_id}/documents/{int:document_id}",
    auth=reach(Assembly),
    summary="Download a document",
    openapi_extra={"responses": {200: {"description": "The file, as an attachment", "content": {t: _FILE for t in DOCUMENTS}}}},
)
def download_document(request, assembly_id: int, document_id: int):
    document = documents.document_of(request.assembly, document_id)
    if document is None:
        raise Http404
    try:
        stream = documents.open_document(document)
    except FileNotFoundError:
        raise Http404 from None
    return file_response(stream, content_type=document.content_type, filename=document.original_name)


@router.delete(
    "/{int:assembly_id}/documents/{int:document_id}",
    response={204: None},
    auth=reach(Assembly, Action.AUTHORITY),
    summary="Remove a document (while the assembly is a draft)",
)
def remove_document(request, assembly_id: int, document_id: int):
    document = documents.document_of(request.assembly, document_id)
    if document is None:
        raise Http404
    documents.remove_agenda_document(actor=request.auth, document=document)
    return Status(204, None)
