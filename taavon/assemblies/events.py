"""The assembly's own event log (``AssemblyEvent``), from which the minutes are drafted.

Every service that changes an assembly's course calls :func:`log` inside its transaction. The
``kind`` values below are the vocabulary the minutes understand; ``data`` holds the figures of
that moment (quorum, counts, names), so the minutes never recompute history.
"""

from typing import Any

from taavon.accounts.scoping import Actor, authenticated_user
from taavon.audit.services import record

from . import live
from .models import Assembly, AssemblyEvent

CONVENED = "convened"
NOTICE_PUBLISHED = "notice_published"
ROLL_FROZEN = "roll_frozen"
SECOND_CALL_CONVENED = "second_call_convened"
CANDIDATE_REGISTERED = "candidate_registered"
CANDIDATE_WITHDRAWN = "candidate_withdrawn"
PROXY_GIVEN = "proxy_given"
PROXY_CONFIRMED = "proxy_confirmed"
PROXY_REFUSED = "proxy_refused"
PROXY_REVOKED = "proxy_revoked"
SESSION_OPENED = "session_opened"
PRESIDING_BOARD = "presiding_board"
QUORUM_CHECKED = "quorum_checked"
ITEM_OPENED = "item_opened"
ITEM_CLOSED = "item_closed"
SESSION_CLOSED = "session_closed"
NO_QUORUM = "no_quorum"
MINUTES_DRAFTED = "minutes_drafted"
MINUTES_APPROVED = "minutes_approved"
MINUTES_SUBMITTED = "minutes_submitted"
MINUTES_REGISTERED = "minutes_registered"
MINUTES_RETURNED = "minutes_returned"
DECISIONS_NOTIFIED = "decisions_notified"


def log(assembly: Assembly, kind: str, data: dict | None = None, actor: Actor | None = None) -> AssemblyEvent:
    return AssemblyEvent.objects.create(assembly=assembly, kind=kind, data=data or {}, actor=authenticated_user(actor))


def changed(
    assembly: Assembly,
    kind: str,
    data: dict,
    *,
    actor: Actor | None,
    audit: str,
    obj: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    push: tuple[str, dict] | None = None,
) -> AssemblyEvent:
    """The tail of every change to an assembly: logged for the minutes, audited, told to the room.

    ``obj`` (the assembly by default) is what the audit record is about, with ``before`` and
    ``after`` (``data`` by default); ``push`` is the live event and its payload, sent after the commit.
    """
    event = log(assembly, kind, data, actor)
    record(actor, audit, obj if obj is not None else assembly, before=before,
           after=data if after is None else after, cooperative=assembly.cooperative)
    if push is not None:
        live.publish(assembly.pk, *push)
    return event
