from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembliesConfig(AppConfig):
    name = "taavon.assemblies"
    verbose_name = _("General assemblies")
