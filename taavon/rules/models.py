from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParameterValue(models.Model):
    """An administrator's value for a legal parameter, in force from ``effective_from`` on.

    The newest value whose date is not after the day asked about wins; with none, the default in
    :mod:`taavon.rules.parameters` applies. Values are stored as JSON; fractions as "n/d".
    """

    key = models.CharField(_("parameter"), max_length=100, db_index=True)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    note = models.TextField(_("note"), blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("legal parameter value")
        verbose_name_plural = _("legal parameter values")
        ordering = ["key", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_value_per_key_and_day")]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} ({self.effective_from})"
