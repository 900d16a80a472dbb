"""Writing jobs and running them: enqueue in the caller's transaction, claim with a lease, run
each job in its own transaction, retry with exponential back-off, give up into ``failed``."""

import datetime
import json
import logging
import traceback
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from . import registry
from .models import Job
from .registry import Task

logger = logging.getLogger("taavon.jobs")

State = Job.State
DEFAULT_LEASE_SECONDS = 600
DEFAULT_MAX_RETRY_DELAY_SECONDS = 3600


class LeaseLost(Exception):
    """Another worker took the job over (our lease had expired): our writes must not commit."""


def immediate() -> bool:
    """Whether jobs run right after the enqueuing transaction commits (tests), not in a worker."""
    return bool(getattr(settings, "JOBS_IMMEDIATE", False))


def _lease(task: Task[..., Any] | None) -> datetime.timedelta:
    if task is not None and task.lease is not None:
        return task.lease
    return datetime.timedelta(seconds=getattr(settings, "JOBS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def backoff(task: Task[..., Any] | None, attempts: int) -> datetime.timedelta:
    """The wait before retrying after the ``attempts``-th failed attempt: doubling, capped."""
    base = task.retry_delay if task is not None else registry.DEFAULT_RETRY_DELAY
    cap = datetime.timedelta(seconds=getattr(settings, "JOBS_MAX_RETRY_DELAY_SECONDS", DEFAULT_MAX_RETRY_DELAY_SECONDS))
    # min() before multiplying would not stop 2**attempts from growing huge; clamp the exponent.
    return min(base * (2 ** min(max(attempts - 1, 0), 30)), cap)


def enqueue(
    task: Task[..., Any] | str,
    /,
    *,
    key: str | None = None,
    delay: float | datetime.timedelta | None = None,
    **kwargs: Any,
) -> Job | None:
    """Queue ``task(**kwargs)`` in the current transaction; None if a job with ``key`` already exists."""
    found = registry.get(task if isinstance(task, str) else task.name)
    # Fail in the caller, not later in the worker, when the arguments cannot be stored.
    json.dumps(kwargs)
    now = timezone.now()
    job = Job(
        name=found.name,
        payload=kwargs,
        key=key,
        max_attempts=found.max_attempts,
        created_at=now,
        run_after=now + (registry._as_delta(delay) if delay is not None else datetime.timedelta(0)),
    )
    if key is None:
        job.save(force_insert=True)
    else:
        # A savepoint keeps a duplicate key from aborting the caller's PostgreSQL transaction;
        # unlike ON CONFLICT DO NOTHING it also tells whether this call inserted the row.
        try:
            with transaction.atomic():
                job.save(force_insert=True)
        except IntegrityError:
            return None
    if immediate():
        pk = job.pk
        transaction.on_commit(lambda: run_job(pk), robust=True)
    return job


def _claim(rows: QuerySet[Job], *, worker_id: str, now: datetime.datetime) -> Job | None:
    """Claim the one job ``rows`` selects if it is still as selected; the claimed job or None."""
    job = rows.first()
    if job is None:
        return None
    claimed = rows.filter(pk=job.pk).update(
        state=State.RUNNING,
        worker=worker_id[:100],
        locked_until=now + _lease(registry.find(job.name)),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return None  # another worker won the race
    job.refresh_from_db()
    return job


def _claim_expired(*, worker_id: str, now: datetime.datetime) -> Job | None:
    """Claim a job whose worker died (lease expired); one that used up its attempts ends failed."""
    while True:
        dead = (
            Job.objects.filter(state=State.RUNNING, locked_until__lt=now)
            .order_by("locked_until")
            .only("pk", "attempts", "max_attempts", "worker")
            .first()
        )
        if dead is None:
            return None
        still = Job.objects.filter(pk=dead.pk, state=State.RUNNING, locked_until__lt=now, attempts=dead.attempts)
        if dead.attempts < dead.max_attempts:
            job = _claim(still, worker_id=worker_id, now=now)
            if job is not None:
                logger.warning("job %s: worker %s stopped while running it; running it again", dead.pk, dead.worker)
                return job
            continue
        message = f"The worker {dead.worker} stopped while running this job (its lease expired) after the last attempt."
        # Kept above the earlier traceback, which may say why the worker died.
        last_error = Concat(Value(message + "\n\n"), F("last_error"), output_field=TextField())
        if still.update(state=State.FAILED, locked_until=None, finished_at=timezone.now(), last_error=last_error):
            logger.error("job %s failed: %s", dead.pk, message)


def _claim_next(*, worker_id: str, now: datetime.datetime) -> Job | None:
    """Claim the next due job, first any abandoned by a dead worker."""
    job = _claim_expired(worker_id=worker_id, now=now)
    if job is not None:
        return job
    due = Job.objects.filter(state=State.QUEUED, run_after__lte=now).order_by("run_after")  # the index's own order
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: each worker locks a different row and never waits for another.
        with transaction.atomic():
            return _claim(due.select_for_update(skip_locked=True), worker_id=worker_id, now=now)
    # SQLite: writers are serialised; the conditional UPDATE decides which racer claimed the row.
    # A plain read first, so that idle polls never take the database's write lock.
    for _ in range(5):
        if not due.exists():
            return None
        with transaction.atomic():
            job = _claim(due, worker_id=worker_id, now=now)
        if job is not None:
            return job
    return None


def _owned(job: Job, worker_id: str) -> QuerySet[Job]:
    # attempts grows with each claim, so (worker, attempts) names this very claim.
    return Job.objects.filter(pk=job.pk, state=State.RUNNING, worker=worker_id[:100], attempts=job.attempts)


def _execute(job: Job, *, worker_id: str, now: datetime.datetime | None) -> bool:
    """Run a claimed job in its own transaction; whether it succeeded. Never raises for the task's errors."""
    task = registry.find(job.name)
    try:
        with transaction.atomic():
            if task is None:
                # Retried: a worker still on older code may meet a task newer code queued.
                raise LookupError(f"no job task is registered as {job.name!r}")
            task.func(**job.payload)
            # "Done" commits with the job's own writes, or neither does.
            if not _owned(job, worker_id).update(state=State.DONE, locked_until=None, finished_at=timezone.now()):
                raise LeaseLost
    except LeaseLost:
        logger.warning("job %s (%s): lease lost to another worker; its writes were rolled back", job.pk, job.name)
        return False
    except Exception:
        error = traceback.format_exc()
        at = now or timezone.now()
        if job.attempts >= job.max_attempts:
            fields: dict[str, Any] = {"state": State.FAILED, "finished_at": timezone.now()}
            logger.error("job %s (%s) failed for good after %s attempts:\n%s", job.pk, job.name, job.attempts, error)
        else:
            fields = {"state": State.QUEUED, "run_after": at + backoff(task, job.attempts)}
            logger.warning("job %s (%s) failed (attempt %s of %s), retried later:\n%s", job.pk, job.name, job.attempts, job.max_attempts, error)
        with transaction.atomic():
            _owned(job, worker_id).update(locked_until=None, last_error=error, **fields)
        return False
    return True


def run_pending(*, worker_id: str, limit: int = 10, now: datetime.datetime | None = None) -> int:
    """Claim and run up to ``limit`` due jobs one by one; the number run (failed ones included)."""
    ran = 0
    while ran < limit:
        job = _claim_next(worker_id=worker_id, now=now or timezone.now())
        if job is None:
            break
        _execute(job, worker_id=worker_id, now=now)
        ran += 1
    return ran


def run_job(pk: int, *, worker_id: str = "immediate") -> bool:
    """Run the job ``pk`` now if it is queued and due; whether it ran and succeeded. Never raises for the task."""
    now = timezone.now()
    with transaction.atomic():
        job = _claim(Job.objects.filter(pk=pk, state=State.QUEUED, run_after__lte=now), worker_id=worker_id, now=now)
    if job is None:
        return False
    return _execute(job, worker_id=worker_id, now=None)


def run_all(*, now: datetime.datetime | None = None, limit: int = 10_000) -> int:
    """Run every due job, and those they queue, until none is due (at most ``limit``); the number run."""
    ran = 0
    while ran < limit:
        done = run_pending(worker_id="run_all", limit=min(100, limit - ran), now=now)
        if not done:
            break
        ran += done
    return ran
