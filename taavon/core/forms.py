"""Form fields and the Bootstrap form mixin shared across Taavon apps."""

from __future__ import annotations

import datetime
import json
from typing import Any, cast

import jdatetime
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from taavon.core.errors import add_to_form
from taavon.core.jalali import MONTH_NAMES_EN, MONTH_NAMES_FA, format_jalali, parse_jalali
from taavon.core.persian import language_uses_persian_digits

__all__ = ["BootstrapMixin", "JalaliDateField", "JalaliDateInput"]

# Identifiers typed left to right even on a right-to-left page.
LTR_FIELDS = frozenset(
    {"national_id", "national_code", "registration_number", "postal_code", "phone", "mobile", "isic_code"}
)


# The calendar's week starts on Saturday; Django's own catalogue translates the day names.
WEEKDAYS = (_("Saturday"), _("Sunday"), _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"))


class JalaliDateInput(forms.TextInput):
    """A text input for a Jalali date that static/js/jalali-datepicker.js gives a calendar button.

    The words the calendar shows travel in its ``data-jalali-date`` attribute, translated here at
    render time, so the script holds none and follows the page's language. Without the script the
    input is an ordinary text box.
    """

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        persian = language_uses_persian_digits()
        context["widget"]["attrs"]["data-jalali-date"] = json.dumps(
            {
                "digits": "fa" if persian else "en",
                "months": list(MONTH_NAMES_FA if persian else MONTH_NAMES_EN),
                "weekdays": [str(day) for day in WEEKDAYS],
                "open": str(_("Choose a date from a calendar")),
                "prev": str(_("Previous month")),
                "next": str(_("Next month")),
                "today": str(_("Today")),
                "close": str(_("Close")),
            },
            ensure_ascii=False,
        )
        context["widget"]["attrs"].setdefault("autocomplete", "off")
        return context


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

    widget = JalaliDateInput
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


DASHES = "---------"  # Django's empty choice (BLANK_CHOICE_DASH, ModelChoiceField.empty_label)


def _name_empty_choice(field: forms.Field) -> None:
    """Say what the empty choice of a form's select means instead of Django's dashes: a required
    choice asks to choose, an optional one is "none chosen". (Filters name theirs "All".)"""
    label = _("Choose…") if field.required else _("None chosen")
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASHES:
            field.empty_label = label
        return
    if isinstance(field, forms.ChoiceField):
        # Django normalises choices to a list of pairs (or groups, whose label is never the dashes).
        choices = list(cast("list[tuple[Any, Any]]", field.choices))
        if any(value == "" and text == DASHES for value, text in choices):
            field.choices = [(value, label if value == "" and text == DASHES else text) for value, text in choices]


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields in a loop.

    Dates, digits and identifiers are typed left to right: Jalali dates, any field whose class says
    ``numeric = True`` (digit-tolerant amounts, counts, times: core knows no domain field) and the
    fields named in :attr:`ltr_fields`. A field class may also carry a ``placeholder``.
    """

    ltr_fields: frozenset[str] = LTR_FIELDS
    fields: dict[str, forms.Field]  # the form's, once mixed in

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(widget, forms.Select):
                _name_empty_choice(field)
            if isinstance(field, JalaliDateField):
                widget.attrs.setdefault("placeholder", _("yyyy/mm/dd"))
                widget.attrs.setdefault("dir", "ltr")
            elif getattr(field, "numeric", False) or name in self.ltr_fields:
                widget.attrs.setdefault("dir", "ltr")
                widget.attrs.setdefault("inputmode", "numeric")
            placeholder = getattr(field, "placeholder", None)
            if placeholder:
                widget.attrs.setdefault("placeholder", placeholder)

    def add_service_errors(self, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
        """A service's ValidationError on the fields it names (renamed by ``fields``), others on the whole form."""
        add_to_form(self, exc, fields)
