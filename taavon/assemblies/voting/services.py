"""Voting on agenda items: candidates, opening and closing an item, casting a secret ballot.

The secret ballot is kept by construction (see :mod:`taavon.assemblies.models`): casting writes a
:class:`VoteRecord` (who voted, unique per roll entry and item) and a :class:`Ballot` (what was
voted, with no voter, no time and a random key) in one transaction. Nothing else about a cast is
written: no audit event and no log line per ballot, since their times and order would be a
sequence matching voters to ballots. Opening and closing an item, and registering candidates,
are audited and logged like every other step.

Casting stays lean and never contends on a shared row: the chain over an item's ballots is built
once, when the item closes. On PostgreSQL a cast holds a shared advisory lock on its item for its
short transaction and the close takes it exclusively, so no ballot can slip in between the close's
tally and its commit (on SQLite every write transaction is already serialised).
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from taavon import jobs, rules
from taavon.accounts.scoping import Action, Actor, has_authority, may
from taavon.core.identifiers import clean_national_code
from taavon.registry.models import Membership, MembershipStatus, Person

from .. import events, live
from ..models import (
    AgendaItem,
    Assembly,
    AssemblyState,
    Ballot,
    BallotMark,
    Candidate,
    CandidateState,
    Choice,
    ItemKind,
    ItemState,
    Proxy,
    ProxyState,
    RollEntry,
    VoteRecord,
)
from ..session import proxies
from ..session import services as attendance
from . import ballot_box

CANDIDATE_REGISTERED = events.CANDIDATE_REGISTERED
CANDIDATE_WITHDRAWN = events.CANDIDATE_WITHDRAWN

# Jobs declared in .tasks, queued by name (tasks import this module).
TURNOUT_TASK = "assemblies.publish_turnout"
REWRITE_TASK = "assemblies.rewrite_closed_item"
logger = logging.getLogger(__name__)

# Namespace of the advisory locks that order casts before an item's close (PostgreSQL only).
_LOCK_NAMESPACE = 0x7476


def _pk(value) -> int:
    return value if isinstance(value, int) else value.pk


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class EligibilityContext:
    """What an eligibility rule looks at: the election item, the person, their membership and roll entry."""

    item: AgendaItem
    assembly: Assembly
    person: Person
    membership: Membership | None
    roll_entry: RollEntry | None


def _age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _minimum_age(c: EligibilityContext) -> int:
    # Legal capacity to stand for the board or as an inspector (age of majority in Iranian civil
    # law), as the assembly was convened under it.
    return int(rules.value("candidates.minimum_age", snapshot=c.assembly.rules))


def _old_enough(c: EligibilityContext) -> bool:
    if c.person.birth_date is None:
        return True
    return _age_on(c.person.birth_date, timezone.localdate(c.assembly.starts_at)) >= _minimum_age(c)


# The conditions every candidate is checked against, in order; each failed one is a reason kept
# with the candidacy. The list is extensible: other conditions (not already serving the maximum
# terms, a criminal-record check…) are appended as rules.Condition.
ELIGIBILITY: list[rules.Condition] = [
    rules.Condition(
        code="active_member",
        key="active_member",
        message=gettext_noop("Not a current member of this cooperative."),
        # A suspended membership is still a membership: suspension is its own reason below.
        test=lambda c: c.membership is not None and c.membership.status != MembershipStatus.LEFT,
    ),
    rules.Condition(
        code="on_the_roll",
        key="on_the_roll",
        message=gettext_noop("Not on this assembly's voter roll."),
        test=lambda c: c.roll_entry is not None,
    ),
    rules.Condition(
        code="not_suspended",
        key="not_suspended",
        message=gettext_noop("Membership is suspended."),
        test=lambda c: c.membership is None or c.membership.status != MembershipStatus.SUSPENDED,
    ),
    rules.Condition(
        code="adult",
        key="candidates.minimum_age",
        message=gettext_noop("Younger than %(age)s on the day of the assembly."),
        test=_old_enough,
        params=lambda c: {"age": _minimum_age(c)},
    ),
]


def eligibility(item: AgendaItem, person: Person) -> list[rules.Finding]:
    """Every eligibility condition applied to ``person`` standing in ``item``, passed or not."""
    assembly = item.assembly
    context = EligibilityContext(
        item=item,
        assembly=assembly,
        person=person,
        membership=Membership.objects.filter(cooperative_id=assembly.cooperative_id, person=person).first(),
        roll_entry=RollEntry.objects.filter(assembly=assembly, person=person).first(),
    )
    return [condition.evaluate(context) for condition in ELIGIBILITY]


def check_eligibility(item: AgendaItem, person: Person) -> list[dict]:
    """The reasons ``person`` may not stand in ``item`` (empty when eligible), as stored with the candidacy.

    Each reason is a finding's record (:meth:`rules.Finding.as_record`) with ``"rule"`` naming the
    condition, as before; show it with :func:`reason_text`.
    """
    return [{"rule": f.code, **f.as_record()} for f in eligibility(item, person) if not f.passed]


def reason_text(reason: dict) -> str:
    """A stored ineligibility reason in the current language."""
    return rules.Finding.from_record(reason).message


def _may_register(actor: Actor, assembly, person) -> bool:
    if getattr(actor, "person_id", None) == person.pk and getattr(actor, "is_active", False):
        return True
    return has_authority(actor, assembly)


@transaction.atomic
def register_candidate(*, actor: Actor, item, person) -> Candidate:
    """Register ``person`` as a candidate in an election item, between the notice and the session.

    The member registers themselves, or an officer of the cooperative (or the provincial office)
    registers them. Eligibility is checked against :data:`ELIGIBILITY`; an ineligible
    candidacy is kept with its reasons, so the candidate and the members can see why.
    """
    item = AgendaItem.objects.select_related("assembly", "assembly__cooperative").get(pk=_pk(item))
    assembly = item.assembly
    if not _may_register(actor, assembly, person):
        raise PermissionDenied
    if item.kind != ItemKind.ELECTION:
        raise ValidationError(_("Candidates stand only in elections."), code="not_election")
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("Candidates register after the notice is published and before the session opens."), code="not_noticed"
        )
    candidate = Candidate.objects.select_for_update().filter(item=item, person=person).first()
    if candidate is not None and candidate.state != CandidateState.WITHDRAWN:
        raise ValidationError(
            _("%(name)s is already registered in this election."), code="duplicate", params={"name": person.full_name}
        )
    reasons = check_eligibility(item, person)
    state = CandidateState.INELIGIBLE if reasons else CandidateState.ELIGIBLE
    if candidate is None:
        candidate = Candidate.objects.create(item=item, person=person, state=state, reasons=reasons)
    else:
        candidate.state, candidate.reasons = state, reasons
        candidate.save(update_fields=["state", "reasons"])
    data = {
        "item_id": item.pk,
        "candidate": candidate.pk,
        "person": person.pk,
        "name": person.full_name,
        "state": state.value,
        "reasons": [r["rule"] for r in reasons],
    }
    events.changed(assembly, CANDIDATE_REGISTERED, data, actor=actor, audit="candidate.register", obj=candidate)
    return candidate


@transaction.atomic
def withdraw_candidate(*, actor: Actor, candidate) -> Candidate:
    """Withdraw a candidacy before the session opens (the candidate, or an officer)."""
    candidate = (
        Candidate.objects.select_for_update()
        .select_related("item__assembly__cooperative", "person")
        .get(pk=_pk(candidate))
    )
    assembly = candidate.item.assembly
    if not _may_register(actor, assembly, candidate.person):
        raise PermissionDenied
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(_("A candidacy can be withdrawn only before the session opens."), code="not_noticed")
    if candidate.state == CandidateState.WITHDRAWN:
        raise ValidationError(_("This candidacy has already been withdrawn."), code="withdrawn")
    before = candidate.state
    candidate.state = CandidateState.WITHDRAWN
    candidate.save(update_fields=["state"])
    data = {
        "item_id": candidate.item_id,
        "candidate": candidate.pk,
        "person": candidate.person_id,
        "name": candidate.person.full_name,
    }
    events.changed(
        assembly, CANDIDATE_WITHDRAWN, data, actor=actor, audit="candidate.withdraw", obj=candidate,
        before={"state": before}, after={"state": candidate.state},
    )
    return candidate


def register_candidate_by_code(*, actor, item, national_code: str = "") -> Candidate:
    """:func:`register_candidate` for what pages and the API receive: a national code, or none for the actor themselves.

    Registering another member by code needs authority over the cooperative (PermissionDenied
    otherwise); an unknown code or an actor who is no person is a ValidationError on ``national_code``.
    """
    if national_code:
        # Checked before the lookup, so the answer does not tell who is registered.
        if not has_authority(actor, item.assembly):
            raise PermissionDenied
        person = Person.objects.filter(national_code=clean_national_code(national_code)).first()
        if person is None:
            raise ValidationError(
                {"national_code": ValidationError(_("No person with this national code is registered."), code="no_person")}
            )
    elif getattr(actor, "person_id", None):
        person = actor.person
    else:
        raise ValidationError(
            {"national_code": ValidationError(_("Enter the national code of the member to register."), code="no_person")}
        )
    return register_candidate(actor=actor, item=item, person=person)


# --------------------------------------------------------------------------- opening and closing


def _item_gate(item_id: int, *, exclusive: bool) -> None:
    """Order casts before the close of an item (PostgreSQL advisory lock, released at commit)."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_LOCK_NAMESPACE, item_id % 2_147_483_647])


def _item_data(item) -> dict:
    return {"item_id": item.pk, "position": item.position, "title": item.title, "kind": item.kind}


def turnout(item) -> dict:
    """Live turnout of an item: ballots cast against the votes present when voting opened.

    Never a partial result: only how many have voted.
    """
    voted = VoteRecord.objects.filter(item_id=item.pk).count()
    at_open = item.quorum_at_open or {}
    present = at_open.get("present", 0) + at_open.get("represented", 0)
    return {
        "item": item.pk,
        "state": item.state,
        "voted": voted,
        "votes_present": present,
        "roll": at_open.get("roll", 0),
        "percent": min(100, round(100 * voted / present)) if present else 0,
    }


@transaction.atomic
def open_item(*, actor: Actor, item) -> AgendaItem:
    """Open voting on an agenda item: the chair's act, while the assembly is in session.

    One item at a time. The quorum is counted again first; without it voting does not open.
    The quorum found is kept on the item: the votes present at this moment are the base of a
    motion's majority.
    """
    # The assembly's row only: FOR UPDATE over the join would lock the cooperative's row as well.
    assembly = Assembly.objects.select_for_update(of=("self",)).select_related("cooperative").get(pk=item.assembly_id)
    if not may(actor, Action.RUN, assembly):
        raise PermissionDenied
    item = AgendaItem.objects.select_for_update().get(pk=item.pk, assembly=assembly)
    if assembly.state != AssemblyState.IN_SESSION:
        raise ValidationError(_("Voting opens only while the assembly is in session."), code="not_in_session")
    if item.state == ItemState.OPEN:
        raise ValidationError(_("Voting on this item is already open."), code="already_open")
    if item.state == ItemState.CLOSED:
        raise ValidationError(_("Voting on this item has closed; it cannot be opened again."), code="closed")
    other = assembly.items.filter(state=ItemState.OPEN).first()
    if other is not None:
        raise ValidationError(
            _("Close voting on “%(title)s” before opening another item."),
            code="other_open",
            params={"title": other.title},
        )
    if item.kind == ItemKind.ELECTION and not item.candidates.filter(state=CandidateState.ELIGIBLE).exists():
        raise ValidationError(_("This election has no eligible candidate."), code="no_candidates")
    quorum = attendance.current_quorum(assembly)
    if not quorum.reached:
        raise ValidationError(
            _(
                "Voting cannot open without a quorum: %(votes)s votes present (%(present)s present, "
                "%(represented)s represented) of %(roll)s on the roll, %(required)s required. Rule: %(rule)s"
            ),
            code="no_quorum",
            params={
                "votes": quorum.votes_present,
                "present": quorum.present,
                "represented": quorum.represented,
                "roll": quorum.roll,
                "required": quorum.required,
                "rule": rules.cite(attendance.quorum_rule_key(assembly)),
            },
        )
    item.state = ItemState.OPEN
    item.opened_at = timezone.now()
    item.quorum_at_open = attendance.quorum_figures(assembly, quorum)
    item.save(update_fields=["state", "opened_at", "quorum_at_open"])
    data = {**_item_data(item), "quorum": item.quorum_at_open}
    events.changed(assembly, events.ITEM_OPENED, data, actor=actor, audit="item.open", obj=item,
                   push=("item_opened", data))
    live.publish(assembly.pk, "turnout", turnout(item))
    return item


@transaction.atomic
def close_item(*, actor: Actor, item) -> AgendaItem:
    """Close voting on an item: tally, chain head, result — all kept on the item and logged.

    Waits for casts in flight, so the tally covers every ballot accepted and nothing after: the
    close takes the item's gate exclusively (casts hold it shared), so casts already in flight
    commit first and later ones wait, then find the item closed; and it locks the item's row, so a
    second close (or an ``open_item`` of this item) waits and then finds it closed.

    It does not lock the assembly's row. The chain walks every ballot — seconds at a million — and
    meanwhile every write that references the assembly would queue behind that lock: a check-in, a
    proxy, a log entry (their foreign-key checks share-lock the row), as well as the actions that
    lock it themselves. Nothing the close reads from the assembly can change meanwhile: its rules
    and kind are frozen with the notice, and while this item is open no other item can open and
    the session cannot close (``open_item`` and ``close_session`` lock the assembly and refuse
    while an item is open).
    """
    assembly = Assembly.objects.select_related("cooperative").get(pk=item.assembly_id)
    if not may(actor, Action.RUN, assembly):
        raise PermissionDenied
    _item_gate(item.pk, exclusive=True)
    # FOR UPDATE of the item alone (a join with the assembly would lock its row too).
    item = AgendaItem.objects.select_for_update().get(pk=item.pk, assembly=assembly)
    item.assembly = assembly
    if item.state != ItemState.OPEN:
        raise ValidationError(_("Voting on this item is not open."), code="not_open")
    rows: Any  # (choice or candidate, count) pairs
    if item.kind == ItemKind.MOTION:
        rows = Ballot.objects.filter(item_id=item.pk).values_list("choice").annotate(n=Count("id")).order_by()
    else:
        rows = BallotMark.objects.filter(item_id=item.pk).values_list("candidate_id").annotate(n=Count("id")).order_by()
    counts = dict(rows)
    head, ballots = ballot_box.walk(item)
    voters = VoteRecord.objects.filter(item_id=item.pk).count()
    result = ballot_box.result_of(item, counts=counts, ballots=ballots, chain_head=head)
    item.state = ItemState.CLOSED
    item.closed_at = timezone.now()
    item.ballot_count = ballots
    item.chain_head = head
    item.result = result
    item.save(update_fields=["state", "closed_at", "ballot_count", "chain_head", "result"])
    data = {
        **_item_data(item),
        "ballot_count": ballots,
        "voters": voters,
        "votes_present": (item.quorum_at_open or {}).get("present", 0)
        + (item.quorum_at_open or {}).get("represented", 0),
        "chain_head": head,
        "result": result,
    }
    events.changed(assembly, events.ITEM_CLOSED, data, actor=actor, audit="item.close", obj=item,
                   push=("item_closed", data))
    # Work that must happen: a job of the close's own transaction, run once it commits.
    jobs.enqueue(REWRITE_TASK, item_id=item.pk)
    return item


# --------------------------------------------------------------------------- casting


def ballots_owed(assembly, person) -> list[RollEntry]:
    """The roll entries ``person`` votes for: their own and those of the principals they represent."""
    return proxies.ballots_owed(assembly, person)


def _not_owed_reason(assembly_id: int, person_id: int, entry_id: int):
    """Why a roll entry is not the voter's to cast (asked only when the cast is refused)."""
    entry = RollEntry.objects.filter(pk=entry_id, assembly_id=assembly_id).select_related("person").first()
    if entry is None:
        return _("That member is not on this assembly's voter roll.")
    name = entry.person.full_name
    if entry.person_id != person_id:
        proxy = Proxy.objects.filter(principal=entry, holder_id=person_id).order_by("-created_at", "-pk").first()
        if proxy is None:
            return _("You hold no proxy for %(name)s.") % {"name": name}
        if proxy.state == ProxyState.PENDING:
            return _("Your proxy for %(name)s has not been confirmed yet.") % {"name": name}
        if proxy.state == ProxyState.REVOKED:
            return _("Your proxy for %(name)s was revoked.") % {"name": name}
        if proxy.state == ProxyState.REFUSED:
            return _("Your proxy for %(name)s was refused.") % {"name": name}
        if hasattr(entry, "check_in"):
            return _("%(name)s is present and votes for themselves.") % {"name": name}
    if not attendance.is_present(entry.assembly, person_id):
        return _("Check in to the session before voting.")
    return _("This ballot is not yours to cast.")


def _clean_content(kind: str, seats: int, choice, marks) -> tuple[int | None, list[int]]:
    """The ballot's content, checked against the item's kind (not yet against its candidates)."""
    if kind == ItemKind.MOTION:
        if marks:
            raise ValidationError(
                _("A motion is voted for, against or abstaining; it has no candidates."), code="tampered"
            )
        try:
            choice = int(choice)
        except (TypeError, ValueError):
            choice = None
        if choice not in Choice.values:
            raise ValidationError(_("Choose for, against or abstain."), code="invalid_choice")
        return choice, []
    if choice not in (None, ""):
        raise ValidationError(_("An election ballot marks candidates; it has no for or against."), code="tampered")
    try:
        cleaned = [int(m) for m in marks or ()]
    except (TypeError, ValueError):
        raise ValidationError(_("The ballot was altered: a mark is not a candidate."), code="tampered") from None
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError(_("A candidate was marked more than once."), code="duplicate_mark")
    if len(cleaned) > seats:
        raise ValidationError(
            _("Mark at most %(seats)s candidates: %(marked)s were marked."),
            code="too_many_marks",
            params={"seats": seats, "marked": len(cleaned)},
        )
    return None, sorted(cleaned)


def _publish_turnout(item_id: int) -> None:
    """Tell the room how many have voted: at most once a second per item, not once per ballot, and
    counted by a background job, not inside a voter's request (a count over a million votes)."""
    # After the ballot's commit: nothing here may fail the voter's answer (the cache answers as
    # empty while Redis is down, and then nobody pushes: the pages poll).
    try:
        if cache.add(f"taavon:turnout:{item_id}", 1, timeout=1):
            jobs.enqueue(TURNOUT_TASK, item_id=item_id)
    except Exception:
        logger.warning("turnout push of item %s not queued", item_id, exc_info=True)


def cast_ballot(*, actor_person, item, roll_entry, choice=None, marks=(), assembly=None) -> str:
    """Cast one secret ballot on ``item`` for ``roll_entry``; return the receipt (shown once): the
    receipt code and the fingerprint of the content cast, :func:`ballot_box.receipt_with_fingerprint`.

    ``actor_person`` is the logged-in voter; ``roll_entry`` is their own or that of a principal
    whose confirmed proxy they hold (:func:`ballots_owed`). ``choice`` (1 for, 2 against,
    3 abstain) for a motion; ``marks`` (candidate ids, at most the item's seats) for an election.
    Objects or primary keys; ``assembly``, when given, is the assembly the item must belong to.
    Refused with a ``ValidationError``, writing nothing, when any of that does not hold or the
    entry has already voted on the item — even when the same ballot arrives many times at once
    (code ``no_item`` when the item is not the assembly's).
    """
    code = ballot_box.new_receipt_code()
    item_id = _pk(item)
    try:
        with transaction.atomic():
            choice, marks = _cast(
                _pk(actor_person), item_id, _pk(roll_entry), choice, marks, code, assembly and _pk(assembly)
            )
    except IntegrityError:
        raise ValidationError(
            _("This vote has already been cast on this item; each vote is cast once."), code="already_voted"
        ) from None
    _publish_turnout(item_id)
    # The code with the fingerprint of what was cast: the receipt check tells whether the board
    # still holds this content (a fingerprint the database cannot recompute without the code).
    return ballot_box.receipt_with_fingerprint(item_id, code, choice, marks)


def _cast(
    person_id: int, item_id: int, entry_id: int, choice, marks, code: str, assembly_id: int | None
) -> tuple[int | None, list[int]]:
    """Write the vote record and the ballot; the content as stored (choice, marks)."""
    # Every read here is narrow and after the gate: the item's state must be read once casts and
    # the close are ordered, and a cast is the hottest write of an assembly.
    _item_gate(item_id, exclusive=False)
    found = AgendaItem.objects.filter(pk=item_id)
    if assembly_id is not None:
        found = found.filter(assembly_id=assembly_id)
    row = found.values_list("assembly_id", "assembly__state", "state", "kind", "seats").first()
    if row is None:
        raise ValidationError(_("There is no such agenda item."), code="no_item")
    assembly_id, assembly_state, state, kind, seats = row
    if assembly_state != AssemblyState.IN_SESSION:
        raise ValidationError(_("The assembly is not in session."), code="not_in_session")
    if state == ItemState.PENDING:
        raise ValidationError(_("Voting on this item has not opened yet."), code="not_open")
    if state == ItemState.CLOSED:
        raise ValidationError(_("Voting on this item has closed."), code="closed")
    choice, marks = _clean_content(kind, seats, choice, marks)
    voter = proxies.owed_entry(assembly_id, person_id, entry_id)
    if voter is None:
        raise ValidationError(_not_owed_reason(assembly_id, person_id, entry_id), code="not_owed")
    if marks:
        standing = set(
            Candidate.objects.filter(item_id=item_id, state=CandidateState.ELIGIBLE, pk__in=marks).values_list(
                "pk", flat=True
            )
        )
        if standing != set(marks):
            raise ValidationError(_("A marked candidate is not standing in this election."), code="not_candidate")
    VoteRecord.objects.create(item_id=item_id, roll_entry_id=entry_id, by_proxy=voter != person_id)
    ballot = Ballot.objects.create(
        item_id=item_id, receipt_hash=ballot_box.receipt_hash(item_id, code), choice=choice, marks=marks
    )
    if marks:
        BallotMark.objects.bulk_create(BallotMark(ballot=ballot, item_id=item_id, candidate_id=m) for m in marks)
    return choice, marks


def vote(*, actor, item, roll_entry, choice=None, marks=(), assembly=None) -> str:
    """:func:`cast_ballot` for the logged-in ``actor``, who must be a person (a member or a proxy holder); the receipt code."""
    if not getattr(actor, "person_id", None):
        raise ValidationError(_("Only members and proxy holders vote."), code="not_a_voter")
    return cast_ballot(
        actor_person=actor.person_id, item=item, roll_entry=roll_entry, choice=choice, marks=marks, assembly=assembly
    )


# --------------------------------------------------------------------------- reads for pages and the API


def open_item_of(assembly) -> AgendaItem | None:
    return AgendaItem.objects.filter(assembly_id=assembly.pk, state=ItemState.OPEN).first()


def voted_entries(item, entries) -> set[int]:
    """Which of ``entries`` (roll entries) have voted on ``item``."""
    ids = [_pk(e) for e in entries]
    return set(
        VoteRecord.objects.filter(item_id=item.pk, roll_entry_id__in=ids).values_list("roll_entry_id", flat=True)
    )


def ballot_slots(item, person) -> list[dict]:
    """The ballots a voter has on ``item``: one per roll entry owed, labelled, with whether cast."""
    owed = ballots_owed(item.assembly, person)
    done = voted_entries(item, owed)
    return [
        {"entry": entry, "own": entry.person_id == person.pk, "voted": entry.pk in done}
        for entry in sorted(owed, key=lambda e: (e.person_id != person.pk, e.pk))
    ]


def eligible_candidates(item):
    return (
        Candidate.objects.filter(item_id=item.pk, state=CandidateState.ELIGIBLE)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )


# --------------------------------------------------------------------------- keeping a receipt

# One SMS per receipt and voter in this window: the button cannot be used to flood a phone.
RECEIPT_SMS_WINDOW = 24 * 3600


def _own_receipt(item, code: str) -> str:
    """The 16 digits of ``code`` when it is a receipt of a ballot on ``item``; refused otherwise.

    Only a real receipt is sent or saved, so neither is a way to have the platform send any text.
    """
    raw, _fingerprint = ballot_box.split_receipt(code)
    if ballot_box.find_receipt(item, raw) is None:
        raise ValidationError(_("This is not a receipt of a ballot on this item."), code="receipt_unknown")
    return raw


def receipt_text(item, code: str, *, check_url: str) -> str:
    """The receipt as the member keeps it (the SMS, the file): the assembly, the item, the code, where to check."""
    _own_receipt(item, code)
    return str(_(
        "Receipt of your ballot on “%(item)s” (%(assembly)s): %(code)s. Keep it to yourself; check it at %(url)s"
    ) % {"item": item.title, "assembly": item.assembly.title, "code": code.strip(), "url": check_url})


def send_receipt_sms(*, actor: Actor, item, code: str, check_url: str) -> str:
    """Send a receipt the voter has just been shown to their own mobile; the number it went to.

    Sent now, within the request, and logged redacted (``sensitive``): queued as a job, the code
    would sit in the jobs table beside the voter's phone number, and the code leads to the ballot.
    """
    from taavon.notifications.services import send_sms

    text = receipt_text(item, code, check_url=check_url)
    person = getattr(actor, "person", None) if getattr(actor, "person_id", None) else None
    mobile = getattr(actor, "mobile", "") or (person.mobile if person is not None else "")
    if not mobile:
        raise ValidationError(_("Your account has no mobile number to send the receipt to."), code="no_mobile")
    raw = ballot_box.normalize_receipt_code(code)
    if not cache.add(f"receipt-sms:{actor.pk}:{item.pk}:{ballot_box.receipt_hash(item.pk, raw)}", 1, RECEIPT_SMS_WINDOW):
        raise ValidationError(_("This receipt was already sent to your mobile."), code="receipt_sent")
    send_sms(mobile, text, topic="receipt", sensitive=True)
    return mobile
