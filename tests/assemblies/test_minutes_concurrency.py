"""Two provincial officers register the same minutes at the same moment: one registers them, the
other is told they are no longer awaiting registration. Before, the second answered 500 ("deadlock
detected"): each locked the minutes, the assembly and the cooperative in one join. PostgreSQL only.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from taavon.accounts.models import Role
from taavon.assemblies.minutes import services as minutes
from taavon.assemblies.models import MinutesState
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_registrations_at_once_register_once_and_refuse_the_other_cleanly(sms):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: SQLite serialises every write anyway")
    story = factory.closed_story()
    m = minutes.draft_minutes(story.assembly)
    for person in (story.chair, story.secretary):
        user = helpers.user(Role.MEMBER, person=person, password=None)
        minutes.request_approval_code(actor=user, minutes=m)
        m = minutes.approve(actor=user, minutes=m, code=sms.last_code(person.mobile))
    coop = story.assembly.cooperative
    m = minutes.submit(actor=helpers.user(Role.OFFICER, cooperative=coop, password=None), minutes=m)
    officers = [helpers.user(Role.SUPERVISOR, province=coop.province, password=None) for _ in range(2)]

    results = helpers.at_once(*(lambda o=o: minutes.register(actor=o, minutes=m) for o in officers))

    registered = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(registered) == 1 and len(refused) == 1, results
    m.refresh_from_db()
    assert m.state == MinutesState.REGISTERED
