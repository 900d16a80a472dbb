"""Programs working with the minutes through /api/v1/assemblies/<id>/minutes with bearer tokens."""

import re

import pytest

from taavon.accounts.models import Role
from taavon.assemblies.minutes import services as minutes
from taavon.registry.models import Position
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db



def Api(client, user, assembly):  # noqa: N802 - reads as the class it stands for
    return helpers.Api(client, user, base=f"/api/v1/assemblies/{assembly.pk}/minutes")



@pytest.fixture
def story():
    s = factory.closed_story()
    minutes.draft_minutes(s.assembly)
    s.coop = s.assembly.cooperative
    s.chair_user = helpers.user(Role.MEMBER, person=s.chair)
    s.secretary_user = helpers.user(Role.MEMBER, person=s.secretary)
    return s


def test_the_minutes_are_read_as_json_by_officials_and_the_presiding_board(client, story):
    body = Api(client, helpers.user(Role.OFFICER, cooperative=story.coop), story.assembly).get().json()

    assert body["state"] == "draft" and body["assembly_id"] == story.assembly.pk
    assert body["content"]["opening"]["present"] == 5
    assert [i["kind"] for i in body["content"]["items"]] == ["motion", "election"]
    assert [(a["role"], a["approved_at"]) for a in body["approvals"]] == [("chair", None), ("secretary", None)]
    assert body["decisions"]["days"] == 15 and body["decisions"]["notified_at"] is None
    assert Api(client, story.chair_user, story.assembly).get().status_code == 200


def test_reach_anonymous_401_strangers_404_members_wait_for_approval(client, story):
    assert client.get(f"/api/v1/assemblies/{story.assembly.pk}/minutes").status_code == 401
    stranger = helpers.user(Role.OFFICER, cooperative=helpers.cooperative())
    assert Api(client, stranger, story.assembly).get().status_code == 404
    other = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    member = Api(client, helpers.user(Role.MEMBER, person=other), story.assembly)
    assert member.get().status_code == 404  # a draft is not theirs to read yet
    assert member.post("/approval-code").status_code == 404


def test_the_presiding_board_approves_with_codes(client, story, sms, settings):
    settings.TAAVON_DEMO = False
    chair = Api(client, story.chair_user, story.assembly)

    sent = chair.post("/approval-code").json()
    assert sent["sent"] is True and sent["demo_code"] is None
    right = sms.last_code(story.chair.mobile)
    wrong = chair.post("/approve", {"code": "000000" if right != "000000" else "111111"})
    assert wrong.status_code == 422 and "The code is not correct." in helpers.field_errors(wrong)["__all__"][0]
    assert chair.post("/approve", {"code": right}).json()["state"] == "draft"

    secretary = Api(client, story.secretary_user, story.assembly)
    secretary.post("/approval-code")
    body = secretary.post("/approve", {"code": sms.last_code(story.secretary.mobile)}).json()

    assert body["state"] == "approved" and all(a["approved_at"] for a in body["approvals"])
    other = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    assert (
        Api(client, helpers.user(Role.MEMBER, person=other), story.assembly).post("/approval-code").status_code == 403
    )


def test_demo_mode_returns_the_code(client, story, settings):
    settings.TAAVON_DEMO = True

    sent = Api(client, story.chair_user, story.assembly).post("/approval-code").json()

    assert re.fullmatch(r"[0-9]{6}", sent["demo_code"])


def approve(client, story, sms):
    for user, person in ((story.chair_user, story.chair), (story.secretary_user, story.secretary)):
        api = Api(client, user, story.assembly)
        api.post("/approval-code")
        api.post("/approve", {"code": sms.last_code(person.mobile)})


def test_submit_register_return_and_notify(client, story, sms, django_capture_on_commit_callbacks):
    approve(client, story, sms)
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=story.coop), story.assembly)
    supervisor = Api(client, helpers.user(Role.SUPERVISOR, province=story.coop.province), story.assembly)
    elsewhere = Api(
        client, helpers.user(Role.SUPERVISOR, province=helpers.other_province(story.coop.province)), story.assembly
    )

    assert supervisor.post("/submit").status_code == 403
    assert officer.post("/submit", {"note": ""}).json()["state"] == "submitted"
    assert officer.post("/register").status_code == 403
    assert elsewhere.post("/register").status_code == 404
    refused = supervisor.post("/return", {"reason": " "})
    assert refused.status_code == 422 and "reason" in helpers.field_errors(refused)
    assert supervisor.post("/return", {"reason": "Missing signature"}).json()["return_reason"] == "Missing signature"
    assert officer.post("/submit", {"note": ""}).status_code == 422
    assert officer.post("/submit", {"note": "Signed"}).json()["state"] == "submitted"
    assert supervisor.post("/register").json()["state"] == "registered"
    assert Position.objects.filter(cooperative=story.coop, role="board_member", ended_on__isnull=True).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        notified = officer.post("/notify-decisions").json()
    assert notified["decisions_notified_at"] and notified["decisions"]["met"] is True
    assert officer.get().json()["decisions"]["sms"]["sent"] == 7

    pdf = officer.get(".pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_drafting_through_the_api_is_for_those_who_run_the_assembly(client, story):
    assert Api(client, story.chair_user, story.assembly).post("/draft").json()["state"] == "draft"
    assert Api(client, helpers.user(Role.ANALYST), story.assembly).post("/draft").status_code == 403
