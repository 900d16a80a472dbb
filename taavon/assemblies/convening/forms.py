"""Forms of the convening pages. They only parse what people type (Jalali dates, times and counts
in Persian or ASCII digits); the rules are checked by :mod:`taavon.assemblies.convening.services`.
Bootstrap classes and service errors on fields come from :class:`taavon.core.forms.BootstrapMixin`."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon.core.forms import BootstrapMixin, JalaliDateField
from taavon.core.persian import to_ascii_digits

from ..models import AssemblyKind, AssemblyMode, DocumentKind, ItemKind, Matter
from .services import ConveningReason


class PersianTimeField(forms.TimeField):
    """A time of day (``14:30``) typed with Persian or ASCII digits."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter a time as hours:minutes, e.g. 14:30.")}
    numeric = True  # typed left to right (core.forms.BootstrapMixin)
    placeholder = _("hh:mm")

    def to_python(self, value):
        if isinstance(value, str):
            value = to_ascii_digits(value).strip().replace("\u066b", ":").replace(".", ":")
        return super().to_python(value)


class CountField(forms.IntegerField):
    """A small whole number typed with Persian or ASCII digits."""

    numeric = True  # typed left to right (core.forms.BootstrapMixin)

    def to_python(self, value):
        if isinstance(value, str):
            value = to_ascii_digits(value).strip()
        return super().to_python(value)


def _moment(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


class _WhenMixin:
    """Start date and time, end time and (for a meeting past midnight) end date."""

    def clean(self):
        data = super().clean()  # type: ignore[misc]  # a mixin of forms.Form
        day, start, end = data.get("starts_on"), data.get("starts_time"), data.get("ends_time")
        if day and start and end:
            data["starts_at"] = _moment(day, start)
            data["ends_at"] = _moment(data.get("ends_on") or day, end)
        return data


class AssemblyForm(_WhenMixin, BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=250)
    kind = forms.ChoiceField(label=_("kind"), choices=AssemblyKind.choices)
    mode = forms.ChoiceField(label=_("mode"), choices=AssemblyMode.choices)
    starts_on = JalaliDateField(label=_("date"))
    starts_time = PersianTimeField(label=_("starts at (time)"))
    ends_time = PersianTimeField(label=_("ends at (time)"))
    ends_on = JalaliDateField(label=_("ends on (if another day)"), required=False)
    location = forms.CharField(label=_("place"), max_length=300, required=False)
    reason = forms.ChoiceField(label=_("reason for convening"), choices=[("", _("None (the board convenes it)")), *ConveningReason.choices], required=False)

    # Service field names → form field names, for errors.
    ERROR_FIELDS = {"starts_at": "starts_on", "ends_at": "ends_time"}

    def __init__(self, *args, with_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_reason:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _(
                "The provincial office convenes an assembly when the board fails to, at the request of members or the inspector, or for the Ministry."
            )
        else:
            del self.fields["reason"]

    @classmethod
    def initial_for(cls, assembly) -> dict:
        start, end = timezone.localtime(assembly.starts_at), timezone.localtime(assembly.ends_at)
        return {
            "title": assembly.title,
            "kind": assembly.kind,
            "mode": assembly.mode,
            "starts_on": start.date(),
            "starts_time": start.strftime("%H:%M"),
            "ends_time": end.strftime("%H:%M"),
            "ends_on": end.date() if end.date() != start.date() else None,
            "location": assembly.location,
            "reason": assembly.convening_reason,
        }


class AgendaItemForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=ItemKind.choices, initial=ItemKind.MOTION)
    matter = forms.ChoiceField(label=_("matter"), choices=Matter.choices, initial=Matter.GENERAL)
    seats = CountField(label=_("seats"), min_value=0, max_value=99, required=False)
    alternates = CountField(label=_("alternates"), min_value=0, max_value=99, required=False)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def row(self) -> dict | None:
        """The agenda row for the service, or None for a row left blank."""
        data = self.cleaned_data
        if not data or not (data.get("title") or "").strip() or data.get("DELETE"):
            return None
        return {k: data.get(k) for k in ("title", "kind", "matter", "seats", "alternates", "description")}


AgendaFormSet = forms.formset_factory(AgendaItemForm, extra=3, can_delete=True, max_num=50, absolute_max=60)


def agenda_initial(assembly) -> list[dict]:
    return [
        {"title": i.title, "kind": i.kind, "matter": i.matter, "seats": i.seats or None,
         "alternates": i.alternates if i.kind == ItemKind.ELECTION else None, "description": i.description}
        for i in assembly.items.order_by("position")
    ]


class PublishForm(BootstrapMixin, forms.Form):
    newspaper = forms.CharField(label=_("newspaper"), max_length=150, required=False)
    newspaper_date = JalaliDateField(label=_("newspaper notice date"), required=False)


class SecondCallForm(_WhenMixin, BootstrapMixin, forms.Form):
    starts_on = JalaliDateField(label=_("date"))
    starts_time = PersianTimeField(label=_("starts at (time)"))
    ends_time = PersianTimeField(label=_("ends at (time)"))
    ends_on = JalaliDateField(label=_("ends on (if another day)"), required=False)

    ERROR_FIELDS = AssemblyForm.ERROR_FIELDS


class DocumentForm(BootstrapMixin, forms.Form):
    """An agenda document as typed: the file is checked by its content in the service, not here."""

    title = forms.CharField(label=_("document title"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("kind of document"), choices=DocumentKind.choices, initial=DocumentKind.OTHER)
    file = forms.FileField(
        label=_("file (PDF, PNG or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_mb = settings.AGENDA_DOCUMENT_MAX_BYTES // (1024 * 1024)
        if item is not None:
            # One form per agenda item on the page: ids must not repeat.
            self.auto_id = f"id_doc{item.pk}_%s"
