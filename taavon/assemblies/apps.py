from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembliesConfig(AppConfig):
    name = "taavon.assemblies"
    verbose_name = _("General assemblies")

    def ready(self):
        from taavon.registry.public import selectors as public

        from . import selectors

        public.register_fact("last_assembly_date", selectors.last_assembly_date)
