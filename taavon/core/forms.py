"""Form fields shared across Taavon apps."""

from __future__ import annotations

import datetime

import jdatetime
from django import forms
from django.utils.translation import gettext_lazy as _

from taavon.core.jalali import format_jalali, parse_jalali
from taavon.core.persian import language_uses_persian_digits

__all__ = ["JalaliDateField"]


class JalaliDateField(forms.DateField):
    """A date field whose users read and type dates in the Jalali calendar.

    * Input: anything :func:`taavon.core.jalali.parse_jalali` accepts — ``۱۴۰۴/۰۶/۱۴``,
      ``1404-6-14``, Persian or ASCII digits, and ISO Gregorian dates (year above 1700).
    * ``cleaned_data`` holds a Gregorian :class:`datetime.date` (``None`` when empty and
      not required).
    * A date initial value is shown as ``yyyy/mm/dd`` in Jalali, with Persian digits when
      the active language is Persian and ASCII digits otherwise. Submitted text is shown
      back exactly as typed.
    """

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("Enter a valid Jalali date, e.g. 1404/06/14."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, (datetime.date, jdatetime.date)):
            return parse_jalali(value)
        try:
            return parse_jalali(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, (datetime.date, jdatetime.date)):
            try:
                return format_jalali(value, persian_digits=language_uses_persian_digits())
            except ValueError:  # before the Jalali epoch: show it as it is
                return value.isoformat()
        return value
