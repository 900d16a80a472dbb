from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "taavon.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from .registry import autodiscover

        # Every task must be known before a worker claims a row naming it.
        autodiscover()
