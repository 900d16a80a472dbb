"""The queue's own housekeeping: done rows are deleted after ``JOBS_KEEP_DONE_DAYS``."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import registry
from .models import Job
from .queue import enqueue
from .registry import periodic

BATCH = 10_000


@periodic(name="jobs.purge_done", every=datetime.timedelta(days=1))
def purge_done() -> int:
    """Delete up to BATCH done jobs older than the retention; queue itself again if more remain."""
    now = timezone.now()
    keep = datetime.timedelta(days=getattr(settings, "JOBS_KEEP_DONE_DAYS", 7))
    old = Q(finished_at__lt=now - keep)
    for task in registry.periodic_tasks():
        assert task.every is not None
        if task.every >= keep:
            # The key of a period still running must outlive it, or the period would run twice.
            old &= ~Q(name=task.name) | Q(name=task.name, finished_at__lt=now - keep - task.every)
    # Deleted in batches, each job its own transaction, so no single delete holds locks for long.
    pks = list(Job.objects.filter(old, state=Job.State.DONE).order_by("pk").values_list("pk", flat=True)[:BATCH])
    Job.objects.filter(pk__in=pks).delete()
    if len(pks) == BATCH:
        enqueue(purge_done)
    return len(pks)
