"""Simultaneous requests on PostgreSQL: one check-in per member, and the proxy cap holds.

Each thread has its own database connection, as concurrent requests would.
"""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from taavon.accounts.models import Role, User
from taavon.assemblies.models import CheckIn, Proxy
from taavon.assemblies.session import proxies
from taavon.assemblies.session import services as attendance
from tests import helpers
from tests.assemblies import factory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]

THREADS = 12


def member_of(entry):
    existing = User.objects.filter(person=entry.person).first()
    return existing or helpers.user(Role.MEMBER, national_code=entry.person.national_code, person=entry.person, password=None)


def run_together(work, count):
    """Run ``work(i)`` in ``count`` threads released at once; the outcomes, in thread order."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except ValidationError as exc:
            outcomes[i] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_simultaneous_check_ins_of_one_member_leave_one_row():
    a = factory.freeze_roll(factory.assembly(members=7, starts_at=timezone.now() - datetime.timedelta(minutes=5)))
    entry = a.roll.select_related("person").first()
    user = member_of(entry)

    outcomes = run_together(lambda i: attendance.check_in(actor=user, assembly=a, roll_entry=entry), THREADS)

    assert CheckIn.objects.filter(roll_entry=entry).count() == 1
    accepted = [o for o in outcomes if isinstance(o, CheckIn)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(accepted) == 1 and len(refused) == THREADS - 1, outcomes
    assert all(e.code == "already_checked_in" for e in refused)


def test_simultaneous_proxies_to_one_holder_stop_at_the_cap():
    a = factory.freeze_roll(factory.assembly(members=THREADS + 1, starts_at=timezone.now() + datetime.timedelta(days=3)))
    roll = list(a.roll.select_related("person").order_by("id"))
    holder, principals = roll[0], roll[1:]
    users = [member_of(p) for p in principals]

    outcomes = run_together(
        lambda i: proxies.give_proxy(actor=users[i], assembly=a, holder_national_code=holder.person.national_code),
        len(principals),
    )

    cap = a.rules["assembly.proxies_per_holder"]
    assert Proxy.objects.filter(assembly=a, holder=holder.person).count() == cap
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == len(principals) - cap, outcomes
