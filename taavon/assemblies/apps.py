from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembliesConfig(AppConfig):
    name = "taavon.assemblies"
    verbose_name = _("General assemblies")

    def ready(self):
        # Background jobs are defined beside the services that queue them; importing the modules
        # registers them with huey in every process, workers included (djhuey only autoloads tasks.py).
        from taavon.registry.public import selectors as public

        from . import selectors, tasks  # noqa: F401
        from .minutes import services as minutes  # noqa: F401

        public.register_fact("last_assembly_date", selectors.last_assembly_date)
