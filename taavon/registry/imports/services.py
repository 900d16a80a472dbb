"""Member import from a spreadsheet: upload, check the columns and the rows, then confirm or discard.

An officer uploads an Excel workbook (``.xlsx``) or a CSV file (UTF-8, with or without a byte
order mark, comma-separated). Its columns are recognised by their header (Persian or English
synonyms, see :data:`COLUMNS`), by the officer's earlier choice for this cooperative
(:class:`~taavon.registry.models.ImportMapping`) or, for a header nobody knows, by what the
column holds (national codes, mobiles, dates, genders). Every column of the file is shown to
the officer with the field it is read as; a column nothing recognises stays unresolved until the
officer chooses a field or «ignore», and the import cannot be confirmed before. Digits may be
Persian or ASCII, dates are Jalali (``1404/06/14``; Excel date cells are read as the Gregorian
dates they are). Shares come in rials, or as a number of shares times the price of one share.

:func:`preview_member_import` parses and checks every row and keeps the result in an
:class:`~taavon.registry.models.ImportBatch`: the file, its column layout, the valid rows, and
every bad row with its row number and reasons. It writes nothing to the register.
:func:`remap_member_import` applies the officer's column choices and checks the rows again.
:func:`confirm_member_import` checks the valid rows again (someone may have added a member
meanwhile), writes people and memberships in one transaction and remembers the mapping;
:func:`discard_member_import` drops the batch.

Reasons are stored as codes with parameters (see :data:`REASONS`) and turned into text in the
reader's language by :func:`describe`, so a batch reads correctly in Persian and English.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import statistics
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts.scoping import Action, Actor, authenticated_user, can
from taavon.audit.services import record
from taavon.core.identifiers import clean_mobile, clean_national_code
from taavon.core.jalali import (
    GREGORIAN_YEAR_THRESHOLD,
    MONTH_NAMES_EN,
    MONTH_NAMES_FA,
    days_in_jalali_month,
    parse_jalali,
)
from taavon.core.persian import language_uses_persian_digits, normalize, normalize_for_display, to_ascii_digits
from taavon.core.templatetags.taavon_format import fadigits, money

from .. import rules_checks
from ..models import Cooperative, Gender, ImportBatch, ImportMapping, Membership, MembershipStatus, Person

__all__ = [
    "COLUMNS",
    "EXPORT_ONLY_HEADERS",
    "FIELD_CHOICES",
    "IGNORE",
    "MAX_ROWS",
    "REASONS",
    "Column",
    "column_rows",
    "confirm_member_import",
    "describe",
    "discard_member_import",
    "error_rows",
    "mapping_problems",
    "parse_share_price",
    "preview_member_import",
    "read_table",
    "remap_member_import",
    "template_workbook",
]

#: A file longer than this is refused before any row is checked (split it in parts).
MAX_ROWS = 200_000
#: A larger upload is refused unread.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Rows written per INSERT, and values per ``IN (...)`` lookup.
CHUNK = 1000
#: Rows looked at to guess what a column with an unknown header holds.
SAMPLE_ROWS = 50
#: The share of a column's sample that must look alike before its content names it.
GUESS_SHARE = 0.8
#: The field key of a column the officer chose to leave out.
IGNORE = "ignore"


@dataclass(frozen=True)
class Column:
    """One column of the member file: its Persian header, the English label and aliases."""

    key: str
    header: str
    label: Any  # lazy translation, used in messages and in the template's guide
    aliases: tuple[str, ...]
    required: bool = False
    hint: Any = ""
    width: int = 16
    in_template: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "national_code", "کد ملی", _("National code"),
        ("national code", "national_code", "nationalcode", "national id", "code melli", "کدملی", "شماره ملی"),
        required=True, hint=_("10 digits, e.g. 0012345679"), width=14,
    ),
    Column("first_name", "نام", _("First name"), ("first name", "first_name", "firstname", "name"), required=True),
    Column(
        "last_name", "نام خانوادگی", _("Last name"),
        ("last name", "last_name", "lastname", "surname", "family name", "family", "نام فامیل"),
        required=True, width=22,
    ),
    Column(
        "mobile", "تلفن همراه", _("Mobile"),
        ("mobile", "mobile number", "cell", "phone", "موبایل", "شماره همراه", "شماره موبایل", "تلفن"),
        hint=_("e.g. 09121234567"), width=14,
    ),
    Column("gender", "جنسیت", _("Gender"), ("gender", "sex"), hint=_("female or male (زن / مرد)"), width=8),
    Column(
        "birth_date", "تاریخ تولد", _("Birth date"), ("birth date", "birth_date", "date of birth", "birthdate", "dob"),
        hint=_("Jalali, e.g. 1365/04/21"), width=12,
    ),
    Column(
        "membership_number", "شماره عضویت", _("Membership number"),
        ("membership number", "membership_number", "member number", "member no", "شماره عضو"), width=12,
    ),
    Column(
        "joined_on", "تاریخ عضویت", _("Membership date"),
        ("membership date", "joined on", "joined_on", "join date", "joined", "date joined"),
        required=True, hint=_("Jalali, e.g. 1402/01/15"), width=12,
    ),
    Column(
        "shares_held", "سهام", _("Shares (rials)"),
        ("shares", "shares held", "shares_held", "share capital", "مبلغ سهام", "سرمایه", "سهام ریال", "shares rials"),
        hint=_("whole rials; empty means 0"), width=16,
    ),
    Column(
        "share_count", "تعداد سهام", _("Number of shares"),
        ("number of shares", "share count", "shares count", "no of shares", "تعداد سهم", "share_count"),
        hint=_("instead of rials: a whole number, times the price of one share"), width=10, in_template=False,
    ),
    Column(
        "shares_paid", "مبلغ پرداختی", _("Amount paid (rials)"),
        ("paid", "amount paid", "shares paid", "shares_paid", "paid amount", "پرداختی"),
        hint=_("whole rials, not more than the shares; empty means 0"), width=16,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
#: What an officer may choose for a column of the file: a field, or to leave it out.
FIELD_CHOICES: tuple[tuple[str, Any], ...] = (*((c.key, c.label) for c in COLUMNS), (IGNORE, _("Ignore")))
_CHOICE_KEYS = frozenset(key for key, _label in FIELD_CHOICES)

#: How a column's field was decided, as shown beside it.
HOW_LABELS = {
    "header": _("recognised by its header"),
    "remembered": _("as chosen last time"),
    "content": _("guessed from its content: check it"),
    "officer": _("your choice"),
    "unknown": _("not recognised: choose"),
}

#: Why a row cannot be imported. Parameters named ``column`` hold a column key; ``rule`` holds
#: a rules key (cited in full); ``month_name`` a month number shown by name; other numbers are
#: shown with the reader's digits.
REASONS = {
    "required": _("%(column)s is empty."),
    "too_long": _("%(column)s is longer than %(max)s characters."),
    "national_code_invalid": _("National code %(value)s is not valid (10 digits with a correct check digit)."),
    "mobile_invalid": _("Mobile number %(value)s is not valid, e.g. 09121234567."),
    "gender_invalid": _("Gender %(value)s is not understood: write female or male."),
    "date_invalid": _("%(column)s %(value)s is not a valid Jalali date, e.g. 1404/06/14."),
    "date_month_invalid": _("%(column)s %(value)s is not a date: there is no month %(month)s (months run 1 to 12)."),
    "date_day_invalid": _("%(column)s %(value)s is not a date: %(month_name)s %(year)s has %(days)s days."),
    "date_in_future": _("%(column)s %(value)s is in the future."),
    "joined_before_birth": _("The membership date is before the birth date."),
    "number_invalid": _("%(column)s %(value)s is not a whole number of rials."),
    "count_invalid": _("%(column)s %(value)s is not a whole number of shares."),
    "amount_negative": _("%(column)s %(value)s is negative: the amount cannot be below zero."),
    "shares_mismatch": _("The shares (%(held)s rials) do not match %(count)s shares at %(price)s rials each."),
    "paid_without_shares": _(
        "The amount paid is %(paid)s rials but no column gives the shares: choose the shares column above."
    ),
    "paid_above_held": _("The amount paid (%(paid)s rials) is more than the shares (%(held)s rials)."),
    "duplicate_in_file": _("National code %(value)s is repeated: it is already on row %(first_row)s."),
    "duplicate_membership_number": _("Membership number %(value)s is repeated: it is already on row %(first_row)s."),
    "already_member": _("National code %(value)s is already in this cooperative's member register."),
    "membership_number_taken": _("Membership number %(value)s already belongs to another member of this cooperative."),
    "share_above_maximum": _("Shares of %(held)s rials are more than one member may hold, %(limit)s rials: %(rule)s."),
    "members_above_maximum": _("The cooperative would have more than %(limit)s members: %(rule)s."),
}

_GENDERS = {
    **dict.fromkeys(["زن", "خانم", "مونث", "f", "female", "woman", "ز"], Gender.FEMALE),
    **dict.fromkeys(["مرد", "اقا", "آقا", "مذکر", "m", "male", "man", "م"], Gender.MALE),
}


@functools.lru_cache(maxsize=256)
def _gender_key(text: str) -> str:
    return normalize(text)


def _header_key(text: object) -> str:
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(text or ""))
    return normalize(text.replace("_", " ").replace("-", " ").replace("*", " "))


#: Headers of columns the member export adds (status, leaving date, verified): an exported
#: list imported elsewhere has them, and they describe the other cooperative's record.
EXPORT_ONLY_HEADERS = ("وضعیت", "تاریخ خروج", "تأیید شده")
#: Columns recognised as never imported: the export's own, and a spreadsheet's row numbers.
_NOT_IMPORTED = (*EXPORT_ONLY_HEADERS, "ردیف", "شماره ردیف", "row", "row number", "#")

_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.header, _column.key, *_column.aliases):
        _ALIASES.setdefault(_header_key(_alias), _column.key)
for _alias in _NOT_IMPORTED:
    _ALIASES.setdefault(_header_key(_alias), IGNORE)
# «سهام (ریال)» loses its brackets in _header_key and reads as «سهام», the rials column; a
# bracketed count must not.
_COUNT_HEADER = re.compile(r"\((?:تعداد|count|number)\)", re.IGNORECASE)


# ------------------------------------------------------------------------------ reading


def _file_error(message, code: str = "file") -> ValidationError:
    return ValidationError(message, code=code)


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _file_error(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 text without a byte order mark: Persian or Latin letters leave a NUL in every other byte."""
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.3


def _is_binary(text: str) -> bool:
    controls = sum(1 for ch in text[:20_000] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    return controls > 0 and controls >= len(text[:20_000]) / 200


def _decode_csv(data: bytes) -> str:
    """The text of a CSV file; an encoding or binary error names what the file is instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data[:2000]):
        raise _file_error(
            _("The file is in UTF-16 (Excel’s “Unicode text”), not UTF-8: save it as “CSV UTF-8” and upload it again."),
            code="encoding",
        )
    if b"\x00" in data[:65536]:
        raise _file_error(
            _("The file named .csv is not a text file: save the sheet as “CSV UTF-8” or upload the .xlsx workbook."),
            code="encoding",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Persian Windows saves "CSV (Comma delimited)" in Windows-1256.
        try:
            text = data.decode("cp1256")
        except UnicodeDecodeError as exc:
            raise _file_error(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”."), code="encoding") from exc
    if _is_binary(text):
        raise _file_error(
            _("The file named .csv is not a text file: save the sheet as “CSV UTF-8” or upload the .xlsx workbook."),
            code="encoding",
        )
    return text


def _csv_rows(data: bytes) -> Iterator[Sequence[Any]]:
    yield from csv.reader(io.StringIO(_decode_csv(data), newline=""))


def _read_upload(uploaded_file) -> bytes:
    if (getattr(uploaded_file, "size", None) or 0) > MAX_FILE_BYTES:
        raise _file_error(
            _("The file is larger than %(size)s MB: split it into smaller files.") % {"size": fadigits(MAX_FILE_BYTES >> 20)}
        )
    uploaded_file.seek(0)
    data = uploaded_file.read()
    if not data:
        raise _file_error(_("The file is empty."))
    return bytes(data)


def _rows_of(data: bytes, filename: str) -> Iterator[Sequence[Any]]:
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":  # a workbook, whatever its name says (an .xlsx renamed .csv)
        return _xlsx_rows(data)
    if name.endswith((".csv", ".txt")):
        return _csv_rows(data)
    if name.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data)
    if name.endswith(".xls"):
        raise _file_error(_("Old Excel files (.xls) are not supported: save the file as .xlsx."))
    raise _file_error(_("Upload an Excel workbook (.xlsx) or a CSV file."))


def read_table(uploaded_file, filename: str) -> Iterator[Sequence[Any]]:
    """The rows of the first sheet of an ``.xlsx`` workbook or a ``.csv`` file, as tuples of cells."""
    return _rows_of(_read_upload(uploaded_file), filename)


def _is_blank(cells: Iterable) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _field_of_header(cell: object, remembered: Mapping[str, str]) -> tuple[str, str]:
    """(field key, how) for a header cell: the officer's earlier choice, else a synonym; ``("", "unknown")``."""
    key = _header_key(cell)
    if not key:
        return "", "unknown"
    if remembered.get(key) in _CHOICE_KEYS:
        return remembered[key], "remembered"
    if _COUNT_HEADER.search(str(cell)):
        return "share_count", "header"
    if key in _ALIASES:
        return _ALIASES[key], "header"
    return "", "unknown"


@dataclass
class _Table:
    header_row: int
    header: list[Any]
    rows: list[tuple[int, Sequence[Any]]]


def _lines(data: bytes, filename: str) -> list[tuple[int, Sequence[Any]]]:
    """The file's non-blank rows with their row numbers."""
    lines: list[tuple[int, Sequence[Any]]] = []
    for number, cells in enumerate(_rows_of(data, filename), start=1):
        if _is_blank(cells):
            continue
        if len(lines) > MAX_ROWS + 5:
            raise _file_error(
                _("The file has more than %(max)s rows: split it into smaller files.") % {"max": fadigits(MAX_ROWS)}
            )
        lines.append((number, tuple(cells)))
    return lines


def _load_table(data: bytes, filename: str, remembered: Mapping[str, str]) -> _Table:
    """The header row (among the first five lines, titles may sit above it) and the rows below it."""
    lines = _lines(data, filename)
    if not lines:
        raise _file_error(_("No header row with a «کد ملی» (national code) column was found in the first rows."))
    for position, (number, cells) in enumerate(lines[:5]):
        if any(_field_of_header(cell, remembered)[0] == "national_code" for cell in cells):
            return _Table(number, list(cells), lines[position + 1 :])
    # No header names the national code; the column's content may still show it.
    number, cells = lines[0]
    return _Table(number, list(cells), lines[1:])


def _table_at(data: bytes, filename: str, header_row: int) -> _Table:
    """The table of a file whose header row is already known."""
    lines = _lines(data, filename)
    header = next((list(cells) for number, cells in lines if number == header_row), [])
    return _Table(header_row, header, [(n, cells) for n, cells in lines if n > header_row])


# ------------------------------------------------------------------------------ cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return normalize_for_display(value)


def _national_code_text(value: object) -> str:
    """The code as text; a number cell lost its leading zeros, and a national code has 10 digits."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return _text(value)
        digits = str(int(value))
        return digits.zfill(10) if 0 < len(digits) < 10 and digits.isdigit() else digits
    return _text(value)


def _reason(code: str, column: str | None = None, **params) -> dict:
    return {"code": code, "column": column, "params": {k: v for k, v in params.items() if v is not None}}


def _date_digits(text: str) -> str:
    text = to_ascii_digits(text).strip()
    if re.fullmatch(r"\d{8}", text):  # 14040614, as a number cell
        text = f"{text[:4]}/{text[4:6]}/{text[6:]}"
    return text


@functools.lru_cache(maxsize=100_000)
def _date_from_text(text: str) -> datetime.date:
    """Cached: a member list repeats the same few membership dates thousands of times."""
    return parse_jalali(_date_digits(text))


def _parse_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return _date_from_text(_text(value))


_DATE_PARTS = re.compile(r"(\d{4})\s*([/\-.])\s*(\d{1,2})\s*\2\s*(\d{1,2})", re.ASCII)


def _date_reason(key: str, raw: object) -> dict:
    """Why a date cell is not a date: the month, the month's length, or the form."""
    shown = _text(raw)
    match = _DATE_PARTS.fullmatch(_date_digits(shown))
    if match and int(match[1]) <= GREGORIAN_YEAR_THRESHOLD:
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        if not 1 <= month <= 12:
            return _reason("date_month_invalid", key, value=shown, month=month)
        days = days_in_jalali_month(year, month)
        if not 1 <= day <= days:
            return _reason("date_day_invalid", key, value=shown, month_name=month, year=year, days=days)
    return _reason("date_invalid", key, value=shown)


def _parse_whole(value: object) -> int:
    """A whole number in a cell (thousands separators, Persian digits, a minus sign allowed)."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    text = re.sub(r"[\s,\u066c\u060c'\u200e\u200f]", "", to_ascii_digits(value)).replace("\u2212", "-")
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError
    return int(text)


def _parse_row(
    cells: dict[str, object],
    today: datetime.date,
    share_price: int | None = None,
    mapped: Iterable[str] | None = None,
) -> tuple[dict, list[dict]]:
    """One row's values, cleaned, and the reasons it cannot be imported (empty when it can).

    ``mapped`` names the fields the file has a column for (default: those in ``cells``)."""
    reasons: list[dict] = []
    row: dict[str, Any] = {}

    for column in COLUMNS:
        if column.required and not _text(cells.get(column.key)):
            reasons.append(_reason("required", column.key))

    raw_code = _national_code_text(cells.get("national_code"))
    row["national_code"] = ""
    if raw_code:
        try:
            row["national_code"] = clean_national_code(raw_code)
        except ValidationError:
            row["typed_code"] = raw_code  # shown with the refused row; never stored as a code
            reasons.append(_reason("national_code_invalid", "national_code", value=raw_code))

    for key, limit in (("first_name", 100), ("last_name", 100), ("membership_number", 20)):
        value = _text(cells.get(key))
        if key == "membership_number":
            value = to_ascii_digits(value)
        if len(value) > limit:
            reasons.append(_reason("too_long", key, max=limit))
        row[key] = value

    raw_mobile = _text(cells.get("mobile"))
    row["mobile"] = ""
    if raw_mobile:
        try:
            row["mobile"] = clean_mobile(raw_mobile)
        except ValidationError:
            reasons.append(_reason("mobile_invalid", "mobile", value=raw_mobile))

    raw_gender = _text(cells.get("gender"))
    row["gender"] = ""
    if raw_gender:
        gender = _GENDERS.get(_gender_key(raw_gender))
        if gender is None:
            reasons.append(_reason("gender_invalid", "gender", value=raw_gender))
        else:
            row["gender"] = str(gender)

    dates: dict[str, datetime.date | None] = {}
    for key in ("birth_date", "joined_on"):
        raw = cells.get(key)
        dates[key] = None
        if not _text(raw):
            continue
        try:
            day = _parse_date(raw)
        except (ValueError, OverflowError):
            reasons.append(_date_reason(key, raw))
            continue
        if day > today:
            reasons.append(_reason("date_in_future", key, value=_text(raw)))
            continue
        dates[key] = day
    if dates["birth_date"] and dates["joined_on"] and dates["joined_on"] < dates["birth_date"]:
        reasons.append(_reason("joined_before_birth", "joined_on"))
    row["birth_date"] = dates["birth_date"].isoformat() if dates["birth_date"] else None
    row["joined_on"] = dates["joined_on"].isoformat() if dates["joined_on"] else None

    numbers: dict[str, int | None] = {}
    for key in ("shares_held", "share_count", "shares_paid"):
        raw = cells.get(key)
        numbers[key] = None
        if not _text(raw):
            continue
        try:
            number = _parse_whole(raw)
        except (ValueError, TypeError):
            reasons.append(_reason("count_invalid" if key == "share_count" else "number_invalid", key, value=_text(raw)))
            continue
        if number < 0:
            reasons.append(_reason("amount_negative", key, value=_text(raw)))
            continue
        numbers[key] = number
    held, count, paid = numbers["shares_held"], numbers["share_count"], numbers["shares_paid"]
    from_count = count * share_price if count is not None and share_price else None
    if held is not None and from_count is not None and held != from_count:
        reasons.append(_reason("shares_mismatch", "shares_held", held=held, count=count, price=share_price))
    if held is None:
        held = from_count
    has_shares = bool({"shares_held", "share_count"} & set(cells if mapped is None else mapped))
    if paid and not has_shares:
        reasons.append(_reason("paid_without_shares", "shares_paid", paid=paid))
    elif paid is not None and held is not None and paid > held:
        reasons.append(_reason("paid_above_held", "shares_paid", paid=paid, held=held))
    row["shares_held"] = held or 0
    row["shares_paid"] = paid or 0
    return row, reasons


# ------------------------------------------------------------------------------ columns


def _guess(values: list[object]) -> str:
    """The field a column's sample values look like, or ``""`` (``"date"`` for a date of either kind)."""
    if not values:
        return ""
    enough = max(1, int(len(values) * GUESS_SHARE + 0.999))

    def share(test) -> bool:
        hits = 0
        for value in values:
            try:
                if test(value) is not False:
                    hits += 1
            except (ValidationError, ValueError, TypeError, OverflowError):
                pass
        return hits >= enough

    if share(lambda v: clean_national_code(_national_code_text(v))):
        return "national_code"
    if share(lambda v: clean_mobile(_text(v))):
        return "mobile"
    if share(lambda v: isinstance(v, datetime.date) or ("/" in _text(v) and _parse_date(v))):
        return "date"
    if share(lambda v: _gender_key(_text(v)) in _GENDERS):
        return "gender"
    return ""


def _median_day(values: list[object]) -> datetime.date:
    days = []
    for value in values:
        try:
            days.append(_parse_date(value))
        except (ValueError, TypeError, OverflowError):
            continue
    return statistics.median_low(days) if days else datetime.date.max


def _detect_columns(table: _Table, remembered: Mapping[str, str]) -> list[dict]:
    """Every column of the file that has a header or data, with the field it is read as and how."""
    sample = [cells for _number, cells in table.rows[:SAMPLE_ROWS]]
    width = max([len(table.header), *(len(cells) for cells in sample)])
    columns: list[dict] = []
    values_of: dict[int, list[object]] = {}
    taken: set[str] = set()
    for index in range(width):
        head = table.header[index] if index < len(table.header) else None
        values = [cells[index] for cells in sample if index < len(cells) and _text(cells[index])]
        if not _text(head) and not values:
            continue  # an empty column: nothing to report
        key, how = _field_of_header(head, remembered)
        if key != IGNORE and key in taken:
            key, how = "", "unknown"  # a second column of the same field: the officer decides
        if key and key != IGNORE:
            taken.add(key)
        values_of[index] = values
        columns.append({
            "index": index,
            "header": _text(head)[:100],
            "key": key,
            "how": how,
            "samples": [_national_code_text(v)[:40] for v in values[:3]],
        })
    dated: list[dict] = []
    for column in columns:
        if column["key"]:
            continue
        guess = _guess(values_of[column["index"]])
        if guess == "date":
            dated.append(column)
        elif guess and guess not in taken:
            column.update(key=guess, how="content")
            taken.add(guess)
    # Of two date columns the earlier dates are births; a lone one is the membership date.
    free = [k for k in ("birth_date", "joined_on") if k not in taken]
    dated.sort(key=lambda c: _median_day(values_of[c["index"]]))
    pairs: list[tuple[dict, str]] = []
    if dated and free == ["birth_date"]:
        pairs = [(dated[0], "birth_date")]
    elif dated and (free == ["joined_on"] or (free and len(dated) == 1)):
        pairs = [(dated[-1], "joined_on")]
    elif dated and free:
        pairs = [(dated[0], "birth_date"), (dated[-1], "joined_on")]
    for column, key in pairs:
        column.update(key=key, how="content")
    return columns


def _chosen(columns: Iterable[dict]) -> dict[int, str]:
    return {c["index"]: c["key"] for c in columns if c["key"] and c["key"] != IGNORE}


def mapping_problems(batch: ImportBatch) -> list[str]:
    """What stops the batch's column mapping from being used, in the reader's language (empty when ready)."""
    columns = (batch.layout or {}).get("columns")
    if not columns:
        return []  # a batch from before the mapping step: its rows were read by header alone
    problems = []
    for column in columns:
        if not column["key"]:
            problems.append(
                gettext("Choose what column %(column)s («%(header)s») holds, or choose “Ignore”.")
                % {"column": _letter(column["index"]), "header": column["header"] or "—"}
            )
    chosen = set(_chosen(columns).values())
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in chosen]
    if missing:
        problems.append(gettext("No column is chosen for: %(fields)s.") % {"fields": "، ".join(missing)})
    if "share_count" in chosen and not batch.share_price:
        problems.append(gettext("Enter the price of one share: the file gives the number of shares."))
    return problems


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def column_rows(batch: ImportBatch) -> list[dict]:
    """The batch's columns ready for a page or the API: letter, header, field, how, samples."""
    return [
        {
            "index": c["index"],
            "letter": _letter(c["index"]),
            "header": c["header"],
            "field": c["key"],
            "field_label": str(dict(FIELD_CHOICES).get(c["key"], "")),
            "how": c["how"],
            "how_label": str(HOW_LABELS.get(c["how"], "")),
            "samples": c.get("samples", []),
        }
        for c in (batch.layout or {}).get("columns", [])
    ]


# ------------------------------------------------------------------------------ checks


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _register_checks(cooperative: Cooperative, rows: list[dict]) -> dict[int, list[dict]]:
    """Reasons from the register as it is now: already a member, membership number taken,
    the largest share of capital one member may hold, and the member maximum of the
    cooperative's legal type (rows past it, in file order). ``rows`` are otherwise valid.

    The last two are the registry's declared compliance checks (``rules_checks.LARGEST_HOLDING``,
    ``rules_checks.MEMBERS_MAX``): their bound for this cooperative, applied to each row."""
    found: dict[int, list[dict]] = {}
    codes = [r["national_code"] for r in rows]
    members: set[str] = set()
    for chunk in _chunks(codes):
        members.update(
            Membership.objects.filter(cooperative=cooperative, person__national_code__in=chunk).values_list(
                "person__national_code", flat=True
            )
        )
    numbers = [r["membership_number"] for r in rows if r["membership_number"]]
    taken: set[str] = set()
    for chunk in _chunks(numbers):
        taken.update(
            Membership.objects.filter(cooperative=cooperative, membership_number__in=chunk).values_list(
                "membership_number", flat=True
            )
        )
    holding, most = rules_checks.LARGEST_HOLDING, rules_checks.MEMBERS_MAX
    share_limit = holding.values(cooperative)["bound"]
    member_limit = most.values(cooperative)["bound"]
    active = 0
    if member_limit is not None:
        # Counted afresh, not the stored member_count: rows accepted above take their places.
        active = Membership.objects.filter(cooperative=cooperative, status=MembershipStatus.ACTIVE).count()

    for r in rows:
        reasons = []
        if r["national_code"] in members:
            reasons.append(_reason("already_member", "national_code", value=r["national_code"]))
        if r["membership_number"] and r["membership_number"] in taken:
            reasons.append(_reason("membership_number_taken", "membership_number", value=r["membership_number"]))
        if not holding.allows(r["shares_held"], share_limit):
            reasons.append(
                _reason("share_above_maximum", "shares_held", held=r["shares_held"], limit=share_limit, rule=holding.key)
            )
        if not reasons:
            if most.allows(active + 1, member_limit):
                active += 1
            else:
                reasons.append(_reason("members_above_maximum", None, limit=member_limit, rule=most.key))
        if reasons:
            found[r["row"]] = reasons
    return found


def _error_entry(row_number: int, row: dict, reasons: list[dict], **extra) -> dict:
    name = " ".join(filter(None, [row.get("first_name", ""), row.get("last_name", "")]))
    code = row.get("national_code") or row.get("typed_code", "")
    return {"row": row_number, "national_code": code, "name": name, "reasons": reasons, **extra}


def _require_manage(user: Actor, cooperative: Cooperative) -> None:
    if not can(user, Action.MANAGE, cooperative):
        raise PermissionDenied


# ------------------------------------------------------------------------------ services


def _remembered(cooperative: Cooperative) -> tuple[dict[str, str], int | None]:
    mapping = ImportMapping.objects.filter(cooperative=cooperative).first()
    return (dict(mapping.columns), mapping.share_price) if mapping else ({}, None)


def _check_rows(cooperative: Cooperative, table: _Table, columns: list[dict], share_price: int | None):
    """Parse and check every row: the valid rows and the refused ones with their reasons."""
    chosen = _chosen(columns)
    mapped = frozenset(chosen.values())
    today = timezone.localdate()
    parsed: list[tuple[dict, list[dict]]] = []
    for number, cells in table.rows:
        if len(parsed) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(max)s rows: split it into smaller files.") % {"max": fadigits(MAX_ROWS)}
            )
        values = {key: cells[index] for index, key in chosen.items() if index < len(cells)}
        row, reasons = _parse_row(values, today, share_price, mapped)
        row["row"] = number
        parsed.append((row, reasons))

    first_seen: dict[str, int] = {}
    first_number: dict[str, int] = {}
    for row, reasons in parsed:
        code = row["national_code"]
        if code:
            if code in first_seen:
                reasons.append(_reason("duplicate_in_file", "national_code", value=code, first_row=first_seen[code]))
            else:
                first_seen[code] = row["row"]
        number = row["membership_number"]
        if number:
            if number in first_number:
                reasons.append(
                    _reason("duplicate_membership_number", "membership_number", value=number, first_row=first_number[number])
                )
            else:
                first_number[number] = row["row"]

    candidates = [row for row, reasons in parsed if not reasons]
    register_reasons = _register_checks(cooperative, candidates)
    known_people: set[str] = set()
    for chunk in _chunks([r["national_code"] for r in candidates]):
        known_people.update(Person.objects.filter(national_code__in=chunk).values_list("national_code", flat=True))

    valid_rows, errors = [], []
    for row, reasons in parsed:
        reasons = reasons + register_reasons.get(row["row"], [])
        if reasons:
            errors.append(_error_entry(row["row"], row, reasons))
        else:
            row["person_exists"] = row["national_code"] in known_people
            valid_rows.append(row)
    return valid_rows, errors, len(parsed)


def preview_member_import(cooperative: Cooperative, uploaded_file, filename: str, user: Actor) -> ImportBatch:
    """Read the file's columns, parse and check every row; keep the outcome in a new batch.

    Writes nothing to the register. Columns come from the cooperative's remembered mapping,
    header synonyms, then content; a column none of them names is kept unresolved for the
    officer (see :func:`mapping_problems`). Raises ``ValidationError`` for a file that cannot be
    used at all (unreadable, wrong encoding, empty, too long, no national code column, required
    columns missing with no other column to choose) and ``PermissionDenied`` when ``user`` may
    not manage ``cooperative``.
    """
    _require_manage(user, cooperative)
    data = _read_upload(uploaded_file)
    remembered, share_price = _remembered(cooperative)
    table = _load_table(data, filename, remembered)
    columns = _detect_columns(table, remembered)
    chosen = set(_chosen(columns).values())
    if "national_code" not in chosen:
        raise _file_error(_("No header row with a «کد ملی» (national code) column was found in the first rows."))
    missing = [c for c in COLUMNS if c.required and c.key not in chosen]
    if missing and all(c["key"] for c in columns):
        raise _file_error(
            _("Required columns are missing: %(columns)s.") % {"columns": "، ".join(c.header for c in missing)}
        )
    if not table.rows:
        raise _file_error(_("The file has a header row but no members."))
    valid_rows, errors, total = _check_rows(cooperative, table, columns, share_price)

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            cooperative=cooperative,
            uploaded_by=authenticated_user(user),
            filename=(filename or "")[:255],
            valid_rows=valid_rows,
            errors=errors,
            total_rows=total,
            source=data,
            layout={"header_row": table.header_row, "columns": columns},
            share_price=share_price,
        )
        record(
            user, "member_import.preview", batch,
            after={
                "filename": batch.filename, "rows": total, "valid": len(valid_rows), "errors": len(errors),
                "columns": {c["header"] or _letter(c["index"]): c["key"] for c in columns},
            },
        )
    return batch


def parse_share_price(text: object) -> int | None:
    """The price of one share typed by an officer (Persian digits, separators), ``None`` when empty."""
    if not _text(text):
        return None
    try:
        return _parse_whole(text)
    except (ValueError, TypeError):
        raise ValidationError({"share_price": [_("Write the price of one share as a whole number of rials.")]}) from None


def _mapping_error(message) -> ValidationError:
    return ValidationError({"mapping": [message]})


def remap_member_import(
    batch: ImportBatch, *, mapping: Mapping[int, str], share_price: int | None, user: Actor
) -> ImportBatch:
    """Read the batch's file again with the officer's choice of field per column (index → key
    or ``"ignore"``; columns not named keep theirs) and ``share_price``, and check every row again.

    Writes nothing to the register. Raises ``ValidationError`` (field ``mapping`` or
    ``share_price``) for an unknown field or column, a field chosen twice, a price below one
    rial, or a batch no longer awaiting confirmation.
    """
    _require_manage(user, batch.cooperative)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("cooperative").get(pk=batch.pk)
        if batch.state != ImportBatch.State.PREVIEW:
            raise ValidationError(_("This import was already confirmed or discarded."), code="import_closed")
        layout = batch.layout or {}
        if not layout.get("columns") or batch.source is None:
            raise ValidationError(
                _("This import was checked before columns could be chosen: upload the file again."),
                code="import_outdated",
            )
        if share_price is not None and share_price < 1:
            raise ValidationError({"share_price": [_("The price of one share must be at least one rial.")]})
        columns = [dict(c) for c in layout["columns"]]
        by_index = {c["index"]: c for c in columns}
        for index, key in mapping.items():
            if index not in by_index:
                raise _mapping_error(_("The file has no column %(column)s.") % {"column": fadigits(index)})
            if key not in _CHOICE_KEYS:
                raise _mapping_error(_("“%(field)s” is not a field of the member file.") % {"field": key})
            if by_index[index]["key"] != key or by_index[index]["how"] == "unknown":
                by_index[index].update(key=key, how="officer")
        counts: dict[str, int] = {}
        for key in _chosen(columns).values():
            counts[key] = counts.get(key, 0) + 1
        twice = [str(COLUMN_BY_KEY[k].label) for k, n in counts.items() if n > 1]
        if twice:
            raise _mapping_error(
                _("Each field may be chosen for one column only: %(fields)s.") % {"fields": "، ".join(twice)}
            )
        table = _table_at(bytes(batch.source), batch.filename, layout["header_row"])
        valid_rows, errors, total = _check_rows(batch.cooperative, table, columns, share_price)
        batch.layout = {**layout, "columns": columns}
        batch.share_price = share_price
        batch.valid_rows, batch.errors, batch.total_rows = valid_rows, errors, total
        batch.save(update_fields=["layout", "share_price", "valid_rows", "errors", "total_rows"])
        record(
            user, "member_import.preview", batch,
            after={
                "filename": batch.filename, "remapped": True, "valid": len(valid_rows), "errors": len(errors),
                "columns": {c["header"] or _letter(c["index"]): c["key"] for c in columns}, "share_price": share_price,
            },
        )
    return batch


def _remember_mapping(batch: ImportBatch, user: Actor) -> None:
    columns = (batch.layout or {}).get("columns") or []
    chosen = {_header_key(c["header"]): c["key"] for c in columns if c["key"] and _header_key(c["header"])}
    mapping, _created = ImportMapping.objects.select_for_update().get_or_create(cooperative_id=batch.cooperative_id)
    mapping.columns = {**mapping.columns, **chosen}
    if batch.share_price:
        mapping.share_price = batch.share_price
    mapping.updated_by = authenticated_user(user)
    mapping.save()


def _refresh_member_count(cooperative: Cooperative) -> None:
    from .. import services

    services.refresh_member_count(cooperative)


def confirm_member_import(batch: ImportBatch, user: Actor) -> ImportBatch:
    """Write the batch's valid rows to the register, in one transaction.

    The rows are checked again against the register as it is now; rows that no longer pass
    (someone added that member meanwhile, the member maximum was reached, …) are skipped and
    added to the batch's errors with ``"at_confirm": True``. Existing people are reused by
    national code (their stored details are kept); new people and all memberships are written
    with ``bulk_create`` in chunks. One audit event records the counts. Either every row is
    written or, on any failure, none.
    """
    try:
        return _confirm(batch, user)
    except IntegrityError:
        # A write that did not take the cooperative's lock slipped in between the check and
        # the insert: nothing was written; the officer can simply confirm again.
        raise ValidationError(
            _("The register changed while the import was being written; nothing was imported. Confirm again."),
            code="import_conflict",
        ) from None


@transaction.atomic
def _confirm(batch: ImportBatch, user: Actor) -> ImportBatch:
    cooperative = Cooperative.objects.select_for_update().get(pk=batch.cooperative_id)
    _require_manage(user, cooperative)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != ImportBatch.State.PREVIEW:
        raise ValidationError(_("This import was already confirmed or discarded."), code="import_closed")
    problems = mapping_problems(batch)
    if problems:
        raise ValidationError({"mapping": problems}, code="mapping_incomplete")
    rows = list(batch.valid_rows)
    late = _register_checks(cooperative, rows)
    rows_in = [r for r in rows if r["row"] not in late]
    skipped = [_error_entry(r["row"], r, late[r["row"]], at_confirm=True) for r in rows if r["row"] in late]

    people: dict[str, int] = {}
    for chunk in _chunks([r["national_code"] for r in rows_in]):
        people.update(Person.objects.filter(national_code__in=chunk).values_list("national_code", "pk"))
    new_people = [
        Person(
            national_code=r["national_code"],
            first_name=r["first_name"],
            last_name=r["last_name"],
            name_key=normalize(f"{r['first_name']} {r['last_name']}"),
            mobile=r["mobile"],
            gender=r["gender"],
            birth_date=datetime.date.fromisoformat(r["birth_date"]) if r["birth_date"] else None,
        )
        for r in rows_in
        if r["national_code"] not in people
    ]
    for chunk in _chunks(new_people):
        # A person added elsewhere since the lookup above is kept, not duplicated.
        Person.objects.bulk_create(chunk, ignore_conflicts=True)
        people.update(
            Person.objects.filter(national_code__in=[p.national_code for p in chunk]).values_list("national_code", "pk")
        )
    memberships = (
        Membership(
            cooperative=cooperative,
            person_id=people[r["national_code"]],
            membership_number=r["membership_number"],
            joined_on=datetime.date.fromisoformat(r["joined_on"]),
            shares_held=r["shares_held"],
            shares_paid=r["shares_paid"],
            status=MembershipStatus.ACTIVE,
        )
        for r in rows_in
    )
    pending: list[Membership] = []
    for membership in memberships:
        pending.append(membership)
        if len(pending) == CHUNK:
            Membership.objects.bulk_create(pending)
            pending = []
    if pending:
        Membership.objects.bulk_create(pending)

    _refresh_member_count(cooperative)
    batch.state = ImportBatch.State.CONFIRMED
    batch.imported_count = len(rows_in)
    batch.errors = list(batch.errors) + skipped
    batch.valid_rows = []  # now in the register; the batch keeps the counts and the refused rows
    batch.source = None
    batch.save(update_fields=["state", "imported_count", "errors", "valid_rows", "source"])
    if (batch.layout or {}).get("columns"):
        _remember_mapping(batch, user)
    record(
        user, "member_import.confirm", batch,
        after={
            "filename": batch.filename,
            "imported": len(rows_in),
            "people_created": len(new_people),
            "skipped": len(skipped),
            "rejected_in_preview": len(batch.errors) - len(skipped),
            "columns": {c["header"] or _letter(c["index"]): c["key"] for c in (batch.layout or {}).get("columns", [])},
            "share_price": batch.share_price,
        },
    )
    return batch


@transaction.atomic
def discard_member_import(batch: ImportBatch, user: Actor) -> ImportBatch:
    """Drop a batch awaiting confirmation: nothing is written, its rows are forgotten."""
    _require_manage(user, batch.cooperative)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != ImportBatch.State.PREVIEW:
        raise ValidationError(_("This import was already confirmed or discarded."), code="import_closed")
    before = {"state": batch.state, "valid": len(batch.valid_rows)}
    batch.state = ImportBatch.State.DISCARDED
    batch.valid_rows = []
    batch.source = None
    batch.save(update_fields=["state", "valid_rows", "source"])
    record(user, "member_import.discard", batch, before=before, after={"state": batch.state})
    return batch


# ------------------------------------------------------------------------------ reading a batch


def describe(reason: dict) -> str:
    """The text of one stored reason, in the active language."""
    template = REASONS.get(str(reason.get("code")))
    if template is None:
        return str(reason.get("code", ""))
    params: dict[str, Any] = {}
    for key, value in (reason.get("params") or {}).items():
        if key == "rule":
            params[key] = rules.cite(value)
        elif key in ("held", "paid", "limit", "price"):
            params[key] = money(value)
        elif key == "month_name" and isinstance(value, int) and 1 <= value <= 12:
            params[key] = (MONTH_NAMES_FA if language_uses_persian_digits() else MONTH_NAMES_EN)[value - 1]
        elif key in ("value", "first_row", "max", "count", "year", "days", "month"):
            params[key] = fadigits(value)
        else:
            params[key] = value
    column = COLUMN_BY_KEY.get(reason.get("column") or "")
    params["column"] = str(column.label) if column else ""
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return str(template)


def error_rows(entries: Iterable[dict]) -> list[dict]:
    """Stored error entries with their reasons as text, ready for a page or the API."""
    return [
        {
            "row": e["row"],
            "national_code": e.get("national_code", ""),
            "name": e.get("name", ""),
            "at_confirm": bool(e.get("at_confirm")),
            "reasons": [describe(r) for r in e.get("reasons", [])],
            "codes": [r.get("code") for r in e.get("reasons", [])],
        }
        for e in entries
    ]


# ------------------------------------------------------------------------------ template file


def template_workbook(stream) -> None:
    """Write the empty member file (Persian headers, right-to-left) with a guide sheet to ``stream``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "اعضا"
    sheet.sheet_view.rightToLeft = True
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE08A")
    for index, column in enumerate((c for c in COLUMNS if c.in_template), start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        # Identifiers and dates are text: Excel must not drop leading zeros or reformat dates.
        dimension.number_format = "#,##0" if column.key in ("shares_held", "shares_paid") else "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("راهنما")
    guide.sheet_view.rightToLeft = True
    guide.append([gettext("Column"), gettext("Required"), gettext("How to fill it")])
    for cell in guide[1]:
        cell.font = bold
    for column in COLUMNS:
        guide.append([column.header, gettext("yes") if column.required else "", str(column.hint)])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 60
    workbook.save(stream)
