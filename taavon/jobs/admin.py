"""The jobs list for administrators: what is queued, what failed and why, and a Retry action."""

import logging
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import registry
from .models import Job

logger = logging.getLogger("taavon.jobs")


class TaskNameFilter(admin.SimpleListFilter):
    """Filter by task from the registry: a DISTINCT over millions of done rows would be slow."""

    title = _("task")
    parameter_name = "name"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in registry.names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> QuerySet[Job]:
        return queryset.filter(name=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "state", "attempts_of", "run_after", "short_error")
    list_filter = ("state", TaskNameFilter)
    search_fields = ("name", "key")
    ordering = ("-id",)
    actions = ("retry",)
    show_full_result_count = False  # counting millions of rows on every page is not worth it
    list_per_page = 50
    fields = (
        "name",
        "state",
        "payload",
        "key",
        "attempts",
        "max_attempts",
        "run_after",
        "locked_until",
        "worker",
        "created_at",
        "finished_at",
        "error_trace",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are queued by the code that needs them, not by hand

    @admin.display(description=_("attempts"))
    def attempts_of(self, job: Job) -> str:
        return f"{job.attempts}/{job.max_attempts}"

    @admin.display(description=_("last error"))
    def short_error(self, job: Job) -> str:
        # The exception line ends a traceback; it says more than its first line.
        lines = [line for line in job.last_error.strip().splitlines() if line.strip()]
        return Truncator(lines[-1]).chars(100) if lines else ""

    @admin.display(description=_("last error"))
    def error_trace(self, job: Job) -> SafeString:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', job.last_error)

    @admin.action(description=_("Retry the selected jobs now"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        """Queue failed (or waiting) jobs to run now with their attempts reset; running and done ones are left alone."""
        retried = queryset.filter(state__in=[Job.State.FAILED, Job.State.QUEUED])
        # The audit app is a domain above this one; the log keeps who re-queued what.
        logger.info("%s re-queued jobs %s", request.user, list(retried.values_list("pk", flat=True)))
        count = retried.update(
            state=Job.State.QUEUED,
            run_after=timezone.now(),
            attempts=0,  # a fresh set of attempts: the administrator has presumably fixed the cause
            locked_until=None,
            worker="",
            finished_at=None,
        )
        self.message_user(
            request,
            ngettext("%(count)d job queued to run again.", "%(count)d jobs queued to run again.", count) % {"count": count},
            messages.SUCCESS,
        )
