"""Helpers for tests: choose whether jobs run right after commit or wait for a worker."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.test import override_settings


@contextmanager
def deferred() -> Iterator[None]:
    """Inside, enqueued jobs wait in the queue for a worker (or ``jobs.run_all()``) instead of running after commit."""
    with override_settings(JOBS_IMMEDIATE=False):
        yield


@contextmanager
def immediate() -> Iterator[None]:
    """Inside, enqueued jobs run right after their transaction commits, as under pytest by default."""
    with override_settings(JOBS_IMMEDIATE=True):
        yield
