"""One message to many people, in background batches: the one fan-out job.

A domain declares a :class:`Broadcast` once (who receives it, in key order, and what it says)
and calls :func:`broadcast` inside the transaction of the change that causes it: the job is a
row of that transaction (:mod:`taavon.jobs`), so it is sent if and only if the change commits.
The job walks the audience by key (keyset pagination, never OFFSET) and queues one batch job per
``batch_size`` recipients, so a roll of a million members becomes a thousand jobs that workers
share. Assembly notices, the decisions notice and supervision's reminders are broadcasts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from taavon import jobs

from .services import send_email, send_sms

BATCH_SIZE = 1000

# One recipient: (key, mobile, e-mail); keys ascend, so a batch is a key range.
Recipient = tuple[int, str, str]


@dataclass(frozen=True)
class Broadcast:
    """A message to an audience, declared once by the domain that sends it."""

    name: str
    # (params, after_key, limit) -> the next recipients after ``after_key``, by ascending key.
    recipients: Callable[[dict, int, int], Sequence[Recipient]]
    # params -> (SMS text, e-mail subject, e-mail body), built in the members' language.
    message: Callable[[dict], tuple[str, str, str]]
    # params -> the delivery log topic.
    topic: Callable[[dict], str]
    # (params, number sent) after each batch, in the batch's transaction (progress counters).
    on_batch: Callable[[dict, int], None] | None = None


_BROADCASTS: dict[str, Broadcast] = {}


def register(broadcast_: Broadcast) -> Broadcast:
    """Declare a broadcast under its name (at import of the declaring module)."""
    _BROADCASTS[broadcast_.name] = broadcast_
    return broadcast_


def broadcast(name: str, *, batch_size: int = BATCH_SIZE, **params: Any) -> None:
    """Queue ``name`` to its audience, in the caller's transaction."""
    if name not in _BROADCASTS:
        raise LookupError(f"no broadcast named {name!r}")
    jobs.enqueue(fan_out, name=name, params=params, batch_size=batch_size)


@jobs.task(name="notifications.fan_out")
def fan_out(*, name: str, params: dict, batch_size: int = BATCH_SIZE) -> int:
    """Queue one batch job per ``batch_size`` recipients of broadcast ``name``; the number of batches."""
    spec = _BROADCASTS[name]
    after, batches = 0, 0
    while True:
        keys = [row[0] for row in spec.recipients(params, after, batch_size)]
        if not keys:
            return batches
        jobs.enqueue(send_batch, name=name, params=params, first=keys[0], last=keys[-1])
        after, batches = keys[-1], batches + 1


@jobs.task(name="notifications.send_batch")
def send_batch(*, name: str, params: dict, first: int, last: int) -> int:
    """Send broadcast ``name`` to its recipients with keys ``first``..``last``; the number done."""
    spec = _BROADCASTS[name]
    topic = spec.topic(params)
    # The members' language: Persian, whatever language the worker happens to run in.
    with translation.override(settings.LANGUAGE_CODE):
        sms, subject, body = spec.message(params)
    done = 0
    for _key, mobile, email in spec.recipients(params, first - 1, last - first + 1):
        if _key > last:
            break
        if mobile:
            send_sms(mobile, sms, topic=topic)
        if email:
            send_email(email, subject, body, topic=topic)
        done += 1
    if spec.on_batch is not None:
        spec.on_batch(params, done)
    return done
