"""A job: one call of a registered task, stored so that it survives restarts and outages."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One call of the task ``name`` with ``payload`` as keyword arguments.

    Life: queued → running (claimed by ``worker`` until ``locked_until``) → done, or back to
    queued with a later ``run_after`` after a failure, or failed once ``attempts`` reaches
    ``max_attempts``. ``attempts`` counts claims, so a job that kills its worker still ends.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("task"), max_length=200)
    payload = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=5)
    run_after = models.DateTimeField(_("run after"), default=timezone.now)
    locked_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # NULLs never collide, so only keyed jobs are deduplicated.
    key = models.CharField(_("key"), max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            # "The next runnable job" is a range read on (queued, run_after ≤ now) and expired
            # leases a range on (running, …), however many done rows the table keeps.
            models.Index(fields=["state", "run_after"], name="jobs_job_state_run_after"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.state})"
