"""Jalali (Solar Hijri) calendar conversion, formatting and parsing, built on jdatetime.

Dates are stored as ordinary :class:`datetime.date` / :class:`datetime.datetime`; Jalali is
only a presentation and input format. Nothing here imports Django, and nothing here
converts time zones: pass local times (``django.utils.timezone.localtime``) if you want the
local calendar day.
"""

from __future__ import annotations

import datetime
import re

import jdatetime

from taavon.core.persian import to_ascii_digits, to_persian_digits

__all__ = [
    "GREGORIAN_YEAR_THRESHOLD",
    "MONTH_NAMES_EN",
    "MONTH_NAMES_FA",
    "days_in_jalali_month",
    "format_jalali",
    "parse_jalali",
    "to_jalali",
]

MONTH_NAMES_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTH_NAMES_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)

#: :func:`parse_jalali` reads years above this as Gregorian (Jalali 1700 is 2321 CE).
GREGORIAN_YEAR_THRESHOLD = 1700

# year SEP month SEP day, where SEP is one of / - . and the same both times.
_DATE_RE = re.compile(r"(\d{4})\s*([/\-.])\s*(\d{1,2})\s*\2\s*(\d{1,2})", re.ASCII)
_INVISIBLE = dict.fromkeys(map(ord, "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\ufeff"))


def to_jalali(value):
    """Convert a Gregorian date or datetime to its jdatetime counterpart.

    ``datetime.datetime`` → ``jdatetime.datetime`` (time and tzinfo kept as they are);
    ``datetime.date`` → ``jdatetime.date``; jdatetime objects are returned unchanged and
    ``None`` gives ``None``. Raises TypeError for anything else and ValueError for dates
    before the Jalali epoch (622-03-22).
    """
    if value is None or isinstance(value, jdatetime.date):  # jdatetime.datetime included
        return value
    if isinstance(value, datetime.datetime):
        return jdatetime.datetime.fromgregorian(datetime=value)
    if isinstance(value, datetime.date):
        return jdatetime.date.fromgregorian(date=value)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def format_jalali(value, with_time=False, persian_digits=True, month_names=False) -> str:
    """Format a date/datetime (Gregorian or jdatetime) in the Jalali calendar.

    * Default: ``"۱۴۰۴/۰۶/۱۴"`` (zero-padded year/month/day).
    * ``month_names=True``: ``"۱۴ شهریور ۱۴۰۴"`` — the day is not padded. Month names are
      Persian when ``persian_digits`` is true and transliterated otherwise
      (``"14 Shahrivar 1404"``).
    * ``with_time=True`` appends ``" HH:MM"`` (24-hour) for datetimes; plain dates have no
      time and are formatted without one.
    * ``persian_digits=False`` uses ASCII digits; the calendar is still Jalali.

    ``None`` gives ``""``.
    """
    if value is None:
        return ""
    j = to_jalali(value)
    if month_names:
        names = MONTH_NAMES_FA if persian_digits else MONTH_NAMES_EN
        text = f"{j.day} {names[j.month - 1]} {j.year}"
    else:
        text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    if with_time and isinstance(j, jdatetime.datetime):
        text += f" {j.hour:02d}:{j.minute:02d}"
    return to_persian_digits(text) if persian_digits else text


def days_in_jalali_month(year: int, month: int) -> int:
    """Number of days in a Jalali month (Esfand has 30 days in leap years, else 29)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be between 1 and 12, got {month}")
    if month == 12:
        return 30 if jdatetime.date(year, 1, 1).isleap() else 29
    return jdatetime.j_days_in_month[month - 1]


def parse_jalali(text) -> datetime.date:
    """Parse a Jalali date written as year/month/day and return the Gregorian date.

    Accepts Persian, Arabic-Indic or ASCII digits; ``/``, ``-`` or ``.`` as separator (the
    same one twice); unpadded month and day: ``"۱۴۰۴/۰۶/۱۴"``, ``"1404-6-14"``,
    ``"1404/06/14"``. A four-digit year above :data:`GREGORIAN_YEAR_THRESHOLD` is read as a
    Gregorian date instead (``"2025-09-05"``), so ISO dates keep working. A
    ``datetime.date`` (or ``jdatetime.date``) argument is returned as a Gregorian date.

    Raises ValueError with a message naming the problem, e.g. a 13th month or
    ``1404/12/30`` (Esfand 1404 has 29 days).
    """
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    if isinstance(text, jdatetime.date):
        return jdatetime.date(text.year, text.month, text.day).togregorian()
    if not isinstance(text, str):
        raise ValueError(f"expected a date string, got {type(text).__name__}")
    cleaned = to_ascii_digits(text).translate(_INVISIBLE).strip()
    match = _DATE_RE.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"{text!r} is not a date written as year/month/day, e.g. 1404/06/14")
    year, month, day = int(match[1]), int(match[3]), int(match[4])

    if year > GREGORIAN_YEAR_THRESHOLD:
        try:
            return datetime.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid Gregorian date: {exc}") from None

    if year < jdatetime.MINYEAR:
        raise ValueError(f"{text!r}: year {year} is out of range")
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month must be between 1 and 12, got {month}")
    last_day = days_in_jalali_month(year, month)
    if not 1 <= day <= last_day:
        raise ValueError(f"{text!r}: {MONTH_NAMES_EN[month - 1]} {year} has days 1 to {last_day}, got {day}")
    return jdatetime.date(year, month, day).togregorian()
