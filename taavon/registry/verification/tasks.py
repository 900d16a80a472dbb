"""The job that works through a large verification request, a chunk per job (see services.advance_batch)."""

from taavon.jobs.queue import enqueue
from taavon.jobs.registry import task

from . import services


@task(name="registry.verification.request_batch", max_attempts=5, retry_delay=30)
def request_batch(batch_id: int) -> bool:
    """One chunk; the next is its own job, so each transaction stays short and progress shows."""
    more = services.advance_batch(batch_id)
    if more:
        enqueue(request_batch, batch_id=batch_id)
    return more
