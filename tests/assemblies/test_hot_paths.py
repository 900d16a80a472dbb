"""What the million-scale work on assemblies must not change: the chain and its verification over
rows read in chunks (including tampered rows), the live attendance figure shared through the cache
while decisions count afresh, the roll deleted with its assembly without a database constraint,
and the receipt hash still unique."""

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from taavon.accounts.models import Role
from taavon.assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyEvent,
    Ballot,
    CheckIn,
    Proxy,
    RollEntry,
    VoteRecord,
)
from taavon.assemblies.session import services as attendance
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


def reference_head(item) -> str:
    """The chain as the bulletin documents it, link by link, over the ORM's decoded rows."""
    head = ballot_box.genesis(item.assembly_id, item.pk)
    for receipt, choice, marks in (
        Ballot.objects.filter(item_id=item.pk).order_by("receipt_hash").values_list("receipt_hash", "choice", "marks")
    ):
        head = ballot_box.link(head, receipt, ballot_box.canonical(choice, marks))
    return head


def closed_motion(members=7, choices=(1, 1, 2, 1, 3, 2, 1)):
    a = factory.in_session(factory.assembly(members=members))
    item = factory.motion(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    voting.open_item(actor=officer, item=item)
    for entry, choice in zip(a.roll.order_by("id").select_related("person"), choices, strict=False):
        voting.cast_ballot(actor_person=entry.person, item=item, roll_entry=entry, choice=choice)
    voting.close_item(actor=officer, item=item)
    item.refresh_from_db()
    return a, item, officer


# --------------------------------------------------------------------------- the chain in chunks


def test_the_chain_read_in_chunks_is_the_documented_chain(monkeypatch):
    monkeypatch.setattr(ballot_box, "_CHUNK", 3)  # several chunks, the last one partial
    a, item, _ = closed_motion()

    assert item.chain_head == reference_head(item) == ballot_box.walk(item)[0]
    assert ballot_box.walk(item)[1] == item.ballot_count == 7
    report = ballot_box.verify_item(item)
    assert report.ok and report.tally == {"1": 4, "2": 2, "3": 1}


def test_an_election_chain_decodes_every_ballot_marks(monkeypatch):
    monkeypatch.setattr(ballot_box, "_CHUNK", 2)
    a = factory.assembly(members=5)
    board = factory.election(a, seats=2, alternates=0)
    factory.freeze_roll(a)
    roll = list(a.roll.order_by("id").select_related("person"))
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    x, y, z = (voting.register_candidate(actor=officer, item=board, person=e.person).pk for e in roll[:3])
    factory.noticed_to_session(a)
    voting.open_item(actor=officer, item=board)
    for entry, marks in zip(roll, [[x, y], [z], [], [y, x], [z, x]], strict=True):
        voting.cast_ballot(actor_person=entry.person, item=board, roll_entry=entry, marks=marks)
    voting.close_item(actor=officer, item=board)
    board.refresh_from_db()

    assert board.chain_head == reference_head(board)
    report = ballot_box.verify_item(board)
    assert report.ok and report.tally == {str(x): 3, str(y): 2, str(z): 2}


@pytest.mark.parametrize(
    ("change", "chain_changes"),
    [
        ({"marks": [5]}, False),  # a motion ballot with marks (a motion's chain text is its choice)
        ({"choice": 7}, True),  # no such choice
        ({"choice": None}, True),  # a motion ballot with no choice: its marks go into the chain
        ({"receipt_hash": "F" * 64}, True),  # not lower-case hex
    ],
)
def test_a_tampered_motion_ballot_is_reported_and_chained_as_documented(monkeypatch, english, change, chain_changes):
    monkeypatch.setattr(ballot_box, "_CHUNK", 4)
    a, item, _ = closed_motion()
    ballot = Ballot.objects.filter(item=item).order_by("receipt_hash")[5]
    Ballot.objects.filter(pk=ballot.pk).update(**change)

    report = ballot_box.verify_item(item)

    assert not report.ok
    assert report.chain_head == reference_head(item) == ballot_box.walk(item)[0]
    assert (report.chain_head != item.chain_head) is chain_changes
    shown = change.get("receipt_hash", ballot.receipt_hash)[:16]
    assert f"Ballot {shown} is not a valid ballot for this item." in report.discrepancies


def test_a_receipt_hash_is_unique_across_the_box():
    a, item, _ = closed_motion(members=3, choices=(1, 2, 1))
    taken = Ballot.objects.filter(item=item).first().receipt_hash
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(item=item, receipt_hash=taken, choice=1)


# --------------------------------------------------------------------------- the live attendance figure


def big(a):
    """Make ``a`` count as a large assembly for the live figure (the roll itself stays small)."""
    Assembly.objects.filter(pk=a.pk).update(roll_size=attendance.LIVE_THROTTLE_ROLL)
    a.refresh_from_db()
    return a


def test_a_small_assembly_always_shows_the_exact_figure():
    a = factory.in_session(factory.assembly(members=5), present=2)
    assert attendance.live_quorum(a).present == 2
    CheckIn.objects.create(assembly=a, roll_entry=a.roll.order_by("id")[3])
    assert attendance.live_quorum(a).present == 3


def test_a_large_assembly_shares_one_count_a_second(django_assert_num_queries, monkeypatch):
    a = big(factory.in_session(factory.assembly(members=5), present=2))
    first = attendance.live_quorum(a)
    CheckIn.objects.create(assembly=a, roll_entry=a.roll.order_by("id")[3])

    with django_assert_num_queries(0):
        again = attendance.live_quorum(a)
    assert first.present == again.present == 2
    assert attendance.current_quorum(a).present == 3  # decisions count afresh
    assert attendance.live_quorum(a, fresh=True).present == 3
    CheckIn.objects.create(assembly=a, roll_entry=a.roll.order_by("id")[4])

    later = time.time() + attendance.LIVE_QUORUM_SECONDS
    monkeypatch.setattr(attendance.time, "time", lambda: later)
    cache.add(f"assemblies:live-quorum:{a.pk}:counting", 1)  # another reader is recounting
    with django_assert_num_queries(0):
        assert attendance.live_quorum(a).present == 3  # the last figure meanwhile
    cache.delete(f"assemblies:live-quorum:{a.pk}:counting")
    assert attendance.live_quorum(a).present == 4


def test_the_push_after_a_check_in_counts_afresh_and_shares_the_figure(monkeypatch, django_capture_on_commit_callbacks):
    from taavon.assemblies import live

    sent = []
    monkeypatch.setattr(live, "send_now", lambda assembly_id, event, payload=None: sent.append(payload))
    a = big(factory.in_session(factory.assembly(members=5), present=2))
    assert attendance.live_quorum(a).present == 2
    entry = a.roll.order_by("id").select_related("person")[2]
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    Assembly.objects.filter(pk=a.pk).update(mode="hybrid")
    a.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        attendance.check_in(actor=officer, assembly=a, roll_entry=entry, by_secretary=True)

    assert sent[-1]["present"] == 3 and attendance.live_quorum(a).present == 3


def test_decisions_never_use_the_live_figure(en):
    a = big(factory.in_session(factory.assembly(members=5), present=0))
    item = factory.motion(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    # The cache says everyone is here; the roll says no one is.
    cache.set(f"assemblies:live-quorum:{a.pk}", (time.time() + 60, 5000, 0), 300)
    assert attendance.live_quorum(a).reached

    with pytest.raises(ValidationError) as refused:
        voting.open_item(actor=officer, item=item)
    assert refused.value.code == "no_quorum"
    assert attendance.quorum_figures(a)["present"] == 0


def test_represented_counts_absent_principals_of_present_holders_only():
    a = factory.in_session(factory.assembly(members=8), present=3)
    roll = list(a.roll.order_by("id").select_related("person"))
    outsider = helpers.person()
    factory.proxy(a, roll[3], roll[0].person)  # holder present: counted
    factory.proxy(a, roll[4], roll[5].person)  # holder absent: not counted
    factory.proxy(a, roll[6], outsider)  # non-member holder who joined: counted
    factory.holder_joined(a, outsider)
    factory.proxy(a, roll[7], roll[1].person, state="pending")  # not confirmed: not counted
    other = factory.in_session(factory.assembly(a.cooperative, members=0))
    factory.proxy(other, other.roll.order_by("id")[7], roll[1].person)  # another assembly's proxy

    assert attendance.represented_count(a) == 2
    CheckIn.objects.create(assembly=a, roll_entry=roll[3])  # the principal came: votes for themselves
    assert attendance.represented_count(a) == 1


# --------------------------------------------------------------------------- the roll without constraints


def test_deleting_an_assembly_deletes_its_roll_and_everything_on_it():
    a, item, _ = closed_motion(members=4, choices=(1, 2))
    roll = list(a.roll.order_by("id"))
    factory.proxy(a, roll[3], roll[0].person, state="pending")
    keep = factory.freeze_roll(factory.assembly(a.cooperative, members=0))
    assert VoteRecord.objects.filter(item=item).count() == 2

    Assembly.objects.filter(pk=a.pk).delete()

    assert not RollEntry.objects.filter(assembly_id=a.pk).exists()
    assert not CheckIn.objects.filter(assembly_id=a.pk).exists()
    assert not Proxy.objects.filter(assembly_id=a.pk).exists()
    assert not VoteRecord.objects.filter(roll_entry_id__in=[e.pk for e in roll]).exists()
    assert not AgendaItem.objects.filter(pk=item.pk).exists() and not Ballot.objects.filter(item_id=item.pk).exists()
    assert not AssemblyEvent.objects.filter(assembly_id=a.pk).exists()
    assert keep.roll.count() == 4


def test_the_roll_has_no_database_constraint_towards_the_assembly():
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'assemblies_rollentry'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('assemblies_rollentry', 'assemblies_ballot', "
            "'assemblies_voterecord') ORDER BY indexdef"
        )
        indexes = [row[0].split(" USING ")[1] for row in cursor.fetchall()]
    assert sorted(indexes) == sorted(
        [
            "btree (id)",  # roll entry
            "btree (person_id)",
            "btree (assembly_id, person_id)",
            "btree (id)",  # ballot
            "btree (item_id, receipt_hash)",
            "btree (receipt_hash)",
            "btree (id)",  # vote record
            "btree (roll_entry_id)",
            "btree (item_id, roll_entry_id)",
        ]
    )

