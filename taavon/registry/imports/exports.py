"""A cooperative's member list as an Excel workbook or a CSV file.

Both files carry the Persian headers of the import file first (so an exported list can be
edited and imported into another cooperative) followed by status, leaving date and
verification. Dates are Jalali, written with ASCII digits so spreadsheets sort them; amounts
are whole rials. Rows are read with ``.iterator()`` and written as they come: the workbook in
openpyxl's write-only mode to a temporary file, the CSV as a streamed response, so a list of
100,000 members never sits in memory as model objects. Both go through
:mod:`taavon.core.spreadsheets`, which writes no cell as a formula.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from taavon.core import spreadsheets
from taavon.core.jalali import format_jalali

from ..models import Cooperative, Membership, MembershipStatus
from .services import COLUMNS, EXPORT_ONLY_HEADERS

__all__ = [
    "EXPORT_HEADERS",
    "csv_response",
    "export_filename",
    "member_rows",
    "write_csv",
    "write_xlsx",
    "xlsx_response",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The file vocabulary is Persian, like the headers, whatever the reader's language: a file is
# shared with people and systems that expect the same words every time.
_GENDER_WORDS = {"f": "زن", "m": "مرد"}
_STATUS_WORDS: dict[str, str] = {
    MembershipStatus.ACTIVE: "فعال",
    MembershipStatus.SUSPENDED: "تعلیق",
    MembershipStatus.LEFT: "خارج شده",
}
_EXTRA = tuple(zip(EXPORT_ONLY_HEADERS, (10, 12, 10), strict=True))
_FILE_COLUMNS = tuple(c for c in COLUMNS if c.in_template)  # shares in rials, not their number
EXPORT_HEADERS: tuple[str, ...] = tuple(c.header for c in _FILE_COLUMNS) + tuple(h for h, _ in _EXTRA)
_WIDTHS = tuple(c.width for c in _FILE_COLUMNS) + tuple(w for _, w in _EXTRA)
_AMOUNT_COLUMNS = {i for i, c in enumerate(_FILE_COLUMNS) if c.key in ("shares_held", "shares_paid")}


def _jalali(day) -> str:
    return format_jalali(day, persian_digits=False) if day else ""


def member_rows(cooperative: Cooperative) -> Iterator[list]:
    """One list of cell values per member, in :data:`EXPORT_HEADERS` order, by surname."""
    rows = (
        Membership.objects.filter(cooperative=cooperative)
        .order_by("person__last_name", "person__first_name", "pk")
        .values_list(
            "person__national_code",
            "person__first_name",
            "person__last_name",
            "person__mobile",
            "person__gender",
            "person__birth_date",
            "membership_number",
            "joined_on",
            "shares_held",
            "shares_paid",
            "status",
            "left_on",
            "verified_at",
        )
    )
    for code, first, last, mobile, gender, born, number, joined, held, paid, status, left, verified in rows.iterator(
        chunk_size=2000
    ):
        yield [
            code,
            first,
            last,
            mobile,
            _GENDER_WORDS.get(gender, ""),
            _jalali(born),
            number,
            _jalali(joined),
            held,
            paid,
            _STATUS_WORDS.get(status, status),
            _jalali(left),
            "بله" if verified else "خیر",
        ]


def export_filename(cooperative: Cooperative, extension: str) -> str:
    today = format_jalali(timezone.localdate(), persian_digits=False).replace("/", "-")
    return f"members-{cooperative.national_id}-{today}.{extension}"


def write_xlsx(cooperative: Cooperative, stream) -> None:
    """Write the member list as a right-to-left workbook with a bold, frozen header row."""
    spreadsheets.write_xlsx(
        stream, title="اعضا", headers=EXPORT_HEADERS, rows=member_rows(cooperative), widths=_WIDTHS,
        number_columns=_AMOUNT_COLUMNS,
    )


def xlsx_response(cooperative: Cooperative) -> FileResponse:
    """The workbook as a download; it is built in a temporary file, not in memory."""
    stream = tempfile.TemporaryFile()
    write_xlsx(cooperative, stream)
    stream.seek(0)
    return FileResponse(
        stream, as_attachment=True, filename=export_filename(cooperative, "xlsx"), content_type=XLSX_CONTENT_TYPE
    )


def write_csv(cooperative: Cooperative) -> Iterator[str]:
    """The member list as CSV text, piece by piece: a byte order mark (so Excel reads UTF-8),
    the Persian header line, then one line per member."""
    return spreadsheets.csv_lines(EXPORT_HEADERS, member_rows(cooperative))


def csv_response(cooperative: Cooperative) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in write_csv(cooperative)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(cooperative, "csv")}"'
    return response
