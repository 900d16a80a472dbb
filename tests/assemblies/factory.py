"""Assemblies in a given state, built straight through the models so each area's tests can start
where they need to (a noticed assembly with its roll, a session in progress, a closed item)."""

import datetime

from django.utils import timezone

from taavon import rules
from taavon.assemblies.law import ASSEMBLY_RULE_KEYS
from taavon.assemblies.models import AgendaItem, Assembly, CheckIn, RollEntry
from tests import helpers


def assembly(coop=None, *, members=7, kind="annual_ordinary", mode="electronic", state="draft", **fields):
    """An assembly of a cooperative with ``members`` active, verified members (not yet on a roll)."""
    coop = coop or helpers.cooperative()
    for _ in range(members - coop.memberships.count()):
        helpers.member(coop, verified_at=timezone.now())
    start = fields.pop("starts_at", timezone.now() + datetime.timedelta(days=25))
    defaults = dict(
        cooperative=coop,
        kind=kind,
        mode=mode,
        title=fields.pop("title", "مجمع عمومی عادی سالیانه"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        state=state,
        rules=rules.snapshot(ASSEMBLY_RULE_KEYS),
    )
    defaults.update(fields)
    return Assembly.objects.create(**defaults)


def motion(a, title="تصویب صورت‌های مالی", **fields):
    position = fields.pop("position", a.items.count() + 1)
    return AgendaItem.objects.create(assembly=a, position=position, title=title, kind="motion", **fields)


def election(a, title="انتخاب اعضای هیئت مدیره", seats=3, alternates=1, **fields):
    position = fields.pop("position", a.items.count() + 1)
    return AgendaItem.objects.create(
        assembly=a, position=position, title=title, kind="election", matter="board_election",
        seats=seats, alternates=alternates, **fields,
    )


def freeze_roll(a):
    """Put every active member on the roll and mark the notice published."""
    memberships = a.cooperative.memberships.filter(status="active")
    RollEntry.objects.bulk_create(RollEntry(assembly=a, person_id=m.person_id, membership=m) for m in memberships)
    a.roll_size = memberships.count()
    a.record_date = timezone.localdate()
    a.notice_published_at = timezone.now()
    a.state = "noticed"
    a.save()
    return a


def in_session(a=None, *, present=None, **kwargs):
    """A noticed assembly, opened, with the first ``present`` roll entries checked in (all by default)."""
    a = freeze_roll(a or assembly(**kwargs))
    entries = list(a.roll.order_by("id"))
    for entry in entries[: len(entries) if present is None else present]:
        CheckIn.objects.create(assembly=a, roll_entry=entry)
    a.state = "in_session"
    a.opened_at = timezone.now()
    a.save()
    return a


def bulk_members(coop, count, *, verified=True, with_email=False):
    """``count`` more active members of ``coop``, inserted with bulk_create (fast for hundreds)."""
    import itertools

    from taavon.core.persian import normalize
    from taavon.registry.models import Cooperative, Membership, Person

    serial = itertools.count(coop.memberships.count() + 1)
    people = []
    for _ in range(count):
        n = next(serial)
        last = f"عضو{n}"
        people.append(
            Person(
                national_code=helpers.national_code(), first_name="مریم", last_name=last, name_key=normalize(f"مریم {last}"),
                mobile=f"0935{coop.pk % 1000:03d}{n % 10_000:04d}", email=f"m{coop.pk}.{n}@example.ir" if with_email else "",
            )
        )
    people = Person.objects.bulk_create(people)
    verified_at = timezone.now() if verified else None
    Membership.objects.bulk_create(
        Membership(cooperative=coop, person=p, joined_on=datetime.date(2021, 1, 1), shares_held=10_000_000,
                   shares_paid=10_000_000, verified_at=verified_at)
        for p in people
    )
    Cooperative.objects.filter(pk=coop.pk).update(member_count=coop.memberships.filter(status="active").count())
    return people


def proxy(a, principal, holder, *, state="confirmed"):
    """A proxy of roll entry ``principal`` to person ``holder`` (a non-member holder when not on the roll)."""
    from taavon.assemblies.models import Proxy

    return Proxy.objects.create(
        assembly=a, principal=principal, holder=holder, state=state,
        holder_is_member=a.roll.filter(person=holder).exists(),
    )


def holder_joined(a, person):
    """A non-member proxy holder present at the session (what ``attendance.check_in_holder`` records)."""
    from taavon.assemblies.models import ProxyHolderPresence

    return ProxyHolderPresence.objects.create(assembly=a, person=person)


# --- The event log as the session and voting services write it (the minutes' data contract) ------


def _chain_head(item, ballots: int) -> str:
    import hashlib

    return hashlib.sha256(f"test-chain:{item.pk}:{ballots}".encode()).hexdigest()


def _quorum_now(a, represented: int):
    from taavon.assemblies import law

    present = a.check_ins.count()
    return law.quorum(a.rules, a.kind, a.call_number, roll=a.roll_size, present=present, represented=represented)


def open_with_board(a, *, chair=None, secretary=None, observers=(), represented=0):
    """An assembly in session with its presiding board recorded and the opening logged.

    ``chair``/``secretary`` are people (default: the first two checked-in members); logs
    ``session_opened`` {"quorum"} and ``presiding_board`` {"members"} as the minutes expect.
    """
    from taavon.assemblies import events
    from taavon.assemblies.models import PresidingMember

    present = [c.roll_entry.person for c in a.check_ins.select_related("roll_entry__person").order_by("roll_entry_id")]
    chair = chair or present[0]
    secretary = secretary or present[1]
    board = [(chair, "chair"), (secretary, "secretary"), *((p, "observer") for p in observers)]
    PresidingMember.objects.bulk_create(PresidingMember(assembly=a, person=p, role=r) for p, r in board)
    events.log(a, events.SESSION_OPENED, {"quorum": _quorum_now(a, represented).as_dict()})
    events.log(a, events.PRESIDING_BOARD, {"members": [{"person_id": p.pk, "name": p.full_name, "role": r} for p, r in board]})
    return a


def close_motion(item, *, votes_for, against=0, abstain=0, represented=0):
    """Voting on a motion opened and closed, with its result logged (``item_opened``/``item_closed``)."""
    from taavon.assemblies import events, law

    a = item.assembly
    quorum = _quorum_now(a, represented)
    events.log(a, events.ITEM_OPENED, {"item_id": item.pk, "quorum": quorum.as_dict()})
    result = law.motion_result(
        a.rules, a.kind, votes_for=votes_for, against=against, abstain=abstain, base=quorum.votes_present
    ).as_dict()
    ballots = votes_for + against + abstain
    item.state, item.closed_at, item.quorum_at_open = "closed", timezone.now(), quorum.as_dict()
    item.result, item.ballot_count, item.chain_head = result, ballots, _chain_head(item, ballots)
    item.save()
    events.log(a, events.ITEM_CLOSED, {
        "item_id": item.pk, "position": item.position, "title": item.title, "kind": item.kind,
        "result": result, "chain_head": item.chain_head, "ballot_count": ballots,
    })
    return item


def candidates(item, people):
    """Eligible candidates for an election item, one per person, in order."""
    from taavon.assemblies.models import Candidate

    return [Candidate.objects.create(item=item, person=p) for p in people]


def close_election(item, votes, *, ballots=None, represented=0):
    """Voting on an election closed with ``votes`` {Candidate: marks}, result and names logged."""
    from taavon.assemblies import events, law

    a = item.assembly
    quorum = _quorum_now(a, represented)
    events.log(a, events.ITEM_OPENED, {"item_id": item.pk, "quorum": quorum.as_dict()})
    ballots = quorum.votes_present if ballots is None else ballots
    head = _chain_head(item, ballots)
    outcome = law.election_result(
        {c.pk: n for c, n in votes.items()}, [c.pk for c in votes], seats=item.seats, alternates=item.alternates,
        seed=law.draw_seed(item.pk, head),
    )
    places = {pk: "elected" for pk in outcome.elected} | {pk: "alternate" for pk in outcome.alternates}
    rows = [
        {"id": c.pk, "person": c.person_id, "name": c.person.full_name, "votes": n, "outcome": places.get(c.pk, "")}
        for c, n in votes.items()
    ]
    rows.sort(key=lambda r: (r["outcome"] != "elected", r["outcome"] != "alternate", -r["votes"], r["id"]))
    # The shape ballot_box.close_item stores, so the pages show names and not candidate ids.
    result = {
        "kind": "election", "ballots": ballots, **outcome.as_dict(),
        "names": {str(c.pk): c.person.full_name for c in votes}, "candidates": rows,
    }
    item.state, item.closed_at, item.quorum_at_open = "closed", timezone.now(), quorum.as_dict()
    item.result, item.ballot_count, item.chain_head = result, ballots, head
    item.save()
    events.log(a, events.ITEM_CLOSED, {
        "item_id": item.pk, "position": item.position, "title": item.title, "kind": item.kind,
        "result": result, "chain_head": head, "ballot_count": ballots,
    })
    return outcome


def close_logged(a, *, represented=0):
    """Close the session: state CLOSED and ``session_closed`` {"quorum"} logged."""
    from taavon.assemblies import events

    a.state, a.closed_at = "closed", timezone.now()
    a.save(update_fields=["state", "closed_at"])
    events.log(a, events.SESSION_CLOSED, {"quorum": _quorum_now(a, represented).as_dict()})
    return a


def closed_story(coop=None, *, members=7, present=5, represented=1):
    """A closed annual assembly with its whole event log, ready for minutes.

    ``present`` members checked in (the first is chair, the second secretary) and ``represented``
    by proxy; item 1 a motion (4 for, 1 against, 1 abstain); item 2 a board election for 3 seats
    and 1 alternate among the present members, with a tie at 3 votes across the last seat drawn
    by lot. Returns a namespace: assembly, motion, election, candidates, chair, secretary, outcome.
    """
    from types import SimpleNamespace

    a = assembly(coop, members=members, location="سالن اجتماعات اتحادیه")
    first = motion(a, "تصویب صورت‌های مالی سال ۱۴۰۳")
    board = election(a, seats=3, alternates=1)
    in_session(a, present=present)
    people = [c.roll_entry.person for c in a.check_ins.select_related("roll_entry__person").order_by("roll_entry_id")]
    open_with_board(a, represented=represented)
    close_motion(first, votes_for=4, against=1, abstain=1, represented=represented)
    running = candidates(board, people[:5])
    outcome = close_election(
        board, dict(zip(running, [5, 4, 3, 3, 1], strict=True)), ballots=present + represented, represented=represented
    )
    close_logged(a, represented=represented)
    return SimpleNamespace(
        assembly=a, motion=first, election=board, candidates=running, chair=people[0], secretary=people[1],
        outcome=outcome,
    )


def noticed_to_session(a, *, present=None):
    """A noticed assembly (roll already frozen, e.g. after candidates registered) put in session,
    with the first ``present`` roll entries checked in (all by default)."""
    entries = list(a.roll.order_by("id"))
    for entry in entries[: len(entries) if present is None else present]:
        CheckIn.objects.create(assembly=a, roll_entry=entry)
    a.state = "in_session"
    a.opened_at = timezone.now()
    a.save()
    return a
