"""Forms of the officer and supervisor pages. They only parse what people type (Persian digits,
Jalali dates, thousands separators); the rules are checked by :mod:`taavon.registry.services`.
Bootstrap classes and service errors on fields come from :class:`taavon.core.forms.BootstrapMixin`."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from taavon.core.forms import BootstrapMixin, JalaliDateField
from taavon.core.identifiers import clean_legal_national_id, clean_mobile, clean_national_code, clean_postal_code
from taavon.core.persian import to_ascii_digits
from taavon.geo.models import County, Province

from .models import Activity, Cooperative, CooperativeStatus, Gender, LegalType, MembershipStatus, PositionRole

_SEPARATORS = str.maketrans("", "", ",\u066c\u060c _")


class AmountField(forms.IntegerField):
    """A whole number (rials, counts) typed with Persian or ASCII digits and any thousands separators."""

    numeric = True  # typed left to right (core.forms.BootstrapMixin)

    def to_python(self, value):
        if isinstance(value, str):
            value = to_ascii_digits(value).translate(_SEPARATORS)
        return super().to_python(value)


class CooperativeForm(BootstrapMixin, forms.ModelForm):
    # Identifiers are often typed with separators: checked and shortened in clean_*.
    national_id = forms.CharField(label=_("national ID"), max_length=30)
    postal_code = forms.CharField(label=_("postal code"), max_length=20, required=False)
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    registration_date = JalaliDateField(label=_("registration date"))
    knowledge_based_expires_on = JalaliDateField(label=_("knowledge-based certificate expiry"), required=False)
    authorised_capital = AmountField(label=_("authorised capital (rials)"), min_value=1)
    paid_in_capital = AmountField(label=_("paid-in capital (rials)"), min_value=0)
    employees = AmountField(label=_("employees"), min_value=0, initial=0)
    fiscal_year_end_month = AmountField(label=_("fiscal year end month (Jalali)"), min_value=1, max_value=12, initial=12)

    class Meta:
        model = Cooperative
        fields = [
            "name",
            "national_id",
            "registration_number",
            "registration_date",
            "registration_office",
            "province",
            "county",
            "activity",
            "membership_type",
            "membership_group",
            "legal_type",
            "isic_code",
            "fiscal_year_end_month",
            "authorised_capital",
            "paid_in_capital",
            "employees",
            "knowledge_based_certificate",
            "knowledge_based_expires_on",
            "description",
            "phone",
            "email",
            "website",
            "address",
            "postal_code",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, provinces=None, location_editable=True, **kwargs):
        """``provinces``: the provinces the user may choose; ``location_editable=False`` drops
        province and county (officers may not move their cooperative)."""
        super().__init__(*args, **kwargs)
        if not location_editable:
            del self.fields["province"]
            del self.fields["county"]
            return
        if provinces is not None:
            cast(forms.ModelChoiceField, self.fields["province"]).queryset = provinces
        province_id = self.data.get(self.add_prefix("province")) or self.initial.get("province")
        if province_id is None and self.instance.pk:
            province_id = self.instance.province_id
        counties = County.objects.all()
        if province_id:
            counties = counties.filter(province_id=province_id)
        cast(forms.ModelChoiceField, self.fields["county"]).queryset = counties

    def _post_clean(self):
        # The service validates the model; ModelForm must not touch the instance it was given.
        pass

    def clean_national_id(self):
        return clean_legal_national_id(self.cleaned_data["national_id"])

    def clean_postal_code(self):
        value = self.cleaned_data.get("postal_code")
        return clean_postal_code(value) if value else ""

    def clean_registration_number(self):
        return to_ascii_digits(self.cleaned_data["registration_number"]).strip()

    def clean_phone(self):
        return to_ascii_digits(self.cleaned_data.get("phone") or "").strip()

    def clean(self):
        data = super().clean() or {}
        province, county = data.get("province"), data.get("county")
        if province and county and county.province_id != province.pk:
            self.add_error("county", _("The county is not in the chosen province."))
        return data

    def changed_values(self) -> dict:
        """The cleaned values that differ from the instance (all of them for a new cooperative)."""
        if not self.instance.pk:
            return dict(self.cleaned_data)
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class StatusChangeForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("new status"), choices=CooperativeStatus.choices)
    effective_on = JalaliDateField(label=_("effective on"))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class MemberAddForm(BootstrapMixin, forms.Form):
    national_code = forms.CharField(label=_("national code"), max_length=20)
    first_name = forms.CharField(
        label=_("first name"), max_length=100, required=False, help_text=_("Needed only for a person new to the register.")
    )
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    gender = forms.ChoiceField(label=_("gender"), choices=[("", _("Not stated")), *Gender.choices], required=False)
    birth_date = JalaliDateField(label=_("birth date"), required=False)
    membership_number = forms.CharField(label=_("membership number"), max_length=20, required=False)
    joined_on = JalaliDateField(label=_("joined on"))
    shares_held = AmountField(label=_("shares held (rials)"), min_value=0, required=False)
    shares_paid = AmountField(label=_("shares paid (rials)"), min_value=0, required=False)

    def clean_national_code(self):
        return clean_national_code(self.cleaned_data["national_code"])

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile")
        return clean_mobile(value) if value else ""


class MembershipForm(BootstrapMixin, forms.Form):
    membership_number = forms.CharField(label=_("membership number"), max_length=20, required=False)
    joined_on = JalaliDateField(label=_("joined on"))
    shares_held = AmountField(label=_("shares held (rials)"), min_value=0)
    shares_paid = AmountField(label=_("shares paid (rials)"), min_value=0)
    status = forms.ChoiceField(label=_("status"), choices=MembershipStatus.choices)
    left_on = JalaliDateField(label=_("left on"), required=False)


class LeaveForm(BootstrapMixin, forms.Form):
    left_on = JalaliDateField(label=_("left on"))


class PositionForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=PositionRole.choices)
    national_code = forms.CharField(label=_("national code"), max_length=20)
    first_name = forms.CharField(
        label=_("first name"),
        max_length=100,
        required=False,
        help_text=_("Only for a managing director who is new to the register."),
    )
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    term_start = JalaliDateField(label=_("term start"))
    term_end = JalaliDateField(
        label=_("term end"), required=False, help_text=_("Leave empty for the legal term from the start date.")
    )

    def clean_national_code(self):
        return clean_national_code(self.cleaned_data["national_code"])


class EndPositionForm(BootstrapMixin, forms.Form):
    ended_on = JalaliDateField(label=_("ended on"))


class CooperativeFilterForm(forms.Form):
    """The filters of the cooperative list (GET)."""

    q = forms.CharField(label=_("name, national ID or registration number"), required=False)
    province = forms.ModelChoiceField(
        label=_("province"), queryset=Province.objects.all(), required=False, to_field_name="code", empty_label=_("All")
    )
    activity = forms.ChoiceField(label=_("activity"), required=False)
    legal_type = forms.ChoiceField(label=_("legal type"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        choosing = cast(dict[str, forms.ChoiceField], self.fields)
        choosing["activity"].choices = every + list(Activity.choices)
        choosing["legal_type"].choices = every + list(LegalType.choices)
        choosing["status"].choices = every + list(CooperativeStatus.choices)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


class PersonLookupForm(BootstrapMixin, forms.Form):
    """An official checks a national code: which cooperatives in their reach is the person a member of."""

    national_code = forms.CharField(label=_("national code"), max_length=20)

    def clean_national_code(self):
        return clean_national_code(self.cleaned_data["national_code"])
