"""Every spreadsheet the platform hands out (XLSX and CSV) is written here, so none carries a formula.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or line break before them) is run as a
formula by spreadsheet programs: a member named ``=HYPERLINK(…)`` or ``+cmd|…`` would act on the
officer who opens the export. What was typed is stored as typed; only the file neutralises it:
in XLSX such a cell is written as text (never a formula), in CSV it gets a leading apostrophe,
the spreadsheet convention for "this is text".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet program would read ``value`` as the start of a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: Any) -> Any:
    """``value`` as it may stand in a CSV cell: text that looks like a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


class _Line:
    """A file-like object whose ``write`` hands back what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text piece by piece: a byte order mark (so Excel reads UTF-8), the header line, then each row."""
    writer = csv.writer(_Line())
    yield "\ufeff"
    yield writer.writerow([csv_value(h) for h in headers])
    for row in rows:
        yield writer.writerow([csv_value(v) for v in row])


def write_xlsx(
    stream: IO[bytes],
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float] = (),
    number_columns: Iterable[int] = (),
    number_format: str = "#,##0",
) -> None:
    """A right-to-left workbook of one sheet with a bold, frozen header row; text is never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    numbers = set(number_columns)

    def cell(value: Any, index: int) -> Any:
        if index in numbers:
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = number_format
            return written
        if is_formula_like(value):
            written = WriteOnlyCell(sheet, value=value)
            written.data_type = "s"  # text as typed, never evaluated
            return written
        return value

    bold = Font(bold=True)
    header = []
    for title_text in headers:
        written = WriteOnlyCell(sheet, value=title_text)
        written.font = bold
        header.append(written)
    sheet.append(header)
    for values in rows:
        sheet.append([cell(value, index) for index, value in enumerate(values)])
    workbook.save(stream)
