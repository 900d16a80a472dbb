from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "taavon.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from taavon.core.signals import server_starting

        from .registry import autodiscover

        # Every task must be known before a worker claims a row naming it.
        autodiscover()
        server_starting.connect(_serve_jobs, dispatch_uid="taavon.jobs.serve")


def _serve_jobs(sender: object, *, run_jobs: bool, **kwargs: object) -> str | None:
    """``taavon serve`` in the embedded default: the background jobs run in threads of the server."""
    from django.conf import settings

    from . import worker

    if not run_jobs or settings.JOBS_IMMEDIATE:
        return None  # workers run apart, or jobs already run right after their transaction
    # Daemon threads: they end with the server. Daphne installs its own signal handlers after.
    worker.start_worker_threads(2)
    return "Background jobs run in this process (2 worker threads)."
