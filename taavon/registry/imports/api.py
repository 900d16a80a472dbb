"""Member import and export over HTTP, mounted with the registry at ``/api/v1/cooperatives``.

Upload a file to get a preview (every refused row with its reasons), then confirm or discard
it; download the member list as XLSX or CSV. The same services as the pages
(:mod:`taavon.registry.imports.services`, :mod:`taavon.registry.imports.exports`) and the same scoping: MANAGE
to import, VIEW to export. An import already confirmed or discarded, or one the register changed
under, is a 409.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from taavon.accounts import auth
from taavon.accounts.scoping import Action, get_or_404
from taavon.core.api_errors import state_conflicts

from ..models import Cooperative, ImportBatch
from ..selectors import cooperative_for
from . import exports
from . import services as imports

router = Router()

# Refusals by the import's state, or the register's changing under it (409).
state_conflicts("import_closed", "import_conflict", "import_outdated")


class ImportErrorRow(Schema):
    row: int
    national_code: str
    name: str
    reasons: list[str]
    codes: list[str]
    at_confirm: bool


class ImportColumnOut(Schema):
    index: int
    letter: str
    header: str
    field: str
    field_label: str
    how: str
    how_label: str
    samples: list[str]


class ImportMappingIn(Schema):
    columns: dict[int, str] = {}
    share_price: int | None = None


class ImportBatchOut(Schema):
    id: int
    cooperative_id: int
    filename: str
    state: str
    created_at: datetime.datetime
    total_rows: int
    valid_count: int
    error_count: int
    imported_count: int
    columns: list[ImportColumnOut]
    share_price: int | None
    mapping_problems: list[str]
    ready: bool
    errors: list[ImportErrorRow]


def _cooperative(request, id: int, action: Action) -> Cooperative:
    return cooperative_for(request.user, id, action)


def _batch(request, id: int, batch_id: int) -> ImportBatch:
    cooperative = _cooperative(request, id, Action.MANAGE)
    return get_or_404(request.user, ImportBatch.objects.filter(cooperative=cooperative), Action.MANAGE, pk=batch_id)


def _out(batch: ImportBatch) -> dict:
    errors = batch.errors or []
    problems = imports.mapping_problems(batch) if batch.state == ImportBatch.State.PREVIEW else []
    return {
        "id": batch.pk,
        "cooperative_id": batch.cooperative_id,
        "filename": batch.filename,
        "state": batch.state,
        "created_at": batch.created_at,
        "total_rows": batch.total_rows,
        "valid_count": len(batch.valid_rows) if batch.state == ImportBatch.State.PREVIEW else batch.imported_count,
        "error_count": len(errors),
        "imported_count": batch.imported_count,
        "columns": imports.column_rows(batch),
        "share_price": batch.share_price,
        "mapping_problems": problems,
        "ready": batch.state == ImportBatch.State.PREVIEW and not problems,
        "errors": imports.error_rows(errors),
    }


@router.post("/{id}/member-imports", response={201: ImportBatchOut}, summary="Upload a member file for preview")
def upload_member_import(request, id: int, file: File[UploadedFile] = None):  # type: ignore[assignment]  # absent: None
    """Checks every row and keeps the result for confirmation; writes nothing to the register.
    The file is an .xlsx workbook or a UTF-8 CSV whose first row names the columns."""
    cooperative = _cooperative(request, id, Action.MANAGE)
    if file is None:
        raise ValidationError({"file": [_("Attach the member file (.xlsx or .csv) as “file”.")]})
    try:
        batch = imports.preview_member_import(cooperative, file, file.name or "", request.user)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    return Status(201, _out(batch))


@router.get("/{id}/member-imports/{batch_id}", response=ImportBatchOut, summary="A member import and its refused rows")
def get_member_import(request, id: int, batch_id: int):
    return _out(_batch(request, id, batch_id))


# The batch is reached before the body is read: an outsider learns nothing from a body error.
@router.put(
    "/{id}/member-imports/{batch_id}/columns",
    response=ImportBatchOut,
    auth=auth.reach(ImportBatch, Action.MANAGE, kwarg="batch_id"),
    summary="Choose the field of each column",
)
def map_member_import(request, id: int, batch_id: int, body: ImportMappingIn):
    """``columns`` maps a column's index (0 = A) to a field key or ``"ignore"``; columns left out
    keep their field. ``share_price`` (rials) turns a number of shares into rials. Every row is
    checked again; ``ready`` tells whether the import can be confirmed."""
    batch = _batch(request, id, batch_id)
    return _out(imports.remap_member_import(batch, mapping=body.columns, share_price=body.share_price, user=request.user))


@router.post("/{id}/member-imports/{batch_id}/confirm", response=ImportBatchOut, summary="Write a previewed import")
def confirm_member_import(request, id: int, batch_id: int):
    """Checks the rows again and writes them in one transaction; rows that no longer pass are
    listed with ``at_confirm: true``."""
    return _out(imports.confirm_member_import(_batch(request, id, batch_id), request.user))


@router.post("/{id}/member-imports/{batch_id}/discard", response=ImportBatchOut, summary="Drop a previewed import")
def discard_member_import(request, id: int, batch_id: int):
    return _out(imports.discard_member_import(_batch(request, id, batch_id), request.user))


@router.get("/{id}/members.xlsx", summary="The member list as an Excel workbook")
def export_members_xlsx(request, id: int):
    return exports.xlsx_response(_cooperative(request, id, Action.VIEW))


@router.get("/{id}/members.csv", summary="The member list as CSV (UTF-8 with BOM)")
def export_members_csv(request, id: int):
    return exports.csv_response(_cooperative(request, id, Action.VIEW))
