"""The minutes (صورتجلسه) of a general assembly: drafted from the event log, approved by the
presiding board with one-time codes, submitted by the cooperative, registered (or returned) by the
provincial office; registration puts the elected board and inspectors on the registry; the
decisions are notified to every member on the roll within ``assembly.decisions_notice_days``.

The minutes never recompute history: every figure comes from the ``data`` of the assembly's
:class:`~taavon.assemblies.models.AssemblyEvent` rows, logged by the services of each step with the
figures of that moment. The keys the minutes read, per ``kind`` (see :mod:`taavon.assemblies.events`);
a "quorum" below is :meth:`law.Quorum.as_dict` — ``{"roll", "present", "represented", "required",
"reached"}`` (``votes_present`` may be added, it is recomputed as present + represented):

``session_opened``
    ``{"quorum": {...}}`` at the opening (optional); the event's ``at`` is the opening time.
``quorum_checked``
    the quorum, flat in ``data`` or under ``"quorum"``. When ``session_opened`` carries no
    quorum, the first check logged with or after the opening gives the opening figures.
``presiding_board``
    ``{"members": [{"person_id", "name", "role"}]}`` — ``role`` is a
    :class:`~taavon.assemblies.models.PresidingRole` value (chair, secretary, observer).
``item_opened``
    ``{"item_id" (or "item"), "quorum": {...}}`` — the quorum re-checked before the vote (optional).
``item_closed``
    ``{"item_id" (or "item"), "position", "title", "kind", "result": {...}, "chain_head",
    "ballot_count" (or "ballots")}``, where ``result`` is :meth:`law.MotionResult.as_dict`
    (``for``, ``against``, ``abstain``, ``base``, ``required``, ``passed``; optional ``rule``: the
    majority parameter key applied) for a motion, or :meth:`law.ElectionResult.as_dict` (``counts``
    {candidate id: votes}, ``elected``, ``alternates``, ``draws``, ``seed``) for an election, plus
    the candidates' names: ``"names": {candidate id: full name}`` and/or ``"candidates": [{"id",
    "person", "name", "votes", "outcome"}]``. The event's ``at`` is the time voting closed.
``session_closed``
    the attendance at the close, under ``"quorum"`` or ``"attendance"``; ``at`` is the closing time.

Minutes are drafted only once the assembly is CLOSED; :func:`draft_minutes` may be called any
number of times (from ``attendance.close_session`` after the ``session_closed`` event is logged,
and by hand): while the minutes are a draft it replaces their content (clearing approvals given to
different content), once approved it refuses. The content is plain JSON (``Minutes.content``), the
one source of the HTML page, the PDF and the API.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts import services as accounts_services
from taavon.accounts.scoping import Action, Actor, acting_user, can, has_authority, may, scope
from taavon.audit.services import record
from taavon.core.jalali import format_jalali
from taavon.core.templatetags.taavon_format import fadigits
from taavon.notifications.broadcasts import broadcast
from taavon.notifications.models import OutboundMessage
from taavon.registry import rules_checks
from taavon.registry import services as registry_services
from taavon.registry.models import Body, Person, PositionRole

from .. import events, law, live
from ..models import (
    Assembly,
    AssemblyState,
    Candidate,
    ItemKind,
    Matter,
    Minutes,
    MinutesApproval,
    MinutesState,
    PresidingMember,
    RollEntry,
)
from ..reach import assembly_for
from ..voting.anchors import minutes_digest

CONTENT_VERSION = 1
# The event kinds the minutes are drafted from (later minutes_* events never change the content).
SESSION_KINDS = (
    events.SESSION_OPENED,
    events.QUORUM_CHECKED,
    events.PRESIDING_BOARD,
    events.ITEM_OPENED,
    events.ITEM_CLOSED,
    events.SESSION_CLOSED,
)
# Members notified of the decisions per background job (one job queues them all, workers share them).
# Declared in .tasks; queued by name in the transaction of the change that causes them.
DECISIONS_BROADCAST = "assemblies.decisions"
DRAFT_TASK = "assemblies.draft_minutes"
SMS_MAX_CHARS = 480  # about six SMS parts in Persian: a summary, the full minutes are on the platform
DECISIONS_KEY = "assembly.decisions_notice_days"

# Registering an election's result seats the elected in these roles, for the term of that body.
ELECTED_ROLES = {
    Matter.BOARD_ELECTION: (Body.BOARD, PositionRole.BOARD_MEMBER, PositionRole.ALTERNATE, "board.term_years"),
    Matter.INSPECTOR_ELECTION: (
        Body.INSPECTION,
        PositionRole.INSPECTOR,
        PositionRole.ALTERNATE_INSPECTOR,
        "inspectors.term_years",
    ),
}

# Gaps in the event log, shown on the minutes so the presiding board sees them before approving.
GAP_OPENING = "opening_not_recorded"
GAP_CLOSING = "closing_not_recorded"
GAP_BOARD = "presiding_board_not_recorded"


def decisions_topic(assembly_id: int) -> str:
    return f"assembly:{assembly_id}:decisions"


# --------------------------------------------------------------------------- drafting


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _jalali(value, *, with_time=True) -> str:
    """Jalali text with ASCII digits (templates turn them Persian with ``fadigits``)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return format_jalali(value, with_time=with_time, persian_digits=False)


def _quorum(data) -> dict | None:
    """Quorum figures from event data: under ``quorum`` or ``attendance``, or the data itself."""
    data = data if isinstance(data, dict) else {}
    q = data.get("quorum")
    if not isinstance(q, dict):
        q = data.get("attendance")
    if not isinstance(q, dict):
        q = data if "roll" in data and "present" in data else None
    if q is None:
        return None
    present, represented = int(q.get("present", 0)), int(q.get("represented", 0))
    return {
        "roll": int(q.get("roll", 0)),
        "present": present,
        "represented": represented,
        "votes_present": present + represented,
        "required": int(q.get("required", 0)),
        "reached": bool(q.get("reached", False)),
    }


def _item_id(data: dict) -> int | None:
    value = data.get("item_id", data.get("item"))
    return int(str(value)) if str(value).isdigit() else None


def _motion(result: dict) -> dict:
    return {
        "for": int(result.get("for", 0)),
        "against": int(result.get("against", 0)),
        "abstain": int(result.get("abstain", 0)),
        "base": int(result.get("base", 0)),
        "required": int(result.get("required", 0)),
        "passed": bool(result.get("passed", False)),
    }


def _election(item_id: int, result: dict) -> dict:
    counts = {str(k): int(v) for k, v in (result.get("counts") or {}).items()}
    rows = {str(r.get("id")): r for r in result.get("candidates") or [] if isinstance(r, dict)}
    names = {c: str(r.get("name", "")) for c, r in rows.items()}
    names.update({str(k): str(v) for k, v in (result.get("names") or {}).items()})
    elected = [str(c) for c in result.get("elected") or []]
    alternates = [str(c) for c in result.get("alternates") or []]
    persons = {c: r.get("person") for c, r in rows.items() if r.get("person")}
    ids = {int(c) for c in [*counts, *elected, *alternates] if str(c).isdigit() and c not in persons}
    if ids:
        found = Candidate.objects.filter(item_id=item_id, pk__in=ids).values_list("pk", "person_id")
        persons.update({str(pk): person_id for pk, person_id in found})
    placed = elected + alternates
    rest = sorted((c for c in counts if c not in placed), key=lambda c: (-counts.get(c, 0), names.get(c, ""), c))

    def entry(c, outcome):
        return {
            "candidate_id": int(c) if c.isdigit() else c,
            "person_id": persons.get(c),
            "name": names.get(c, ""),
            "votes": counts.get(c, 0),
            "outcome": outcome,
        }

    candidates = [entry(c, "elected") for c in elected] + [entry(c, "alternate") for c in alternates]
    candidates += [entry(c, "not_elected") for c in rest]
    return {
        "candidates": candidates,
        "elected": [c for c in candidates if c["outcome"] == "elected"],
        "alternates": [c for c in candidates if c["outcome"] == "alternate"],
        "draws": [
            {
                "votes": int(d.get("votes", 0)),
                "tied": [names.get(str(c), str(c)) for c in d.get("tied", [])],
                "order": [names.get(str(c), str(c)) for c in d.get("order", [])],
            }
            for d in result.get("draws") or []
        ],
        "seed": str(result.get("seed", "")),
    }


def build_content(assembly: Assembly) -> dict:
    """The minutes of ``assembly`` as JSON, from its event log (and the agenda for order and titles)."""
    log = list(assembly.events.filter(kind__in=SESSION_KINDS).order_by("at", "id"))
    opened = next((e for e in log if e.kind == events.SESSION_OPENED), None)
    closed = next((e for e in reversed(log) if e.kind == events.SESSION_CLOSED), None)
    board_event = next((e for e in reversed(log) if e.kind == events.PRESIDING_BOARD), None)
    item_closed = {_item_id(e.data): e for e in log if e.kind == events.ITEM_CLOSED}
    item_opened = {_item_id(e.data): e for e in log if e.kind == events.ITEM_OPENED}

    opening = _quorum(opened.data) if opened else None
    if opening is None:
        # The quorum checked at the opening: the first check logged with or after it.
        checks = [e for e in log if e.kind == events.QUORUM_CHECKED and _quorum(e.data)]
        after = [e for e in checks if opened is not None and (e.at, e.id) >= (opened.at, opened.id)]
        found = after or checks
        check = found[0] if found else None
        opening = _quorum(check.data) if check else None
    gaps = []
    if opened is None or opening is None:
        gaps.append(GAP_OPENING)
    if closed is None:
        gaps.append(GAP_CLOSING)

    if board_event is not None:
        board = [
            {"person_id": m.get("person_id"), "name": str(m.get("name", "")), "role": str(m.get("role", ""))}
            for m in board_event.data.get("members", [])
        ]
    else:
        gaps.append(GAP_BOARD)
        board = []

    opened_at = opened.at if opened else assembly.opened_at
    closed_at = closed.at if closed else assembly.closed_at
    session_day = timezone.localtime(opened_at).date() if opened_at else timezone.localtime(assembly.starts_at).date()
    call = "first" if assembly.call_number == 1 else "second"
    family = law.family(assembly.kind)
    items = []
    for agenda_item in assembly.items.order_by("position"):
        closing = item_closed.get(agenda_item.pk)
        data = closing.data if closing else {}
        result = data.get("result") or {}
        entry = {
            "item_id": agenda_item.pk,
            "position": int(data.get("position", agenda_item.position)),
            "title": str(data.get("title", agenda_item.title)),
            "kind": str(data.get("kind", agenda_item.kind)),
            "matter": agenda_item.matter,
            "seats": agenda_item.seats,
            "alternates": agenda_item.alternates,
            "closed": closing is not None,
            "closed_at": _iso(closing.at) if closing else None,
            "closed_at_jalali": _jalali(closing.at) if closing else "",
            "quorum_at_open": _quorum(item_opened[agenda_item.pk].data) if agenda_item.pk in item_opened else None,
            "ballot_count": int(data.get("ballot_count", data.get("ballots", result.get("ballots", 0)))),
            "chain_head": str(data.get("chain_head", "")),
            "motion": None,
            "majority_rule": "",
            "election": None,
        }
        if closing is not None and entry["kind"] == ItemKind.MOTION:
            entry["motion"] = _motion(result)
            entry["majority_rule"] = str(result.get("rule") or f"assembly.majority.{family}")
        elif closing is not None and entry["kind"] == ItemKind.ELECTION:
            entry["election"] = _election(agenda_item.pk, result)
        items.append(entry)

    coop = assembly.cooperative
    return {
        "version": CONTENT_VERSION,
        "cooperative": {
            "id": coop.pk,
            "name": coop.name,
            "national_id": coop.national_id,
            "registration_number": coop.registration_number,
            "province": coop.province.name,
        },
        "assembly": {
            "id": assembly.pk,
            "title": assembly.title,
            "kind": assembly.kind,
            "call_number": assembly.call_number,
            "mode": assembly.mode,
            "location": assembly.location,
            "fiscal_year": assembly.fiscal_year,
            "starts_at": _iso(assembly.starts_at),
            "notice_published_at": _iso(assembly.notice_published_at),
            "notice_published_jalali": _jalali(assembly.notice_published_at, with_time=False),
        },
        "session": {
            "date": session_day.isoformat(),
            "date_jalali": _jalali(session_day, with_time=False),
            "opened_at": _iso(opened_at),
            "opened_at_jalali": _jalali(opened_at),
            "closed_at": _iso(closed_at),
            "closed_at_jalali": _jalali(closed_at),
        },
        "roll_size": assembly.roll_size,
        "opening": opening,
        "closing": _quorum(closed.data) if closed else None,
        "quorum_rule": f"assembly.quorum.{family}.{call}",
        "majority_rule": f"assembly.majority.{family}",
        "presiding_board": board,
        "items": items,
        "gaps": gaps,
        "events_used": len(log),
    }


def item_anchors(content: dict) -> list[dict]:
    """Each closed item's chain head and ballot count as the minutes hold them."""
    return [
        {"item_id": i["item_id"], "chain_head": i.get("chain_head", ""), "ballot_count": i.get("ballot_count", 0)}
        for i in content.get("items", [])
        if i.get("closed")
    ]


def draft_minutes(assembly: Assembly, *, actor: Actor | None = None) -> Minutes:
    """Draft (or re-draft) the minutes of a closed assembly from its event log.

    Safe to call twice: unchanged content changes nothing; new content replaces a draft and clears
    the approvals given to the old one. Refused before the session is closed and once approved.
    """
    with transaction.atomic():
        a = Assembly.objects.select_for_update().select_related("cooperative__province").get(pk=assembly.pk)
        if a.state != AssemblyState.CLOSED:
            raise ValidationError(
                _("The minutes are drafted once the session is closed; this assembly is: %(state)s."),
                code="not_closed",
                params={"state": a.get_state_display()},
            )
        content = build_content(a)
        minutes = Minutes.objects.select_for_update().filter(assembly=a).first()
        if minutes is not None and minutes.state != MinutesState.DRAFT:
            raise ValidationError(
                _("These minutes were approved by the presiding board and can no longer be re-drafted."),
                code="minutes_approved",
            )
        if minutes is not None and minutes.content == content:
            return minutes
        cleared = 0
        if minutes is None:
            minutes = Minutes.objects.create(assembly=a, content=content)
            before = None
        else:
            before = {"drafted_at": minutes.drafted_at, "items": len(minutes.content.get("items", []))}
            cleared, _deleted = minutes.approvals.all().delete()
            minutes.content, minutes.drafted_at = content, timezone.now()
            minutes.save(update_fields=["content", "drafted_at"])
        after = {"drafted_at": minutes.drafted_at, "items": len(content["items"]), "approvals_cleared": cleared}
        events.changed(
            a,
            events.MINUTES_DRAFTED,
            {
                "items": len(content["items"]),
                "redraft": before is not None,
                "approvals_cleared": cleared,
                "gaps": content["gaps"],
            },
            actor=actor, audit="minutes.draft", obj=minutes, before=before, after=after,
            push=("minutes", {"state": minutes.state}),
        )
    return minutes


# --------------------------------------------------------------------------- reading


def presiding_member(minutes: Minutes, user: Actor) -> PresidingMember | None:
    """The presiding board seat of the person ``user`` is, on the minutes' assembly, if any."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not person_id:
        return None
    return PresidingMember.objects.filter(assembly_id=minutes.assembly_id, person_id=person_id).first()


def approvals_table(minutes: Minutes) -> list[dict]:
    """Every presiding board member with their approval (``approved_at`` None while pending)."""
    approved = {a.person_id: a.approved_at for a in minutes.approvals.all()}
    order = {"chair": 0, "secretary": 1, "observer": 2}
    rows = [
        {
            "person_id": m.person_id,
            "name": m.person.full_name,
            "role": m.role,
            "role_label": m.get_role_display(),
            "approved_at": approved.get(m.person_id),
        }
        for m in PresidingMember.objects.filter(assembly_id=minutes.assembly_id).select_related("person")
    ]
    return sorted(rows, key=lambda r: (order.get(r["role"], 9), r["name"]))


class Access:
    """What one user may do with one assembly's minutes, as :mod:`taavon.accounts.scoping` decides it."""

    def __init__(self, user: Actor, assembly: Assembly, minutes: Minutes | None):
        self.read = minutes is not None and may(user, Action.VIEW, minutes)
        self.draft = may(user, Action.RUN, assembly)
        self.approve = minutes is not None and may(user, Action.APPROVE, minutes)
        self.manage = can(user, Action.MANAGE, assembly)
        self.supervise = can(user, Action.SUPERVISE, assembly)
        self.notify = self.manage or self.supervise


def minutes_for(user: Actor, assembly_id: int) -> tuple[Assembly, Minutes | None, Access]:
    """The assembly, its minutes (or None) and the user's access; 404 when the user may not read the assembly."""
    assembly = assembly_for(user, assembly_id)
    minutes = Minutes.objects.filter(assembly=assembly).first()
    if minutes is not None:
        minutes.assembly = assembly
    return assembly, minutes, Access(user, assembly, minutes)


def submitted_in_scope(user: Actor):
    """Minutes awaiting registration that ``user`` may register (the provincial supervisor's queue)."""
    return (
        scope(Minutes.objects.all(), user, Action.SUPERVISE)
        .filter(state=MinutesState.SUBMITTED)
        .select_related("assembly__cooperative")
        .order_by("submitted_at", "pk")
    )


def state_counts(user: Actor) -> dict[str, int]:
    """How many minutes in the supervisor's reach are in each state."""
    rows = scope(Minutes.objects.all(), user, Action.SUPERVISE).values("state").annotate(n=Count("pk"))
    counts = {state: 0 for state in MinutesState.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def review_history(minutes: Minutes) -> list[dict]:
    """Submissions, returns and registration, oldest first (from the event log)."""
    kinds = (events.MINUTES_SUBMITTED, events.MINUTES_RETURNED, events.MINUTES_REGISTERED, events.MINUTES_APPROVED)
    return [
        {"kind": e.kind, "at": e.at, "note": e.data.get("note", ""), "reason": e.data.get("reason", "")}
        for e in minutes.assembly.events.filter(kind__in=kinds).order_by("at", "id")
    ]


def decisions_deadline(minutes: Minutes) -> datetime.date | None:
    """The last day to notify members of the decisions: the close of the session plus N days."""
    closed = (minutes.content.get("session") or {}).get("closed_at")
    closed_at = datetime.datetime.fromisoformat(closed) if closed else minutes.assembly.closed_at
    if closed_at is None:
        return None
    day = timezone.localtime(closed_at).date()
    return day + datetime.timedelta(days=int(rules.value(DECISIONS_KEY, snapshot=minutes.assembly.rules, on=day)))


def decisions_status(minutes: Minutes) -> dict:
    """Deadline, whether it was met, and the delivery counts of the decisions notice."""
    deadline = decisions_deadline(minutes)
    notified = minutes.decisions_notified_at
    today = timezone.localdate()
    met = None
    if notified is not None and deadline is not None:
        met = timezone.localtime(notified).date() <= deadline
    counts = {
        channel: {state: 0 for state in OutboundMessage.State.values} for channel in OutboundMessage.Channel.values
    }
    expected = 0
    if notified is not None:
        roll = RollEntry.objects.filter(assembly_id=minutes.assembly_id)
        expected = roll.exclude(person__mobile="").count() + roll.exclude(person__email="").count()
        rows = (
            OutboundMessage.objects.filter(topic=decisions_topic(minutes.assembly_id))
            .values("channel", "state")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts[row["channel"]][row["state"]] = row["n"]
    return {
        "deadline": deadline,
        "deadline_jalali": _jalali(deadline, with_time=False) if deadline else "",
        "days": int(rules.value(DECISIONS_KEY, snapshot=minutes.assembly.rules)),
        "citation": rules.cite(DECISIONS_KEY),
        "notified_at": notified,
        "met": met,
        "overdue": notified is None and deadline is not None and today > deadline,
        "recipients": minutes.assembly.roll_size,
        "sms": counts[OutboundMessage.Channel.SMS],
        "email": counts[OutboundMessage.Channel.EMAIL],
        "sent": sum(c[OutboundMessage.State.SENT] for c in counts.values()),
        "failed": sum(c[OutboundMessage.State.FAILED] for c in counts.values()),
        "expected": expected,
        # Still going out: fewer messages logged than members with a mobile or an e-mail.
        "sending": notified is not None and sum(sum(c.values()) for c in counts.values()) < expected,
    }


# --------------------------------------------------------------------------- approval


def _approval_purpose(minutes: Minutes) -> str:
    return gettext("approving the minutes of «%(title)s»") % {"title": minutes.assembly.title}


def _approval_subject(minutes: Minutes) -> str:
    return f"minutes:{minutes.pk}"


def _check_can_approve(actor: Actor, minutes: Minutes) -> PresidingMember:
    seat = presiding_member(minutes, actor)
    if seat is None:
        raise PermissionDenied(_("Only the members of the assembly's presiding board approve its minutes."))
    if minutes.state != MinutesState.DRAFT:
        raise ValidationError(_("These minutes are no longer awaiting approval."), code="not_draft")
    if minutes.approvals.filter(person_id=seat.person_id).exists():
        raise ValidationError(_("You have already approved these minutes."), code="already_approved")
    return seat


def request_approval_code(*, actor: Actor, minutes: Minutes) -> accounts_services.CodeRequest:
    """Send a presiding board member the one-time code that signs their approval."""
    _check_can_approve(actor, minutes)
    return accounts_services.request_confirmation_code(
        person_or_user=actor, purpose_label=_approval_purpose(minutes), subject=_approval_subject(minutes)
    )


def approve(*, actor: Actor, minutes: Minutes, code: str) -> Minutes:
    """A presiding board member approves the minutes with the code sent to their mobile.

    When every member of the presiding board has approved, the minutes are APPROVED. The code is
    checked before the transaction so a wrong entry is counted even though the approval fails.
    """
    _check_can_approve(actor, minutes)
    accounts_services.verify_confirmation_code(person_or_user=actor, code=code, subject=_approval_subject(minutes))
    with transaction.atomic():
        m = Minutes.objects.select_for_update(of=("self",)).select_related("assembly__cooperative").get(pk=minutes.pk)
        seat = _check_can_approve(actor, m)
        approval = MinutesApproval.objects.create(minutes=m, person_id=seat.person_id)
        record(
            actor,
            "minutes.sign",
            m,
            after={"person": seat.person_id, "role": seat.role, "approved_at": approval.approved_at},
            cooperative=m.assembly.cooperative,
        )
        board = set(PresidingMember.objects.filter(assembly_id=m.assembly_id).values_list("person_id", flat=True))
        approved = set(m.approvals.values_list("person_id", flat=True))
        if board and board <= approved:
            # Pin what was approved: the content's digest, kept on the row and in the audit log
            # (verify-assembly compares both with the content, and the content's heads with the items).
            m.state, m.approved_digest = MinutesState.APPROVED, minutes_digest(m.content)
            m.save(update_fields=["state", "approved_digest"])
            events.changed(
                m.assembly, events.MINUTES_APPROVED, {"approvals": len(approved), "digest": m.approved_digest},
                actor=actor, audit="minutes.approve", obj=m, before={"state": MinutesState.DRAFT},
                after={"state": m.state, "digest": m.approved_digest, "anchors": item_anchors(m.content)},
            )
        live.publish(m.assembly_id, "minutes", {"state": m.state})
    return m


# --------------------------------------------------------------------------- submission and registration


@transaction.atomic
def submit(*, actor: Actor, minutes: Minutes, note: str = "") -> Minutes:
    """The cooperative submits approved minutes to the provincial office (or resubmits returned ones)."""
    m = Minutes.objects.select_for_update(of=("self",)).select_related("assembly__cooperative").get(pk=minutes.pk)
    if not can(actor, Action.MANAGE, m.assembly):
        raise PermissionDenied(_("Only the cooperative's officers submit its minutes."))
    note = (note or "").strip()
    if m.state == MinutesState.RETURNED:
        if not note:
            raise ValidationError(
                {"note": ValidationError(_("Say what was corrected in answer to the return reason."), code="required")}
            )
    elif m.state != MinutesState.APPROVED:
        raise ValidationError(
            _("Only minutes approved by the presiding board can be submitted; these are: %(state)s."),
            code="not_approved",
            params={"state": m.get_state_display()},
        )
    before = {"state": m.state}
    m.state, m.submitted_at = MinutesState.SUBMITTED, timezone.now()
    m.save(update_fields=["state", "submitted_at"])
    events.changed(
        m.assembly, events.MINUTES_SUBMITTED, {"note": note, "resubmission": before["state"] == MinutesState.RETURNED},
        actor=actor, audit="minutes.submit", obj=m, before=before, after={"state": m.state, "note": note},
        push=("minutes", {"state": m.state}),
    )
    return m


def _check_reviewer(actor: Actor, m: Minutes) -> None:
    if not can(actor, Action.SUPERVISE, m.assembly):
        raise PermissionDenied(_("Only the provincial office registers or returns minutes."))
    if m.state != MinutesState.SUBMITTED:
        raise ValidationError(
            _("Only submitted minutes can be registered or returned; these are: %(state)s."),
            code="not_submitted",
            params={"state": m.get_state_display()},
        )


def _seat_elected(actor: Actor, m: Minutes) -> list[dict]:
    """Put the elected of each board or inspector election on the registry; end the body's current seats."""
    a = m.assembly
    coop = a.cooperative
    term_start = datetime.date.fromisoformat(m.content["session"]["date"])
    seated = []
    for item in m.content.get("items", []):
        if item.get("kind") != ItemKind.ELECTION or item.get("matter") not in ELECTED_ROLES or not item.get("election"):
            continue
        body, role, alternate_role, term_key = ELECTED_ROLES[item["matter"]]
        years = int(rules.value(term_key, snapshot=a.rules, on=term_start))
        term_end = registry_services.add_jalali_years(term_start, years)
        election = item["election"]
        people = Person.objects.in_bulk([c["person_id"] for c in election["elected"] + election["alternates"]])
        try:
            for position in rules_checks.current_positions(coop).filter(body=body).order_by("pk"):
                registry_services.end_position(
                    actor=actor, position=position, ended_on=max(term_start, position.term_start)
                )
            for seat_role, chosen in ((role, election["elected"]), (alternate_role, election["alternates"])):
                for candidate in chosen:
                    person = people.get(candidate["person_id"])
                    if person is None:
                        raise ValidationError(
                            _("Candidate %(name)s is not linked to a person in the registry."),
                            code="unknown_candidate",
                            params={"name": candidate["name"]},
                        )
                    p = registry_services.add_position(
                        actor=actor,
                        cooperative=coop,
                        role=seat_role,
                        person=person,
                        term_start=term_start,
                        term_end=term_end,
                    )
                    seated.append(
                        {"item_id": item["item_id"], "person_id": person.pk, "role": p.role, "position_id": p.pk}
                    )
        except ValidationError as exc:
            raise ValidationError(
                _("The registry could not be updated with the result of «%(title)s»: %(errors)s"),
                code="registry_update",
                params={"title": item["title"], "errors": " ".join(exc.messages)},
            ) from exc
    return seated


@transaction.atomic
def register(*, actor: Actor, minutes: Minutes) -> Minutes:
    """The provincial office registers submitted minutes; elected boards and inspectors go on the registry.

    All in one transaction: if any elected person cannot be seated, nothing is registered.
    """
    m = Minutes.objects.select_for_update(of=("self",)).select_related("assembly__cooperative").get(pk=minutes.pk)
    _check_reviewer(actor, m)
    seated = _seat_elected(actor, m)
    m.state, m.reviewed_by, m.reviewed_at = MinutesState.REGISTERED, acting_user(actor), timezone.now()
    m.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    events.changed(
        m.assembly, events.MINUTES_REGISTERED, {"seated": seated}, actor=actor, audit="minutes.register", obj=m,
        before={"state": MinutesState.SUBMITTED}, after={"state": m.state, "seated": seated},
        push=("minutes", {"state": m.state}),
    )
    return m


@transaction.atomic
def return_minutes(*, actor: Actor, minutes: Minutes, reason: str) -> Minutes:
    """The provincial office returns submitted minutes to the cooperative, saying why."""
    m = Minutes.objects.select_for_update(of=("self",)).select_related("assembly__cooperative").get(pk=minutes.pk)
    _check_reviewer(actor, m)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason the minutes are returned."), code="required")}
        )
    m.state, m.reviewed_by, m.reviewed_at, m.return_reason = MinutesState.RETURNED, acting_user(actor), timezone.now(), reason
    m.save(update_fields=["state", "reviewed_by", "reviewed_at", "return_reason"])
    events.changed(
        m.assembly, events.MINUTES_RETURNED, {"reason": reason}, actor=actor, audit="minutes.return", obj=m,
        before={"state": MinutesState.SUBMITTED}, after={"state": m.state, "reason": reason},
        push=("minutes", {"state": m.state}),
    )
    return m


# --------------------------------------------------------------------------- notifying the decisions


def decision_lines(content: dict) -> list[str]:
    """One line per agenda item: its decision (approved / not approved, or who was elected)."""
    lines = []
    for item in content.get("items", []):
        head = f"{fadigits(item['position'])}. {item['title']}"
        if item.get("motion"):
            verdict = gettext("approved") if item["motion"]["passed"] else gettext("not approved")
            lines.append(f"{head}: {verdict}")
        elif item.get("election"):
            election = item["election"]
            text = gettext("elected: %(names)s") % {"names": "، ".join(c["name"] for c in election["elected"]) or "—"}
            if election["alternates"]:
                text += "؛ " + gettext("alternates: %(names)s") % {
                    "names": "، ".join(c["name"] for c in election["alternates"])
                }
            lines.append(f"{head}: {text}")
        else:
            not_voted = gettext("not put to the vote")
            lines.append(f"{head}: {not_voted}")
    return lines


def decisions_message(content: dict) -> tuple[str, str, str]:
    """(SMS text, e-mail subject, e-mail body) summarising the decisions, in the active language."""
    intro = gettext("Decisions of the general assembly of %(cooperative)s on %(date)s") % {
        "cooperative": content["cooperative"]["name"],
        "date": fadigits(content["session"]["date_jalali"]),
    }
    lines = decision_lines(content)
    sms = f"{intro}: " + "؛ ".join(lines)
    if len(sms) > SMS_MAX_CHARS:
        sms = sms[: SMS_MAX_CHARS - 1] + "…"
    body = "\n".join([intro, "", *lines, "", gettext("The full minutes are available from your cooperative.")])
    return sms, intro, body


@transaction.atomic
def notify_decisions(*, actor: Actor, assembly: Assembly) -> Minutes:
    """Notify every member on the roll of the decisions (SMS, and e-mail where known), in background batches.

    Once the presiding board has approved the minutes; once per assembly. Records whether the
    notice went out within ``assembly.decisions_notice_days`` of the session's close.
    """
    a = Assembly.objects.select_for_update(of=("self",)).select_related("cooperative").get(pk=assembly.pk)
    if not has_authority(actor, a):
        raise PermissionDenied(_("Only the cooperative's officers or the provincial office notify the decisions."))
    m = Minutes.objects.select_for_update().filter(assembly=a).first()
    if m is None or m.state == MinutesState.DRAFT:
        raise ValidationError(
            _("The decisions are notified once the presiding board has approved the minutes."), code="not_approved"
        )
    if m.decisions_notified_at is not None:
        raise ValidationError(
            _("The decisions were already notified on %(date)s."),
            code="already_notified",
            params={"date": format_jalali(timezone.localtime(m.decisions_notified_at), with_time=True)},
        )
    m.assembly = a
    m.decisions_notified_at = timezone.now()
    m.save(update_fields=["decisions_notified_at"])
    deadline = decisions_deadline(m)
    on_time = deadline is None or timezone.localdate() <= deadline
    data = {"recipients": a.roll_size, "deadline": _iso(deadline), "on_time": on_time, "rule": DECISIONS_KEY}
    events.changed(
        a, events.DECISIONS_NOTIFIED, data, actor=actor, audit="minutes.notify_decisions", obj=m,
        push=("minutes", {"state": m.state, "decisions_notified": True}),
    )
    broadcast(DECISIONS_BROADCAST, assembly_id=a.pk)
    return m
