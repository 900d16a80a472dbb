"""The documents of the agenda: financial statements, the board's report, a proposed statute change.

Writes (:func:`add_agenda_document`, :func:`remove_agenda_document`) and reads of documents. The
officers of the cooperative (or the provincial office) add them while the assembly is a draft and
may remove them then. Once the notice is published the members were told what they were told:
nothing is removed, and a document added afterwards (until the session opens) is a correction,
marked ``after_notice`` on every page and in the API, and audited like every other.

Files are checked by their content (:mod:`taavon.core.uploads`: PDF, PNG or JPEG, at most
``settings.AGENDA_DOCUMENT_MAX_BYTES``), stored in Django's default storage under a random name
(``MEDIA_ROOT``, under the var directory; several app processes share it as one volume), never
served from their path, and given back only through a view that checks the reader's reach.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from taavon.accounts.scoping import Actor, acting_user, has_authority
from taavon.audit.services import record
from taavon.core import uploads

from ..models import AgendaDocument, AgendaItem, Assembly, AssemblyState, Candidate, DocumentKind

FOLDER = "agenda"
MAX_PER_ITEM = 20
TITLE_MAX = AgendaDocument._meta.get_field("title").max_length or 200

__all__ = [
    "add_agenda_document",
    "copy_documents",
    "documents_by_item",
    "file_still_used",
    "open_document",
    "remove_agenda_document",
]


def file_still_used(name: str) -> bool:
    """Whether a stored file is named by any row: a second call shares its first call's files."""
    return AgendaDocument.objects.filter(file=name).exists() or Candidate.objects.filter(photo=name).exists()


def _audit_state(document: AgendaDocument) -> dict:
    return {
        "item_id": document.item_id, "title": document.title, "kind": document.kind, "file": document.file.name,
        "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
        "after_notice": document.after_notice,
    }


@transaction.atomic
def add_agenda_document(*, actor: Actor, item: AgendaItem | int, upload, title: str = "", kind: str = DocumentKind.OTHER) -> AgendaDocument:
    """Attach ``upload`` to an agenda item: checked by content and size, stored, audited.

    While the assembly is a draft; after its notice (until the session opens) as a correction
    marked ``after_notice``. Refused (ValidationError) for any other state, a file of another type
    or too big, an unknown kind, a title too long, or more than :data:`MAX_PER_ITEM` documents.
    """
    item_id = item.pk if isinstance(item, AgendaItem) else int(item)
    found = AgendaItem.objects.select_related("assembly").filter(pk=item_id).first()
    if found is None:
        raise ValidationError(_("No such agenda item."), code="no_item")
    if not has_authority(actor, found.assembly):
        raise PermissionDenied
    # The assembly's row, locked: a document and the notice are not added at the same moment.
    assembly = Assembly.objects.select_for_update().select_related("cooperative").get(pk=found.assembly_id)
    if assembly.state not in (AssemblyState.DRAFT, AssemblyState.NOTICED):
        raise ValidationError(
            _("Documents are added before the session opens: the assembly is no longer waiting for its meeting."),
            code="closed_to_documents",
        )
    errors: dict[str, list] = {}
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        errors.setdefault("title", []).append(_("The title is too long: at most %(n)s characters.") % {"n": TITLE_MAX})
    if kind not in DocumentKind.values:
        errors.setdefault("kind", []).append(_("Choose what kind of document this is."))
    if AgendaDocument.objects.filter(item_id=item_id).count() >= MAX_PER_ITEM:
        errors.setdefault("file", []).append(
            _("An agenda item carries at most %(n)s documents.") % {"n": MAX_PER_ITEM}
        )
    try:
        checked = uploads.check_upload(upload, accept=uploads.DOCUMENTS, max_bytes=settings.AGENDA_DOCUMENT_MAX_BYTES)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        checked = None
    if errors or checked is None:
        raise ValidationError(errors)
    name = default_storage.save(checked.stored_name(FOLDER), upload)
    try:
        document = AgendaDocument.objects.create(
            item_id=item_id,
            title=title or checked.original_name.rsplit(".", 1)[0][:TITLE_MAX],
            kind=kind,
            file=name,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            after_notice=assembly.state != AssemblyState.DRAFT,
            uploaded_by=acting_user(actor) if getattr(actor, "is_authenticated", False) else None,
        )
        record(actor, "agenda_document.add", document, after=_audit_state(document), cooperative=assembly.cooperative)
    except BaseException:
        default_storage.delete(name)  # nothing half-written: no row, no file
        raise
    return document


@transaction.atomic
def remove_agenda_document(*, actor: Actor, document: AgendaDocument | int) -> None:
    """Remove a document while the assembly is a draft; refused once the notice is published."""
    document_id = document.pk if isinstance(document, AgendaDocument) else int(document)
    found = AgendaDocument.objects.select_related("item__assembly").filter(pk=document_id).first()
    if found is None:
        raise ValidationError(_("No such document."), code="no_document")
    if not has_authority(actor, found.item.assembly):
        raise PermissionDenied
    assembly = Assembly.objects.select_for_update().select_related("cooperative").get(pk=found.item.assembly_id)
    if assembly.state != AssemblyState.DRAFT:
        raise ValidationError(
            _("The notice is published: its documents stay as the members received them. Add a correction instead."),
            code="not_draft",
        )
    before = _audit_state(found)
    name = found.file.name or ""
    record(actor, "agenda_document.remove", found, before=before, cooperative=assembly.cooperative)
    found.delete()
    uploads.discard_on_commit(default_storage, name, still_used=lambda: file_still_used(name))


def copy_documents(first: Assembly, second: Assembly) -> int:
    """Give a second call its first call's documents (the same stored files), item by item position."""
    items = {i.position: i.pk for i in second.items.all()}
    copies = [
        AgendaDocument(
            item_id=items[d.item.position], title=d.title, kind=d.kind, file=d.file.name, original_name=d.original_name,
            content_type=d.content_type, size=d.size, sha256=d.sha256, after_notice=False, uploaded_by_id=d.uploaded_by_id,
        )
        for d in AgendaDocument.objects.filter(item__assembly=first).select_related("item").order_by("pk")
        if d.item.position in items
    ]
    AgendaDocument.objects.bulk_create(copies)
    return len(copies)


# --------------------------------------------------------------------------- reads


def documents_by_item(assembly: Assembly) -> dict[int, list[AgendaDocument]]:
    """The assembly's documents by item id, in the order they were added."""
    grouped: dict[int, list[AgendaDocument]] = defaultdict(list)
    for document in AgendaDocument.objects.filter(item__assembly=assembly).order_by("uploaded_at", "pk"):
        grouped[document.item_id].append(document)
    return dict(grouped)


def document_of(assembly: Assembly, document_id) -> AgendaDocument | None:
    """A document of ``assembly`` (None for another assembly's or none): the caller reached the assembly."""
    return AgendaDocument.objects.filter(pk=document_id, item__assembly=assembly).select_related("item").first()


def open_document(document: AgendaDocument):
    """The stored file, opened for reading (the download streams it)."""
    return default_storage.open(document.file.name or "", "rb")
