"""Tolerant readers for API input fields: what people type, in any digits, before pydantic checks
the type. Each raises ``ValueError`` with a translatable message, which pydantic reports (422)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic_core import PydanticCustomError

from .jalali import parse_jalali
from .persian import to_ascii_digits


def cleaned_by(clean, value):
    """``clean(value)`` of a Django cleaner (``core.identifiers``), its refusal reported by pydantic
    with the cleaner's own code (``national_code_invalid``) and translated message."""
    try:
        return clean(value)
    except ValidationError as exc:
        code = next((e.code for e in exc.error_list if e.code), "invalid")
        # No context: pydantic leaves the message as it is (a template only with a context).
        raise PydanticCustomError(code, " ".join(str(m) for m in exc.messages)) from None

# Real offsets run from -12:00 to +14:00; PostgreSQL refuses beyond about ±16 hours (a 500).
MAX_UTC_OFFSET = datetime.timedelta(hours=14)


def jalali_date(value):
    """A date from Jalali (or ISO) text in any digits; empty text is None; other values pass."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_jalali(value)
        except ValueError:
            raise ValueError(_("Enter a valid Jalali date, e.g. 1404/06/14.")) from None
    return value


def moment(value):
    """An aware datetime from ISO text (with or without an offset) or a Jalali ``yyyy/mm/dd hh:mm``, in any digits."""
    if not isinstance(value, str):
        return value
    text = to_ascii_digits(value).strip()
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        day, _sep, clock = text.partition(" ")
        try:
            date = parse_jalali(day)
            hour, minute = (int(part) for part in (clock or "00:00").split(":")[:2])
            parsed = datetime.datetime.combine(date, datetime.time(hour, minute))
        except ValueError:
            raise ValueError(_("Enter a date and time, e.g. 1404/06/14 10:30.")) from None
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed)
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(_("The time-zone offset is not a real one: use Tehran time or an offset between -12:00 and +14:00."))
    return parsed


# The largest row id a database column holds (a signed 64-bit integer); SQLite refuses a larger
# number in a query with an OverflowError (a 500).
MAX_ROW_ID = 2**63 - 1


class RowIdConverter:
    """A URL path id: digits naming a row a database can hold; a larger number matches no route (404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ROW_ID:
            raise ValueError(value)
        return number

    def to_url(self, value) -> str:
        return str(value)
