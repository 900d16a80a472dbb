from django.db import models
from django.utils.translation import gettext_lazy as _


def _localized_name(name_fa: str, name_en: str) -> str:
    """The English name in an English page, the Persian one otherwise."""
    from django.utils.translation import get_language

    return name_en if (get_language() or "fa").startswith("en") else name_fa


class Province(models.Model):
    """One of Iran's 31 provinces; supervisors are scoped to one."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name_fa = models.CharField(_("Persian name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    population_weight = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name_fa"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _localized_name(self.name_fa, self.name_en)


class County(models.Model):
    """A county (شهرستان) inside a province."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="counties")
    code = models.CharField(_("code"), max_length=5, unique=True)
    name_fa = models.CharField(_("Persian name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["name_fa"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _localized_name(self.name_fa, self.name_en)
