"""Durable background jobs kept in the database: a job is a row written in the same transaction
as the change that causes it, and a worker runs it at least once, with retries and back-off.

Public API (imported lazily, so that importing this package never loads models before Django's
app registry is ready)::

    from taavon import jobs

    @jobs.task(name="assemblies.rewrite_closed_item", max_attempts=5)
    def rewrite_closed_item(*, item_id: int) -> None: ...

    jobs.enqueue(rewrite_closed_item, item_id=item.pk)  # inside the caller's transaction

See ``docs/jobs.md``.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .queue import enqueue, run_all, run_pending
    from .registry import periodic, task
    from .scheduler import schedule
    from .worker import Worker, start_worker_threads

__all__ = ["task", "periodic", "enqueue", "run_pending", "run_all", "schedule", "Worker", "start_worker_threads"]

_WHERE = {
    "task": "registry",
    "periodic": "registry",
    "enqueue": "queue",
    "run_pending": "queue",
    "run_all": "queue",
    "schedule": "scheduler",
    "Worker": "worker",
    "start_worker_threads": "worker",
}


def __getattr__(name: str) -> Any:
    # Lazy: ``queue`` imports the models, which must wait for app loading.
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
