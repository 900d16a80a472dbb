"""Forms of the session pages. They only parse what people type (national codes in Persian or ASCII
digits, with spaces or dashes); who they name is looked up by :mod:`.services`, the rules are
checked there and in :mod:`.proxies`."""

import re

from django import forms
from django.utils.translation import gettext_lazy

from taavon.core.forms import BootstrapMixin
from taavon.core.identifiers import clean_national_code
from taavon.core.persian import to_ascii_digits


class NationalCodeField(forms.CharField):
    """A national code typed with Persian or ASCII digits, spaces or dashes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return clean_national_code(value) if value else value


class ProxyForm(BootstrapMixin, forms.Form):
    national_code = NationalCodeField(label=gettext_lazy("national code of the holder"))
    first_name = forms.CharField(
        label=gettext_lazy("first name"), max_length=100, required=False,
        help_text=gettext_lazy("Only for a holder who is not a member."),
    )
    last_name = forms.CharField(label=gettext_lazy("last name"), max_length=100, required=False)
    mobile = forms.CharField(label=gettext_lazy("mobile"), max_length=20, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "confirm"), ("refuse", "refuse")])
    identity_checked = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=300, required=False)


class CheckInForm(BootstrapMixin, forms.Form):
    national_code = NationalCodeField(label=gettext_lazy("national code"))


_CODE_SEPARATORS = re.compile(r"[\s,،;؛]+")


class OpenSessionForm(BootstrapMixin, forms.Form):
    chair = NationalCodeField(label=gettext_lazy("chair (national code)"))
    secretary = NationalCodeField(label=gettext_lazy("secretary (national code)"))
    observers = forms.CharField(
        label=gettext_lazy("observers (national codes)"), required=False, max_length=500,
        help_text=gettext_lazy("Separate national codes with spaces or commas."),
    )

    def clean_observers(self):
        codes = [c for c in _CODE_SEPARATORS.split(to_ascii_digits(self.cleaned_data["observers"])) if c]
        return [clean_national_code(code) for code in codes]
