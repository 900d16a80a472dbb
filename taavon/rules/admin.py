from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ParameterValue
from .parameters import PARAMETERS


@admin.register(ParameterValue)
class ParameterValueAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "effective_from", "legal_reference", "verified_note", "set_by"]
    list_filter = ["key"]
    readonly_fields = ["set_by", "set_at"]

    @admin.display(description=_("legal reference"))
    def legal_reference(self, obj: ParameterValue) -> str:
        spec = PARAMETERS.get(obj.key)
        return spec.reference if spec else "-"

    @admin.display(description=_("verified"))
    def verified_note(self, obj: ParameterValue) -> Promise:
        spec = PARAMETERS.get(obj.key)
        if spec is None:
            return _("unknown parameter")
        return _("verified") if spec.verified else _("UNVERIFIED: default taken from secondary sources")

    def save_model(self, request: HttpRequest, obj: ParameterValue, form: ModelForm, change: bool) -> None:
        assert request.user.is_authenticated  # the admin site admits only logged-in staff
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
