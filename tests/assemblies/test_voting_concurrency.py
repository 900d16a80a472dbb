"""Many simultaneous requests on PostgreSQL: the same voter hammering one item leaves one ballot,
and ballots racing the chair's close are either all counted or refused, never slipped in after.

These run only on PostgreSQL (the embedded SQLite serialises every write anyway): on another
database each test says so and returns.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from taavon.accounts.models import Role
from taavon.assemblies.models import AgendaItem, Ballot, VoteRecord
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 200
# PostgreSQL allows 100 connections, shared with the test process and other test runs: at most
# this many attempts hold a connection at once (each still races the others in its wave).
CONNECTIONS = 30


def _on_postgresql(test_name: str) -> bool:
    if connection.vendor != "postgresql":
        print(f"{test_name}: runs only on PostgreSQL (this database is {connection.vendor}); nothing to check here.")
        return False
    return True


def _race(work, count: int) -> list:
    """Run ``work(n)`` in ``count`` threads released together; each result or exception is returned."""
    start = threading.Barrier(count)
    gate = threading.BoundedSemaphore(CONNECTIONS)
    results = [None] * count

    def run(n):
        start.wait()
        with gate:
            try:
                results[n] = work(n)
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[n] = exc
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_hundred_simultaneous_attempts_by_one_voter_leave_one_ballot():
    if not _on_postgresql("test_two_hundred_simultaneous_attempts_by_one_voter_leave_one_ballot"):
        return
    a = factory.in_session(factory.assembly(members=7))
    item = factory.motion(a)
    voting.open_item(actor=helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None), item=item)
    entry = a.roll.order_by("id").select_related("person").first()

    results = _race(
        lambda n: voting.cast_ballot(actor_person=entry.person_id, item=item.pk, roll_entry=entry.pk, choice=1 + n % 3),
        ATTEMPTS,
    )

    codes = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(codes) == 1, [r for r in results if not isinstance(r, (str, ValidationError))][:3]
    assert len(refusals) == ATTEMPTS - 1
    assert all(r.code == "already_voted" for r in refusals)
    assert Ballot.objects.filter(item=item).count() == 1
    assert VoteRecord.objects.filter(item=item).count() == 1
    assert ballot_box.find_receipt(item, codes[0]) is not None


def test_ballots_racing_the_close_are_counted_or_refused_never_slipped_in_after():
    if not _on_postgresql("test_ballots_racing_the_close_are_counted_or_refused_never_slipped_in_after"):
        return
    a = factory.in_session(factory.assembly(members=40))
    item = factory.motion(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    voting.open_item(actor=officer, item=item)
    entries = list(a.roll.order_by("id").values_list("pk", "person_id"))

    def work(n):
        if n == len(entries):
            time.sleep(0.02)
            return voting.close_item(actor=officer, item=AgendaItem.objects.get(pk=item.pk))
        entry_id, person_id = entries[n]
        return voting.cast_ballot(actor_person=person_id, item=item.pk, roll_entry=entry_id, choice=1)

    results = _race(work, len(entries) + 1)

    cast = [r for r in results[:-1] if isinstance(r, str)]
    refused = [r for r in results[:-1] if isinstance(r, ValidationError)]
    assert len(cast) + len(refused) == len(entries), [r for r in results if isinstance(r, Exception)][:3]
    assert all(r.code == "closed" for r in refused)
    item.refresh_from_db()
    assert item.state == "closed" and item.ballot_count == len(cast) == Ballot.objects.filter(item=item).count()
    assert item.result["for"] == len(cast)
    assert ballot_box.verify_item(item).ok
