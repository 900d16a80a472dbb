"""Forms of the login pages and the API token page. They accept Persian or ASCII digits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from taavon.core.identifiers import clean_national_code
from taavon.core.persian import to_ascii_digits

from .services import CODE_DIGITS

_DIGITS_INPUT = {"inputmode": "numeric", "autocomplete": "off", "dir": "ltr", "class": "form-control form-control-lg"}


class NationalCodeField(forms.CharField):
    """A national code as people type it (Persian digits, spaces, dashes) cleaned to 10 ASCII digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={**_DIGITS_INPUT, "autofocus": True}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return clean_national_code(value) if value else value


class MemberLoginForm(forms.Form):
    national_code = NationalCodeField()


class OfficialLoginForm(forms.Form):
    national_code = NationalCodeField()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control form-control-lg"}),
    )


class StepUpForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control form-control-lg", "autofocus": True}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        widget=forms.TextInput(attrs={**_DIGITS_INPUT, "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self):
        code = "".join(to_ascii_digits(self.cleaned_data["code"]).split())
        if len(code) != CODE_DIGITS or not code.isdigit():
            raise forms.ValidationError(
                _("Enter the %(digits)s-digit code sent to your mobile."), params={"digits": CODE_DIGITS}
            )
        return code


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the program that will use it."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
