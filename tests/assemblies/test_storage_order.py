"""Once an item closes, its stored ballots no longer keep the order in which they were cast: the
tables list ballots in receipt-hash order (the published order), marks with new keys in that
order, vote records in roll order. Nothing a voter or an auditor sees changes."""

import pytest
from django.db import connection

from taavon.assemblies.models import Ballot, BallotMark, VoteRecord
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)


def stored_order(table: str, column: str, item) -> list:
    """``column`` of ``table``'s rows for ``item`` in the order the database keeps them."""
    position = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE item_id = %s ORDER BY {position}", [item.pk])
        return [row[0] for row in cursor.fetchall()]


def cast_everyone(a, item, *, marks=None, choice=None):
    """Every roll entry votes, from the last on the roll to the first (so casting order is not
    roll order); the receipt codes."""
    codes = []
    for entry in a.roll.order_by("-id"):
        codes.append(voting.cast_ballot(actor_person=entry.person_id, item=item, roll_entry=entry, choice=choice, marks=marks or ()))
    return codes


def test_a_closed_election_keeps_no_trace_of_the_casting_order():
    a = factory.in_session(members=9)
    chair = helpers.user("officer", cooperative=a.cooperative)
    item = factory.election(a, seats=2, alternates=0)
    people = [e.person for e in a.roll.order_by("id")[:3]]
    candidates = factory.candidates(item, people)
    item = voting.open_item(actor=chair, item=item)
    for n, entry in enumerate(a.roll.order_by("-id")):
        voting.cast_ballot(actor_person=entry.person_id, item=item, roll_entry=entry,
                           marks=[candidates[n % 3].pk, candidates[(n + 1) % 3].pk])
    cast_marks = list(BallotMark.objects.filter(item=item).order_by("id").values_list("ballot__receipt_hash", flat=True))
    assert cast_marks != sorted(cast_marks)  # before the close: stored as cast (1 chance in 9! otherwise)

    voting.close_item(actor=chair, item=item)  # the rewrite runs after the commit (huey, inline in tests)

    receipts = stored_order("assemblies_ballot", "receipt_hash", item)
    assert receipts == sorted(receipts) and len(receipts) == 9
    marks_by_key = list(BallotMark.objects.filter(item=item).order_by("id").values_list("ballot__receipt_hash", flat=True))
    assert marks_by_key == sorted(marks_by_key)
    entries = stored_order("assemblies_voterecord", "roll_entry_id", item)
    assert entries == sorted(entries)
    item.refresh_from_db()
    assert ballot_box.verify_item(item).ok


def test_a_closed_motion_verifies_and_every_receipt_still_checks():
    a = factory.in_session(members=5)
    chair = helpers.user("officer", cooperative=a.cooperative)
    item = voting.open_item(actor=chair, item=factory.motion(a))
    codes = cast_everyone(a, item, choice=1)
    voting.close_item(actor=chair, item=item)
    item.refresh_from_db()

    assert ballot_box.verify_item(item).ok
    assert all(ballot_box.check_receipt(item, code)["found"] for code in codes)
    assert Ballot.objects.filter(item=item).count() == VoteRecord.objects.filter(item=item).count() == 5
    assert stored_order("assemblies_ballot", "receipt_hash", item) == sorted(
        Ballot.objects.filter(item=item).values_list("receipt_hash", flat=True)
    )


def test_an_item_still_open_is_not_rewritten():
    a = factory.in_session(members=3)
    chair = helpers.user("officer", cooperative=a.cooperative)
    item = voting.open_item(actor=chair, item=factory.motion(a))
    cast_everyone(a, item, choice=2)
    assert ballot_box.rewrite_in_published_order(item.pk) == 0
