"""Periodic tasks: each scheduler queues the job of the current period under a key naming the
period, so however many schedulers run (threads, processes, machines), a period gets one job."""

import datetime
import threading
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import registry
from .models import Job
from .queue import enqueue
from .registry import DAY, Task

# Periods of whole days count from this local midnight: a Saturday, so weekly periods start on
# the first day of the Iranian week.
ORIGIN = datetime.date(2000, 1, 1)


def period_start(every: datetime.timedelta, now: datetime.datetime) -> datetime.datetime:
    """The start of the period of length ``every`` holding ``now``, aligned to local midnight (TIME_ZONE)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    if every >= DAY:
        days = every.days
        start = ORIGIN + datetime.timedelta(days=(local.date() - ORIGIN).days // days * days)
        return datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    midnight = datetime.datetime.combine(local.date(), datetime.time(), tzinfo=zone)
    # Wall-clock arithmetic (same tzinfo): periods stay aligned to the clock on the wall.
    return midnight + (local - midnight) // every * every


def period_key(task: Task[..., Any], now: datetime.datetime) -> str:
    """The dedupe key of ``task``'s job for the period holding ``now``."""
    assert task.every is not None
    return f"{task.name}@{period_start(task.every, now).isoformat()}"


class Scheduler:
    """Queues the current period's job of every periodic task; remembers what it already queued."""

    def __init__(self) -> None:
        self._queued: dict[str, str] = {}  # task name → the last key this scheduler saw queued
        self._lock = threading.Lock()

    def run(self, *, now: datetime.datetime | None = None) -> int:
        """Queue the jobs of the periods holding ``now`` not queued yet; the number this call queued."""
        now = now or timezone.now()
        queued = 0
        for task in registry.periodic_tasks():
            key = period_key(task, now)
            with self._lock:
                if self._queued.get(task.name) == key:
                    continue
            # Looking first spares the database a failed insert (logged by PostgreSQL) every few seconds.
            if not Job.objects.filter(key=key).exists() and enqueue(task, key=key) is not None:
                queued += 1
            with self._lock:
                self._queued[task.name] = key
        return queued


_default = Scheduler()


def schedule(*, now: datetime.datetime | None = None) -> int:
    """Queue the current period's job of every periodic task, once per period; the number queued."""
    return _default.run(now=now)
