"""Who reaches which cooperative: the table in taavon/accounts/scoping.py, role by role."""

import pytest

from taavon.accounts.models import Role
from taavon.accounts.scoping import Action, can, scope
from taavon.audit.models import AuditEvent
from taavon.audit.services import record
from taavon.registry.models import Cooperative, Membership
from tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_provinces():
    here = helpers.province("23")
    there = helpers.other_province(here)
    mine = helpers.cooperative(province=here)
    neighbour = helpers.cooperative(province=here)
    far = helpers.cooperative(province=there)
    return here, mine, neighbour, far


def visible(user, action=Action.VIEW):
    return set(scope(Cooperative.objects.all(), user, action))


def test_an_officer_reaches_only_their_own_cooperative(two_provinces):
    _, mine, neighbour, far = two_provinces
    officer = helpers.user(Role.OFFICER, cooperative=mine)

    assert visible(officer) == {mine}
    assert visible(officer, Action.MANAGE) == {mine}
    assert visible(officer, Action.SUPERVISE) == set()


def test_a_supervisor_reaches_their_province_and_nothing_beyond(two_provinces):
    here, mine, neighbour, far = two_provinces
    supervisor = helpers.user(Role.SUPERVISOR, province=here)

    assert visible(supervisor, Action.SUPERVISE) == {mine, neighbour}
    assert not can(supervisor, Action.VIEW, far)
    assert not can(supervisor, Action.MANAGE, mine)


def test_an_analyst_sees_everything_and_changes_nothing(two_provinces):
    _, mine, neighbour, far = two_provinces
    analyst = helpers.user(Role.ANALYST)

    assert visible(analyst) == {mine, neighbour, far}
    assert visible(analyst, Action.MANAGE) == set()


def test_members_bank_officers_and_strangers_see_no_private_data(two_provinces, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    for user in (helpers.user(Role.MEMBER), helpers.user(Role.BANK_OFFICER, bank_code="022"), AnonymousUser()):
        assert visible(user) == set()


def test_scope_follows_the_cooperative_of_related_rows(two_provinces):
    here, mine, neighbour, far = two_provinces
    helpers.member(mine)
    helpers.member(far)
    record(None, "cooperative.update", far)
    supervisor = helpers.user(Role.SUPERVISOR, province=here)

    assert {m.cooperative for m in scope(Membership.objects.all(), supervisor)} == {mine}
    assert not scope(AuditEvent.objects.filter(cooperative=far), supervisor).exists()


def test_an_inactive_user_reaches_nothing(two_provinces):
    _, mine, _, _ = two_provinces
    officer = helpers.user(Role.OFFICER, cooperative=mine, is_active=False)
    assert visible(officer) == set()


def test_reaching_an_assembly_reading_taking_part_and_running(two_provinces):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from taavon.assemblies.reach import assembly_for
    from tests.assemblies import factory

    here, mine, _, far = two_provinces
    meeting = factory.freeze_roll(factory.assembly(mine, members=3))
    voter = helpers.user(Role.MEMBER, person=meeting.roll.first().person)
    analyst = helpers.user(Role.ANALYST)
    officer = helpers.user(Role.OFFICER, cooperative=mine)
    outsider = helpers.user(Role.SUPERVISOR, province=far.province)

    assert assembly_for(voter, meeting.pk, Action.TAKE_PART) == meeting
    assert assembly_for(analyst, meeting.pk) == meeting
    with pytest.raises(PermissionDenied):
        assembly_for(analyst, meeting.pk, Action.TAKE_PART)
    with pytest.raises(PermissionDenied):
        assembly_for(voter, meeting.pk, Action.RUN)
    assert assembly_for(officer, meeting.pk, Action.RUN) == meeting
    with pytest.raises(Http404):
        assembly_for(outsider, meeting.pk)


def test_a_malformed_id_names_no_object_and_is_a_404_not_a_500(two_provinces):
    from django.http import Http404

    from taavon.accounts.scoping import get_or_404

    officer = helpers.user(Role.ANALYST)
    for bad in ("null", "1.5", ""):
        with pytest.raises(Http404):
            get_or_404(officer, Cooperative, Action.VIEW, pk=bad)
