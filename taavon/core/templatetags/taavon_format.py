"""Template filters for Persian/English display: Jalali dates, digits and money.

Loaded as a template builtin (see ``TEMPLATES`` in settings), or with
``{% load taavon_format %}``. Every filter follows the active language: Persian digits when
``translation.get_language()`` starts with ``fa``, ASCII digits otherwise. Every filter
turns ``None`` and ``""`` into ``""`` and never raises on odd input.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import jdatetime
from django import template
from django.utils import timezone

from taavon.core.jalali import format_jalali, parse_jalali
from taavon.core.persian import language_uses_persian_digits, to_ascii_digits, to_persian_digits

register = template.Library()

PERSIAN_THOUSANDS_SEPARATOR = "\u066c"  # ٬ ARABIC THOUSANDS SEPARATOR
PERSIAN_DECIMAL_SEPARATOR = "\u066b"  # ٫ ARABIC DECIMAL SEPARATOR

# Reading numeric strings: drop thousands separators, turn ٫ into a decimal point.
_READ_SEPARATORS = {
    ord(","): None,
    ord(PERSIAN_THOUSANDS_SEPARATOR): None,
    ord(PERSIAN_DECIMAL_SEPARATOR): ".",
}
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?", re.ASCII)
# Writing in Persian: ٬ for thousands and ٫ for the decimal point.
_WRITE_SEPARATORS_FA = {ord(","): PERSIAN_THOUSANDS_SEPARATOR, ord("."): PERSIAN_DECIMAL_SEPARATOR}


def _as_date_value(value):
    """A date/datetime to format, or None. Aware datetimes are moved to local time."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, (datetime.date, jdatetime.date)):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return parse_jalali(value)
        except ValueError:
            return None
    return None


def _format(value, *, with_time: bool, style: str) -> str:
    value = _as_date_value(value)
    if value is None:
        return ""
    try:
        return format_jalali(
            value,
            with_time=with_time,
            persian_digits=language_uses_persian_digits(),
            month_names=style == "long",
        )
    except (ValueError, OverflowError):  # outside the range jdatetime can represent
        return ""


@register.filter(name="jdate")
def jdate(value, style=""):
    """Jalali date: ``{{ d|jdate }}`` → ``۱۴۰۴/۰۶/۱۴``; ``{{ d|jdate:"long" }}`` →
    ``۱۴ شهریور ۱۴۰۴``.

    Accepts dates, datetimes (aware ones are shown in the current time zone), jdatetime
    objects and date strings :func:`~taavon.core.jalali.parse_jalali` understands. Anything
    else gives ``""``.
    """
    return _format(value, with_time=False, style=style)


@register.filter(name="jdatetime")
def jdatetime_filter(value, style=""):
    """Jalali date and time: ``۱۴۰۴/۰۶/۱۴ ۱۴:۳۰`` (``"long"`` style as for :func:`jdate`).

    Plain dates are shown without a time.
    """
    return _format(value, with_time=True, style=style)


@register.filter(name="fadigits", is_safe=True)
def fadigits(value):
    """Digits in ``value`` as Persian digits when the language is Persian; otherwise
    ``value`` is returned as text, unchanged. ``None`` gives ``""``."""
    if value is None:
        return ""
    return to_persian_digits(value) if language_uses_persian_digits() else str(value)


def _as_decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = "".join(to_ascii_digits(value).split()).translate(_READ_SEPARATORS)
        # Plain decimal notation only: no exponents, so "1e999999" cannot blow up the output.
        return Decimal(text) if _PLAIN_NUMBER.fullmatch(text) else None
    return None


@register.filter(name="money", is_safe=True)
def money(value):
    """An amount with thousands separators: ``۱۲٬۵۰۰٬۰۰۰`` in Persian, ``12,500,000`` in
    English.

    Whole amounts show no decimals (``Decimal("1500.00")`` → ``1,500``); other amounts keep
    the decimals they have, with ``٫`` as the Persian decimal point. Accepts int, Decimal,
    float and numeric strings (Persian digits and separators included). ``None`` gives
    ``""``; text that is not a number is returned unchanged.
    """
    if value is None or value == "":
        return ""
    amount = _as_decimal(value)
    if amount is None or not amount.is_finite():
        return str(value)
    if amount.is_zero():
        amount = Decimal(0)  # no "-0"
    if amount == amount.to_integral_value():
        text = f"{amount.to_integral_value():,.0f}"
    else:
        text = f"{amount:,f}"
    if not language_uses_persian_digits():
        return text
    return to_persian_digits(text.translate(_WRITE_SEPARATORS_FA))
