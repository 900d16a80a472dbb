"""The sealer's schedule: every minute, the events recorded since are chained (see :mod:`.chain`)."""

import datetime

from taavon.jobs.queue import enqueue
from taavon.jobs.registry import periodic

from . import chain

# A job is one transaction that holds the chain's head row throughout: keep it short, and let a
# backlog (the first run after the migration, a long outage) continue in the jobs it queues.
JOB_LIMIT = 5_000


@periodic(name="audit.seal", every=datetime.timedelta(minutes=1))
def seal() -> int:
    """Seal up to JOB_LIMIT events; queue another run at once if more wait. The number sealed."""
    sealed = chain.seal(limit=JOB_LIMIT)
    if sealed == JOB_LIMIT:
        enqueue(seal)
    return sealed
