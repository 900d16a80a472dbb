"""Attendance and the course of the session: check-in, the presence of non-member proxy holders,
the live quorum, opening with the presiding board, adjourning for want of quorum, closing.

When members may check in
    While the assembly is in session, and from :data:`CHECK_IN_OPENS_BEFORE` (one hour) before the
    start time in the notice while it is still only noticed, so the quorum is known when the
    chair comes to open the session. Members check themselves in online at electronic and hybrid
    assemblies; the secretary (anyone who may run the assembly) checks members in by national
    code at hybrid and in-person assemblies. The one-to-one ``CheckIn.roll_entry`` stops a second
    check-in, even under concurrent requests; the second attempt is told "already checked in".

Non-member proxy holders
    have no roll entry to check in with: they *join* the session, which records a
    :class:`~taavon.assemblies.models.ProxyHolderPresence` (unique per assembly and person), online
    or through the secretary, under the same window and mode rules. A member holder is present
    through their own check-in.

Quorum
    ``present`` counts check-ins; ``represented`` counts principals who did not check in, whose
    confirmed proxy is held by a holder who is present. Both are ``COUNT`` queries (no row reaches
    Python); represented probes the indexes once per confirmed proxy, so it costs what the proxies
    number, not what the roll does. Decisions count afresh (:func:`current_quorum`: opening the
    session or an item, adjourning, the figures logged for the minutes); what pages, polls and the
    live push show is :func:`live_quorum`, counted at most once a second per large assembly and
    shared through the cache (at a million on the roll a count takes about 0.1 s, and every viewer
    polls).

By national code
    What a secretary or chair types is a national code: :func:`person_on_roll`,
    :func:`open_session_by_codes`, :func:`check_in_by_code` look it up (Persian or ASCII digits)
    for the pages and the API alike, and :func:`check_in_self` decides whether a caller checks in
    as a member or joins as a proxy holder.

Event data (``AssemblyEvent.data``) written here, for the minutes:
    ``quorum_checked`` / ``no_quorum``: ``roll, present, represented, votes_present, required,
    reached, rule`` (the parameter key), ``kind``, ``call_number``;
    ``session_opened``: ``opened_at, kind, mode, call_number``;
    ``presiding_board``: ``members: [{person_id, name, role}]``;
    ``session_closed``: ``closed_at, attendance`` (as ``quorum_checked``), ``items_not_voted``;
    ``proxy_revoked`` (on a principal's check-in): ``proxy_id, principal, holder, reason``.
"""

import datetime
import logging
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon import jobs, rules
from taavon.accounts.scoping import Action, Actor, acting_user, may
from taavon.audit.services import record
from taavon.core.identifiers import clean_national_code
from taavon.core.templatetags.taavon_format import fadigits, jdatetime_filter
from taavon.registry.models import Person

from .. import events, law, live
from ..models import (
    LIVE_PROXY_STATES,
    Assembly,
    AssemblyMode,
    AssemblyState,
    CheckIn,
    ItemState,
    PresidingMember,
    PresidingRole,
    Proxy,
    ProxyHolderPresence,
    ProxyState,
    RollEntry,
)

logger = logging.getLogger(__name__)

CHECK_IN_OPENS_BEFORE = datetime.timedelta(hours=1)
# Above this roll size a burst of check-ins sends at most one live attendance message a second
# per assembly (the pages also poll); below it every check-in is pushed at once.
LIVE_THROTTLE_ROLL = 1000
LIVE_THROTTLE_SECONDS = 1
# The live figure of an assembly of that size is counted at most once this many seconds (shared by
# every reader through the cache); below that size it is counted on every read.
LIVE_QUORUM_SECONDS = 1
_LIVE_QUORUM_KEPT = 300  # seconds a counted figure stays in the cache (served while a recount runs)
_LIVE_QUORUM_COUNTING = 30  # seconds one reader may hold the right to recount

REVOKED_ON_CHECK_IN = "principal_checked_in"
LIST_SEPARATOR = _(", ")


# --------------------------------------------------------------------------- quorum


def quorum_rule_key(assembly: Assembly) -> str:
    """The rules parameter that sets this assembly's quorum (by kind and call)."""
    call = "first" if assembly.call_number == 1 else "second"
    return f"assembly.quorum.{law.family(assembly.kind)}.{call}"


@contextmanager
def _without_jit():
    """On PostgreSQL, no JIT compilation for the statements inside and the rest of their transaction:
    the represented count's plan is costed above ``jit_above_cost`` (one index probe per proxy,
    estimated high) and compiling it took a third of its time (20 of 60 ms at 10,000 proxies).
    JIT pays off only for long analytical queries, which an assembly's transactions never run."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def present_count(assembly: Assembly) -> int:
    return CheckIn.objects.filter(assembly_id=assembly.pk).count()


def holder_present_q(assembly_id: int | OuterRef, holder_ref: str = "holder_id"):
    """A condition on a query with a person id at ``holder_ref``: that person is present —
    checked in on the roll, or joined as a non-member proxy holder."""
    checked_in = RollEntry.objects.filter(assembly_id=assembly_id, person_id=OuterRef(holder_ref), check_in__isnull=False)
    joined = ProxyHolderPresence.objects.filter(assembly_id=assembly_id, person_id=OuterRef(holder_ref))
    return Exists(checked_in) | Exists(joined)


def represented_count(assembly: Assembly) -> int:
    """Principals not checked in whose confirmed proxy's holder is present.

    Written so that PostgreSQL probes, for each confirmed proxy, the principal's check-in and the
    holder's presence by their unique indexes: the principal's check-in is a scalar subquery (an
    ``EXISTS`` became an anti-join over every check-in of the table), and the holder's presence is
    correlated on the proxy's own assembly (with the assembly as a constant, the planner hashed
    every member present — half a million rows — to answer for a few thousand holders).
    """
    principal_check_in = CheckIn.objects.filter(roll_entry_id=OuterRef("principal_id")).values("pk")[:1]
    return (
        Proxy.objects.filter(assembly_id=assembly.pk, state=ProxyState.CONFIRMED)
        .alias(principal_check_in=Subquery(principal_check_in))
        .filter(principal_check_in__isnull=True)
        .filter(holder_present_q(OuterRef("assembly_id")))
        .count()
    )


def _counts(assembly: Assembly) -> tuple[int, int]:
    """(present, represented), counted now."""
    with _without_jit():
        return present_count(assembly), represented_count(assembly)


def _quorum(assembly: Assembly, present: int, represented: int) -> law.Quorum:
    return law.quorum(
        assembly.rules, assembly.kind, assembly.call_number, roll=assembly.roll_size, present=present,
        represented=represented,
    )


def current_quorum(assembly: Assembly) -> law.Quorum:
    """Present plus represented against the roll, by the rules the assembly was convened under,
    counted now: what every decision uses."""
    return _quorum(assembly, *_counts(assembly))


def _live_key(assembly_id: int) -> str:
    return f"assemblies:live-quorum:{assembly_id}"


def _count_live(assembly: Assembly) -> tuple[int, int]:
    """Count now and share the figure with every reader of the live quorum."""
    started = time.time()
    present, represented = _counts(assembly)
    cache.set(_live_key(assembly.pk), (started, present, represented), _LIVE_QUORUM_KEPT)
    return present, represented


def live_quorum(assembly: Assembly, *, fresh: bool = False) -> law.Quorum:
    """The quorum as pages, polls and the live push show it; never for a decision.

    Exact for an assembly under :data:`LIVE_THROTTLE_ROLL` on the roll. Above, at most
    :data:`LIVE_QUORUM_SECONDS` old (``fresh`` counts now): the figure is kept per assembly in the
    shared cache; the first reader to find it stale recounts while the others keep showing the
    last figure, so a thousand viewers cost one count a second.
    """
    if assembly.roll_size < LIVE_THROTTLE_ROLL:
        return current_quorum(assembly)
    key = _live_key(assembly.pk)
    kept = None if fresh else cache.get(key)
    if kept is not None and time.time() - kept[0] < LIVE_QUORUM_SECONDS:
        return _quorum(assembly, kept[1], kept[2])
    if kept is not None and not cache.add(f"{key}:counting", 1, _LIVE_QUORUM_COUNTING):
        return _quorum(assembly, kept[1], kept[2])  # another reader is counting
    try:
        return _quorum(assembly, *_count_live(assembly))
    finally:
        if kept is not None:
            cache.delete(f"{key}:counting")


def quorum_figures(assembly: Assembly, quorum: law.Quorum | None = None) -> dict:
    """The quorum as event data: the figures of this moment and the rule applied."""
    quorum = quorum or current_quorum(assembly)
    return {
        **quorum.as_dict(),
        "votes_present": quorum.votes_present,
        "rule": quorum_rule_key(assembly),
        "kind": assembly.kind,
        "call_number": assembly.call_number,
    }


def attendance_payload(assembly: Assembly, *, fresh: bool = False) -> dict:
    """What the live panel shows: ``present, represented, votes_present, required, reached, roll, state``
    (:func:`live_quorum`: at most a second old on a large roll, unless ``fresh``)."""
    quorum = live_quorum(assembly, fresh=fresh)
    return {**quorum.as_dict(), "votes_present": quorum.votes_present, "state": assembly.state}


def push_attendance(assembly: Assembly, *, throttle: bool = False) -> None:
    """Send the attendance figures to the assembly's live group once the transaction commits.

    The figures are counted after the commit, so they include the change just made, and shared
    with the readers of :func:`live_quorum`. With ``throttle`` (check-ins), a large assembly sends
    at most one message a second.
    """
    assembly_id, roll_size = assembly.pk, assembly.roll_size

    def send():
        if throttle and roll_size >= LIVE_THROTTLE_ROLL:
            if not cache.add(f"assemblies:attendance-push:{assembly_id}", 1, LIVE_THROTTLE_SECONDS):
                return
        fresh = Assembly.objects.filter(pk=assembly_id).first()
        if fresh is not None and fresh.rules:
            live.send_now(assembly_id, "attendance", attendance_payload(fresh, fresh=True))

    live.after_commit(send, what="attendance")


# --------------------------------------------------------------------------- who is present


def roll_entry_of(assembly: Assembly, person_id) -> RollEntry | None:
    if not person_id:
        return None
    return RollEntry.objects.filter(assembly=assembly, person_id=person_id).select_related("person").first()


def check_in_of(assembly: Assembly, person_id) -> CheckIn | None:
    if not person_id:
        return None
    return CheckIn.objects.filter(assembly=assembly, roll_entry__person_id=person_id).first()


def holder_presence_of(assembly: Assembly, person_id) -> ProxyHolderPresence | None:
    if not person_id:
        return None
    return ProxyHolderPresence.objects.filter(assembly=assembly, person_id=person_id).first()


def is_present(assembly: Assembly, person_id) -> bool:
    """Whether the person is at the session: checked in on the roll, or joined as a proxy holder."""
    if not person_id:
        return False
    return (
        CheckIn.objects.filter(assembly_id=assembly.pk, roll_entry__person_id=person_id).exists()
        or ProxyHolderPresence.objects.filter(assembly_id=assembly.pk, person_id=person_id).exists()
    )


def check_in_is_open(assembly: Assembly, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if assembly.state == AssemblyState.IN_SESSION:
        return True
    return assembly.state == AssemblyState.NOTICED and now >= assembly.starts_at - CHECK_IN_OPENS_BEFORE


# --------------------------------------------------------------------------- by national code
# What the officer types is a national code; the pages and the API look it up here, alike.


def _field_code(national_code: str, field: str) -> str:
    """The canonical national code, or its error on ``field``."""
    try:
        return clean_national_code(national_code)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from None


def person_on_roll(assembly: Assembly, national_code: str, *, field: str) -> Person:
    """The person on ``assembly``'s voter roll with this national code (any digits), else a ValidationError on ``field``."""
    code = _field_code(national_code, field)
    entry = RollEntry.objects.filter(assembly=assembly, person__national_code=code).select_related("person").first()
    if entry is None:
        raise ValidationError(
            {field: [ValidationError(_("No member with this national code is on the voter roll."), code="not_on_roll")]}
        )
    return entry.person


def open_session_by_codes(*, actor, assembly: Assembly, chair: str, secretary: str, observers=()) -> Assembly:
    """:func:`open_session` with the presiding board named by national codes (the first unknown code refuses)."""
    board = {
        "chair": person_on_roll(assembly, chair, field="chair"),
        "secretary": person_on_roll(assembly, secretary, field="secretary"),
    }
    chosen = [person_on_roll(assembly, code, field="observers") for code in observers]
    return open_session(actor=actor, assembly=assembly, **board, observers=chosen)


def check_in_by_code(*, actor, assembly: Assembly, national_code: str) -> tuple[Person, CheckIn | ProxyHolderPresence, bool]:
    """The secretary checks in by national code: the member on the roll, else a known person as proxy holder.

    Returns ``(person, row, as_holder)``; an unknown code is a ValidationError on ``national_code``.
    """
    code = _field_code(national_code, "national_code")
    entry = RollEntry.objects.filter(assembly=assembly, person__national_code=code).select_related("person").first()
    if entry is not None:
        return entry.person, check_in(actor=actor, assembly=assembly, roll_entry=entry, by_secretary=True), False
    person = Person.objects.filter(national_code=code).first()
    if person is None:
        raise ValidationError(
            {"national_code": [ValidationError(_("No one with this national code is on the roll or holds a proxy."))]}
        )
    return person, check_in_holder(actor=actor, assembly=assembly, person=person, by_secretary=True), True


def check_in_self(*, actor, assembly: Assembly) -> tuple[Person, CheckIn | ProxyHolderPresence, bool]:
    """The actor checks themselves in: as the member on the roll, else as a proxy holder joining.

    Returns ``(person, row, as_holder)``; someone who is neither may not (PermissionDenied).
    """
    entry = roll_entry_of(assembly, actor.person_id)
    if entry is not None:
        return entry.person, check_in(actor=actor, assembly=assembly, roll_entry=entry), False
    if actor.person_id and may(actor, Action.ATTEND, assembly):
        return actor.person, check_in_holder(actor=actor, assembly=assembly, person=actor.person), True
    raise PermissionDenied


# --------------------------------------------------------------------------- check-in


def _require_check_in_open(assembly: Assembly) -> None:
    if not check_in_is_open(assembly):
        raise ValidationError(
            _(
                "Check-in is open from one hour before the start given in the notice (%(start)s) until the "
                "session closes."
            ),
            code="check_in_closed",
            params={"start": jdatetime_filter(assembly.starts_at)},
        )


def _require_mode(assembly: Assembly, *, by_secretary: bool) -> None:
    if by_secretary and assembly.mode == AssemblyMode.ELECTRONIC:
        raise ValidationError(
            _(
                "This assembly is electronic: members check in themselves online. The secretary records "
                "attendance only at hybrid and in-person assemblies."
            ),
            code="secretary_check_in_electronic",
        )
    if not by_secretary and assembly.mode == AssemblyMode.IN_PERSON:
        raise ValidationError(
            _("This assembly is held in person: the secretary checks members in at the venue."),
            code="online_check_in_in_person",
        )


def lock_people(*person_ids) -> None:
    """Lock the people a proxy or check-in concerns, in a fixed order (no deadlocks), so the rules
    on proxies and presence are checked against settled rows."""
    ids = sorted({pk for pk in person_ids if pk})
    list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def person_label(person: Person) -> dict:
    return {"person_id": person.pk, "name": person.full_name}


def _revoke_on_check_in(*, actor: Actor, assembly: Assembly, roll_entry: RollEntry) -> list[Proxy]:
    """End the principal's live proxy: a member who checks in votes for themselves."""
    now = timezone.now()
    revoked = list(
        Proxy.objects.select_for_update()
        .filter(principal=roll_entry, state__in=LIVE_PROXY_STATES)
        .select_related("holder", "principal__person")
    )
    for proxy in revoked:
        before = {"state": proxy.state}
        proxy.state = ProxyState.REVOKED
        proxy.ended_at = now
        proxy.note = REVOKED_ON_CHECK_IN
        proxy.save(update_fields=["state", "ended_at", "note"])
        events.changed(
            assembly,
            events.PROXY_REVOKED,
            {
                "proxy_id": proxy.pk,
                "principal": person_label(proxy.principal.person),
                "holder": person_label(proxy.holder),
                "reason": REVOKED_ON_CHECK_IN,
            },
            actor=actor, audit="proxy.revoke", obj=proxy, before=before,
            after={"state": proxy.state, "reason": REVOKED_ON_CHECK_IN},
        )
    return revoked


@transaction.atomic
def check_in(*, actor: Actor, assembly: Assembly, roll_entry: RollEntry, by_secretary: bool = False) -> CheckIn:
    """Record a member's presence: online by the member, or by the secretary at the venue.

    The principal's live proxy, if any, is revoked in the same transaction.
    """
    if roll_entry.assembly_id != assembly.pk:
        raise ValidationError(_("This person is not on the voter roll of this assembly."), code="not_on_roll")
    if by_secretary:
        if not may(actor, Action.RUN, assembly):
            raise PermissionDenied
    elif not actor.is_authenticated or actor.person_id != roll_entry.person_id:
        raise PermissionDenied
    assembly = Assembly.objects.select_related("cooperative").get(pk=assembly.pk)
    _require_mode(assembly, by_secretary=by_secretary)
    _require_check_in_open(assembly)
    lock_people(roll_entry.person_id)
    if CheckIn.objects.filter(roll_entry=roll_entry).exists():
        raise _already_checked_in(roll_entry, by_secretary)
    try:
        with transaction.atomic():
            entry = CheckIn.objects.create(
                assembly=assembly, roll_entry=roll_entry, by_secretary=by_secretary, recorded_by=acting_user(actor)
            )
    except IntegrityError:
        raise _already_checked_in(roll_entry, by_secretary) from None
    revoked = _revoke_on_check_in(actor=actor, assembly=assembly, roll_entry=roll_entry)
    record(
        actor, "assembly.check_in", assembly,
        after={"person_id": roll_entry.person_id, "by_secretary": by_secretary, "proxies_revoked": [p.pk for p in revoked]},
    )
    push_attendance(assembly, throttle=not revoked)
    return entry


def _already_checked_in(roll_entry: RollEntry, by_secretary: bool) -> ValidationError:
    if by_secretary:
        return ValidationError(
            _("%(name)s is already checked in."), code="already_checked_in", params={"name": roll_entry.person.full_name}
        )
    return ValidationError(_("You are already checked in."), code="already_checked_in")


@transaction.atomic
def check_in_holder(*, actor: Actor, assembly: Assembly, person: Person, by_secretary: bool = False) -> ProxyHolderPresence:
    """A non-member proxy holder joins the session (they have no roll entry to check in with)."""
    if by_secretary:
        if not may(actor, Action.RUN, assembly):
            raise PermissionDenied
    elif not actor.is_authenticated or actor.person_id != person.pk:
        raise PermissionDenied
    assembly = Assembly.objects.select_related("cooperative").get(pk=assembly.pk)
    if RollEntry.objects.filter(assembly=assembly, person=person).exists():
        raise ValidationError(
            _("%(name)s is on the voter roll: check in as a member."), code="holder_on_roll",
            params={"name": person.full_name},
        )
    if not Proxy.objects.filter(assembly=assembly, holder=person, state__in=LIVE_PROXY_STATES).exists():
        raise ValidationError(
            _("%(name)s is neither on the voter roll nor holds a proxy for this assembly."),
            code="not_a_participant", params={"name": person.full_name},
        )
    _require_mode(assembly, by_secretary=by_secretary)
    _require_check_in_open(assembly)
    lock_people(person.pk)
    already = ValidationError(
        _("%(name)s has already joined the session as a proxy holder."), code="already_checked_in",
        params={"name": person.full_name},
    )
    if ProxyHolderPresence.objects.filter(assembly=assembly, person=person).exists():
        raise already
    try:
        with transaction.atomic():
            presence = ProxyHolderPresence.objects.create(
                assembly=assembly, person=person, by_secretary=by_secretary, recorded_by=acting_user(actor)
            )
    except IntegrityError:
        raise already from None
    record(actor, "assembly.holder_join", assembly, after={"person_id": person.pk, "by_secretary": by_secretary})
    push_attendance(assembly)
    return presence


# --------------------------------------------------------------------------- the session


def _locked(assembly: Assembly) -> Assembly:
    # The assembly's row only: FOR UPDATE over the join would lock the cooperative's row as well.
    return Assembly.objects.select_for_update(of=("self",)).select_related("cooperative").get(pk=assembly.pk)


def _require_runner(actor: Actor, assembly: Assembly) -> None:
    if not may(actor, Action.RUN, assembly):
        raise PermissionDenied


def _require_start_time(assembly: Assembly, now: datetime.datetime) -> None:
    if now < assembly.starts_at:
        raise ValidationError(
            _("The session cannot begin before the time given in the notice: %(start)s."),
            code="before_start", params={"start": jdatetime_filter(assembly.starts_at)},
        )


def _quorum_params(assembly: Assembly, quorum: law.Quorum) -> dict:
    return {
        "present": fadigits(quorum.present),
        "represented": fadigits(quorum.represented),
        "votes": fadigits(quorum.votes_present),
        "required": fadigits(quorum.required),
        "roll": fadigits(quorum.roll),
        "rule": rules.cite(quorum_rule_key(assembly)),
    }


@transaction.atomic
def open_session(*, actor: Actor, assembly: Assembly, chair: Person, secretary: Person, observers=()) -> Assembly:
    """Open the session: check the quorum, record the presiding board, move to in session.

    Without quorum nothing is written and the refusal gives the figures and the rule; the chair
    may then adjourn with :func:`adjourn_for_no_quorum`.
    """
    _require_runner(actor, assembly)
    assembly = _locked(assembly)
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("Only an assembly whose notice is published and that has not yet met can be opened (it is now: %(state)s)."),
            code="not_noticed", params={"state": assembly.get_state_display()},
        )
    now = timezone.now()
    _require_start_time(assembly, now)
    board = [(chair, PresidingRole.CHAIR), (secretary, PresidingRole.SECRETARY)]
    board += [(person, PresidingRole.OBSERVER) for person in observers]
    seen = set()
    for person, _role in board:
        if person.pk in seen:
            raise ValidationError(
                _("%(name)s is named twice: each member of the presiding board holds one role."),
                code="board_duplicate", params={"name": person.full_name},
            )
        seen.add(person.pk)
    present_ids = set(
        RollEntry.objects.filter(assembly=assembly, person_id__in=seen, check_in__isnull=False).values_list("person_id", flat=True)
    )
    missing = [person.full_name for person, _role in board if person.pk not in present_ids]
    if missing:
        raise ValidationError(
            _("The presiding board is chosen from the members present; not checked in: %(names)s."),
            code="board_not_present", params={"names": str(LIST_SEPARATOR).join(missing)},
        )
    quorum = current_quorum(assembly)
    if not quorum.reached:
        raise ValidationError(
            _(
                "The quorum is not reached: %(present)s present and %(represented)s represented make %(votes)s "
                "votes of %(roll)s on the roll; %(required)s are needed (%(rule)s)."
            ),
            code="no_quorum", params=_quorum_params(assembly, quorum),
        )
    assembly.state = AssemblyState.IN_SESSION
    assembly.opened_at = now
    assembly.save(update_fields=["state", "opened_at"])
    PresidingMember.objects.bulk_create(PresidingMember(assembly=assembly, person=p, role=r) for p, r in board)
    events.log(
        assembly, events.SESSION_OPENED,
        {"opened_at": now.isoformat(), "kind": assembly.kind, "mode": assembly.mode, "call_number": assembly.call_number},
        actor,
    )
    members = [{"person_id": p.pk, "name": p.full_name, "role": str(r)} for p, r in board]
    events.log(assembly, events.PRESIDING_BOARD, {"members": members}, actor)
    figures = quorum_figures(assembly, quorum)
    events.changed(
        assembly, events.QUORUM_CHECKED, figures, actor=actor, audit="assembly.session_open",
        before={"state": AssemblyState.NOTICED},
        after={"state": assembly.state, "presiding_board": members, "quorum": figures},
        push=("session", {"state": assembly.state}),
    )
    push_attendance(assembly)
    return assembly


@transaction.atomic
def adjourn_for_no_quorum(*, actor: Actor, assembly: Assembly) -> Assembly:
    """Record that the session could not be held for want of quorum (then a second call may be convened)."""
    _require_runner(actor, assembly)
    assembly = _locked(assembly)
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("Only an assembly waiting to be opened can be adjourned for want of quorum (it is now: %(state)s)."),
            code="not_noticed", params={"state": assembly.get_state_display()},
        )
    _require_start_time(assembly, timezone.now())
    quorum = current_quorum(assembly)
    if quorum.reached:
        raise ValidationError(
            _(
                "The quorum is reached (%(votes)s votes present of %(roll)s, %(required)s needed, %(rule)s): "
                "open the session instead."
            ),
            code="quorum_reached", params=_quorum_params(assembly, quorum),
        )
    figures = quorum_figures(assembly, quorum)
    _end(assembly, actor, AssemblyState.NO_QUORUM, event=(events.NO_QUORUM, figures), audit=("assembly.adjourn", {"quorum": figures}))
    return assembly


@transaction.atomic
def close_session(*, actor: Actor, assembly: Assembly) -> Assembly:
    """Close the session (never while voting on an item is open), with the final attendance."""
    _require_runner(actor, assembly)
    assembly = _locked(assembly)
    if assembly.state != AssemblyState.IN_SESSION:
        raise ValidationError(
            _("Only a session in progress can be closed (it is now: %(state)s)."),
            code="not_in_session", params={"state": assembly.get_state_display()},
        )
    open_items = list(assembly.items.filter(state=ItemState.OPEN).values_list("title", flat=True))
    if open_items:
        raise ValidationError(
            _("Voting is still open on: %(items)s. Close it before closing the session."),
            code="item_open", params={"items": str(LIST_SEPARATOR).join(open_items)},
        )
    now = timezone.now()
    figures = quorum_figures(assembly)
    not_voted = list(assembly.items.filter(state=ItemState.PENDING).values_list("pk", flat=True))
    _end(
        assembly, actor, AssemblyState.CLOSED, now=now,
        event=(events.SESSION_CLOSED, {"closed_at": now.isoformat(), "attendance": figures, "items_not_voted": not_voted}),
        audit=("assembly.session_close", {"attendance": figures}),
    )
    # Drafting is work that must happen: a job of this transaction (the minutes page can redraft too).
    jobs.enqueue("assemblies.draft_minutes", assembly_id=assembly.pk)
    return assembly


def _end(assembly: Assembly, actor: Actor, state, *, event: tuple, audit: tuple, now=None) -> None:
    """The assembly's meeting ends in ``state`` (adjourned or closed): saved, logged as ``event``
    (kind, data), audited as ``audit`` (action, what else the record shows), told to the room."""
    before = assembly.state
    assembly.state = state
    assembly.closed_at = now or timezone.now()
    assembly.save(update_fields=["state", "closed_at"])
    (kind, data), (action, details) = event, audit
    events.changed(
        assembly, kind, data, actor=actor, audit=action, before={"state": before},
        after={"state": assembly.state, **details}, push=("session", {"state": assembly.state}),
    )
    push_attendance(assembly)


