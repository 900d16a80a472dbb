"""Whose ballot a voter may cast: the list a voter sees and the check a cast makes are one rule.

``proxies.ballots_owed`` lists a voter's ballots (the page, the API); ``proxies.owed_entry`` is what
a cast asks for a single roll entry, with fewer queries. Every situation below is asked both ways.
"""

import pytest

from taavon.assemblies.models import CheckIn
from taavon.assemblies.session import proxies
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


def owed_both_ways(a, person):
    """The roll entries ``person`` may vote for, by the list and by asking entry by entry."""
    listed = {entry.pk for entry in proxies.ballots_owed(a, person)}
    asked = {entry.pk for entry in a.roll.all() if proxies.owed_entry(a.pk, person.pk, entry.pk) is not None}
    return listed, asked


def test_the_list_and_the_single_check_agree_in_every_proxy_situation():
    a = factory.in_session(members=9, present=3)
    entries = list(a.roll.order_by("id").select_related("person"))
    holder, absent_holder = entries[0].person, entries[8].person
    factory.proxy(a, entries[3], holder)  # confirmed, principal absent: owed to holder
    factory.proxy(a, entries[4], holder, state="pending")  # not yet confirmed: not owed
    factory.proxy(a, entries[5], holder, state="revoked")  # revoked: not owed
    came = factory.proxy(a, entries[1], holder)  # the principal checked in: votes for themselves
    factory.proxy(a, entries[6], absent_holder)  # holder not checked in: not owed to anyone
    outsider = helpers.person()
    factory.proxy(a, entries[7], outsider)  # a non-member holder, not yet joined

    assert came.principal_id == entries[1].pk and hasattr(entries[1], "check_in")
    for person in (holder, absent_holder, outsider, entries[1].person, entries[3].person):
        listed, asked = owed_both_ways(a, person)
        assert listed == asked, person
    assert owed_both_ways(a, holder)[0] == {entries[0].pk, entries[3].pk}
    assert owed_both_ways(a, absent_holder)[0] == set()
    assert owed_both_ways(a, outsider)[0] == set()

    factory.holder_joined(a, outsider)  # the non-member holder joins the session
    assert owed_both_ways(a, outsider) == ({entries[7].pk}, {entries[7].pk})

    CheckIn.objects.create(assembly=a, roll_entry=entries[8])  # the absent holder arrives
    assert owed_both_ways(a, absent_holder) == ({entries[8].pk, entries[6].pk}, {entries[8].pk, entries[6].pk})


def test_an_entry_of_another_assembly_is_never_owed():
    a = factory.in_session(members=3)
    b = factory.in_session(members=3)
    voter = a.roll.order_by("id").first().person
    other_entry = b.roll.order_by("id").first()
    assert proxies.owed_entry(a.pk, voter.pk, other_entry.pk) is None
