"""The assembly's own event log (``AssemblyEvent``), from which the minutes are drafted.

Every service that changes an assembly's course calls :func:`log` inside its transaction. The
``kind`` values below are the vocabulary the minutes understand; ``data`` holds the figures of
that moment (quorum, counts, names), so the minutes never recompute history.
"""

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


def log(assembly: Assembly, kind: str, data: dict | None = None, actor=None) -> AssemblyEvent:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AssemblyEvent.objects.create(assembly=assembly, kind=kind, data=data or {}, actor=actor)
