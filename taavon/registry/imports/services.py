"""Member import from a spreadsheet: upload, preview, then confirm or discard.

An officer uploads an Excel workbook (``.xlsx``) or a CSV file (UTF-8, with or without a byte
order mark, comma-separated) whose first row names the columns in Persian («کد ملی», «نام»,
…, see :data:`COLUMNS`) or English. Digits may be Persian or ASCII, dates are Jalali
(``1404/06/14``; Excel date cells are read as the Gregorian dates they are).

:func:`preview_member_import` parses and checks every row and keeps the result in an
:class:`~taavon.registry.models.ImportBatch`: the valid rows, and every bad row with its row
number and reasons. It writes nothing to the register. :func:`confirm_member_import` checks the
valid rows again (someone may have added a member meanwhile) and writes people and memberships
in one transaction; :func:`discard_member_import` drops the batch.

Reasons are stored as codes with parameters (see :data:`REASONS`) and turned into text in the
reader's language by :func:`describe`, so a batch reads correctly in Persian and English.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
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
from taavon.core.jalali import parse_jalali
from taavon.core.persian import normalize, normalize_for_display, to_ascii_digits
from taavon.core.templatetags.taavon_format import fadigits, money

from .. import rules_checks
from ..models import Cooperative, Gender, ImportBatch, Membership, MembershipStatus, Person

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REASONS",
    "Column",
    "confirm_member_import",
    "describe",
    "discard_member_import",
    "error_rows",
    "preview_member_import",
    "read_table",
    "template_workbook",
]

#: A file longer than this is refused before any row is checked (split it in parts).
MAX_ROWS = 200_000
#: A larger upload is refused unread.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Rows written per INSERT, and values per ``IN (...)`` lookup.
CHUNK = 1000


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
        ("shares", "shares held", "shares_held", "share capital", "مبلغ سهام", "سرمایه"),
        hint=_("whole rials; empty means 0"), width=16,
    ),
    Column(
        "shares_paid", "مبلغ پرداختی", _("Amount paid (rials)"),
        ("paid", "amount paid", "shares paid", "shares_paid", "paid amount", "پرداختی"),
        hint=_("whole rials, not more than the shares; empty means 0"), width=16,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

#: Why a row cannot be imported. Parameters named ``column`` hold a column key; ``rule`` holds
#: a rules key (cited in full); other numbers are shown with the reader's digits.
REASONS = {
    "required": _("%(column)s is empty."),
    "too_long": _("%(column)s is longer than %(max)s characters."),
    "national_code_invalid": _("National code %(value)s is not valid (10 digits with a correct check digit)."),
    "mobile_invalid": _("Mobile number %(value)s is not valid, e.g. 09121234567."),
    "gender_invalid": _("Gender %(value)s is not understood: write female or male."),
    "date_invalid": _("%(column)s %(value)s is not a valid Jalali date, e.g. 1404/06/14."),
    "date_in_future": _("%(column)s %(value)s is in the future."),
    "joined_before_birth": _("The membership date is before the birth date."),
    "number_invalid": _("%(column)s %(value)s is not a whole number of rials."),
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


_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.header, _column.key, *_column.aliases):
        _ALIASES.setdefault(_header_key(_alias), _column.key)


# ------------------------------------------------------------------------------ reading


def _file_error(message) -> ValidationError:
    return ValidationError(message, code="file")


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


def _csv_rows(data: bytes) -> Iterator[Sequence[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Persian Windows saves "CSV (Comma delimited)" in Windows-1256.
        try:
            text = data.decode("cp1256")
        except UnicodeDecodeError as exc:
            raise _file_error(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”.")) from exc
    yield from csv.reader(io.StringIO(text, newline=""))


def read_table(uploaded_file, filename: str) -> Iterator[Sequence[Any]]:
    """The rows of the first sheet of an ``.xlsx`` workbook or a ``.csv`` file, as tuples of cells."""
    name = (filename or "").lower()
    if (getattr(uploaded_file, "size", None) or 0) > MAX_FILE_BYTES:
        raise _file_error(
            _("The file is larger than %(size)s MB: split it into smaller files.") % {"size": fadigits(MAX_FILE_BYTES >> 20)}
        )
    uploaded_file.seek(0)
    data = uploaded_file.read()
    if not data:
        raise _file_error(_("The file is empty."))
    if name.endswith((".csv", ".txt")):
        return _csv_rows(data)
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return _xlsx_rows(data)
    if name.endswith(".xls"):
        raise _file_error(_("Old Excel files (.xls) are not supported: save the file as .xlsx."))
    raise _file_error(_("Upload an Excel workbook (.xlsx) or a CSV file."))


def _is_blank(cells: Iterable) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header_map(cells: Sequence[Any]) -> dict[int, str]:
    """Column index → column key, for the cells of a header row (unknown headers are ignored)."""
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _ALIASES.get(_header_key(cell))
        if key and key not in found.values():
            found[index] = key
    return found


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


def _reason(code: str, column: str | None = None, **params) -> dict:
    return {"code": code, "column": column, "params": {k: v for k, v in params.items() if v is not None}}


@functools.lru_cache(maxsize=100_000)
def _date_from_text(text: str) -> datetime.date:
    """Cached: a member list repeats the same few membership dates thousands of times."""
    text = to_ascii_digits(text).strip()
    if re.fullmatch(r"\d{8}", text):  # 14040614, as a number cell
        text = f"{text[:4]}/{text[4:6]}/{text[6:]}"
    return parse_jalali(text)


def _parse_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return _date_from_text(_text(value))


def _parse_amount(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        amount = int(value)
    else:
        text = re.sub(r"[\s,\u066c\u060c']", "", to_ascii_digits(value))
        if not re.fullmatch(r"\d+", text):
            raise ValueError
        amount = int(text)
    if amount < 0:
        raise ValueError
    return amount


def _parse_row(cells: dict[str, object], today: datetime.date) -> tuple[dict, list[dict]]:
    """One row's values, cleaned, and the reasons it cannot be imported (empty when it can)."""
    reasons: list[dict] = []
    row: dict[str, Any] = {}

    for column in COLUMNS:
        if column.required and not _text(cells.get(column.key)):
            reasons.append(_reason("required", column.key))

    raw_code = _text(cells.get("national_code"))
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
            reasons.append(_reason("date_invalid", key, value=_text(raw)))
            continue
        if day > today:
            reasons.append(_reason("date_in_future", key, value=_text(raw)))
            continue
        dates[key] = day
    if dates["birth_date"] and dates["joined_on"] and dates["joined_on"] < dates["birth_date"]:
        reasons.append(_reason("joined_before_birth", "joined_on"))
    row["birth_date"] = dates["birth_date"].isoformat() if dates["birth_date"] else None
    row["joined_on"] = dates["joined_on"].isoformat() if dates["joined_on"] else None

    amounts: dict[str, int | None] = {}
    for key in ("shares_held", "shares_paid"):
        raw = cells.get(key)
        if not _text(raw):
            amounts[key] = 0
            continue
        try:
            amounts[key] = _parse_amount(raw)
        except (ValueError, TypeError):
            amounts[key] = None
            reasons.append(_reason("number_invalid", key, value=_text(raw)))
    if amounts["shares_held"] is not None and amounts["shares_paid"] is not None:
        if amounts["shares_paid"] > amounts["shares_held"]:
            reasons.append(
                _reason("paid_above_held", "shares_paid", paid=amounts["shares_paid"], held=amounts["shares_held"])
            )
    row["shares_held"] = amounts["shares_held"] or 0
    row["shares_paid"] = amounts["shares_paid"] or 0
    return row, reasons


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


def preview_member_import(cooperative: Cooperative, uploaded_file, filename: str, user: Actor) -> ImportBatch:
    """Parse and check every row of ``uploaded_file``; keep the outcome in a new batch.

    Writes nothing to the register. Raises ``ValidationError`` for a file that cannot be used
    at all (unreadable, empty, too long, required columns missing) and ``PermissionDenied``
    when ``user`` may not manage ``cooperative``.
    """
    _require_manage(user, cooperative)
    rows_in = read_table(uploaded_file, filename)
    header: dict[int, str] | None = None
    today = timezone.localdate()
    parsed: list[tuple[dict, list[dict]]] = []
    for number, cells in enumerate(rows_in, start=1):
        if _is_blank(cells):
            continue
        if header is None:
            header = _header_map(cells)
            if "national_code" not in header.values():
                if number >= 5:
                    break
                header = None  # a title line above the header: keep looking
            continue
        if len(parsed) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(max)s rows: split it into smaller files.") % {"max": fadigits(MAX_ROWS)}
            )
        values = {key: cells[index] for index, key in header.items() if index < len(cells)}
        row, reasons = _parse_row(values, today)
        row["row"] = number
        parsed.append((row, reasons))
    if header is None:
        raise _file_error(_("No header row with a «کد ملی» (national code) column was found in the first rows."))
    missing = [c for c in COLUMNS if c.required and c.key not in header.values()]
    if missing:
        raise _file_error(
            _("Required columns are missing: %(columns)s.") % {"columns": "، ".join(c.header for c in missing)}
        )
    if not parsed:
        raise _file_error(_("The file has a header row but no members."))

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

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            cooperative=cooperative,
            uploaded_by=authenticated_user(user),
            filename=(filename or "")[:255],
            valid_rows=valid_rows,
            errors=errors,
            total_rows=len(parsed),
        )
        record(
            user, "member_import.preview", batch,
            after={"filename": batch.filename, "rows": len(parsed), "valid": len(valid_rows), "errors": len(errors)},
        )
    return batch


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
    batch.save(update_fields=["state", "imported_count", "errors", "valid_rows"])
    record(
        user, "member_import.confirm", batch,
        after={
            "filename": batch.filename,
            "imported": len(rows_in),
            "people_created": len(new_people),
            "skipped": len(skipped),
            "rejected_in_preview": len(batch.errors) - len(skipped),
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
    batch.save(update_fields=["state", "valid_rows"])
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
        elif key in ("held", "paid", "limit"):
            params[key] = money(value)
        elif key in ("value", "first_row", "max"):
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
    for index, column in enumerate(COLUMNS, start=1):
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
