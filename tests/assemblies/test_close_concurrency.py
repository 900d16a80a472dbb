"""Closing an item does not hold the assembly's row while the chain is walked (PostgreSQL only:
the embedded SQLite serialises every write anyway): other actions on the assembly go on, the
casts racing the close are still counted or refused, and the session cannot close meanwhile."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from taavon.accounts.models import Role
from taavon.assemblies.models import AgendaItem, Assembly, CheckIn
from taavon.assemblies.session import services as attendance
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_assembly_is_not_locked_while_an_item_closes(monkeypatch):
    if connection.vendor != "postgresql":
        print(f"runs only on PostgreSQL (this database is {connection.vendor}); nothing to check here.")
        return
    a = factory.in_session(factory.assembly(members=6, mode="hybrid"), present=4)
    item = factory.motion(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    voting.open_item(actor=officer, item=item)
    roll = list(a.roll.order_by("id").select_related("person"))
    for entry in roll[:3]:
        voting.cast_ballot(actor_person=entry.person, item=item, roll_entry=entry, choice=1)

    walking, release = threading.Event(), threading.Event()
    walk = ballot_box.walk

    def slow_walk(it):
        walking.set()
        assert release.wait(20)
        return walk(it)

    monkeypatch.setattr(ballot_box, "walk", slow_walk)
    outcome = {}

    def close():
        try:
            outcome["item"] = voting.close_item(actor=officer, item=AgendaItem.objects.get(pk=item.pk))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
        finally:
            connection.close()

    closing = threading.Thread(target=close)
    closing.start()
    try:
        assert walking.wait(20)
        # Meanwhile, on the assembly: its row can be locked at once, a member checks in, and the
        # session cannot close while the item is still open.
        with transaction.atomic():
            Assembly.objects.select_for_update(nowait=True).get(pk=a.pk)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            attendance.check_in(actor=officer, assembly=a, roll_entry=roll[4], by_secretary=True)
        with pytest.raises(ValidationError) as refused:
            attendance.close_session(actor=officer, assembly=a)
        assert refused.value.code == "item_open"
    finally:
        release.set()
        closing.join(30)

    assert "error" not in outcome, outcome.get("error")
    item.refresh_from_db()
    assert item.state == "closed" and item.ballot_count == 3 and ballot_box.verify_item(item).ok
    assert CheckIn.objects.filter(roll_entry=roll[4]).exists()
    with pytest.raises(ValidationError) as late:
        voting.cast_ballot(actor_person=roll[3].person, item=item, roll_entry=roll[3], choice=2)
    assert late.value.code == "closed"
