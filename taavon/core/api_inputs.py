"""Tolerant readers for API input fields: what people type, in any digits, before pydantic checks
the type. Each raises ``ValueError`` with a translatable message, which pydantic reports (422)."""

from django.utils.translation import gettext as _

from .jalali import parse_jalali


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
