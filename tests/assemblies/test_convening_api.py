"""Programs convening assemblies through /api/v1/assemblies with a bearer token."""

import datetime
import functools

import pytest
from django.utils import timezone

from taavon import rules
from taavon.accounts.models import Role
from taavon.assemblies.models import Assembly
from taavon.core.jalali import format_jalali
from taavon.notifications.models import OutboundMessage
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


BASE = "/api/v1/assemblies"

Api = functools.partial(helpers.Api, base=BASE)


@pytest.fixture
def coop():
    coop = helpers.cooperative()
    for _ in range(7):
        helpers.member(coop, verified_at=timezone.now())
    return coop


def payload(days=25, **extra):
    day = timezone.localdate() + datetime.timedelta(days=days)
    data = {
        "kind": "called_ordinary",
        "mode": "electronic",
        "title": "مجمع عمومی عادی",
        "starts_at": f"{format_jalali(day, persian_digits=True)} ۱۰:۰۰",
        "ends_at": f"{format_jalali(day)} 12:30",
        "location": "سالن",
        "agenda": [
            {"title": "تصویب بودجه", "kind": "motion", "matter": "budget"},
            {"title": "انتخاب بازرسان", "kind": "election", "matter": "inspector_election"},
        ],
    }
    data.update(extra)
    return data


def test_a_program_convenes_checks_publishes_and_follows_the_notice(client, coop, django_capture_on_commit_callbacks):
    api = Api(client, helpers.user(Role.OFFICER, cooperative=coop))

    created = api.post(f"/cooperative/{coop.pk}", payload())
    assert created.status_code == 201, created.content
    body = created.json()
    assembly_id = body["id"]
    assert body["state"] == "draft" and body["call_number"] == 1
    assert timezone.localtime(datetime.datetime.fromisoformat(body["starts_at"])).hour == 10
    assert [(i["title"], i["seats"], i["alternates"]) for i in body["items"]] == [("تصویب بودجه", 0, 0), ("انتخاب بازرسان", 1, 1)]
    assert [a["id"] for a in api.get(f"/cooperative/{coop.pk}").json()] == [assembly_id]

    findings = api.get(f"/{assembly_id}/findings").json()
    window = next(f for f in findings if f["key"] == "assembly.notice_days_with_elections")
    assert window["ok"] and window["citation"] == rules.parameter("assembly.notice_days_with_elections").cite()

    changed = api.patch(f"/{assembly_id}", {"agenda": [{"title": "تصویب بودجه", "kind": "motion", "matter": "budget"}]})
    assert changed.status_code == 200 and len(changed.json()["items"]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        published = api.post(f"/{assembly_id}/publish", {})
    assert published.status_code == 200, published.content
    assert published.json()["state"] == "noticed" and published.json()["roll_size"] == 7
    assert published.json()["rules"]["assembly.notice_days"] == [10, 40]

    progress = api.get(f"/{assembly_id}/notice-progress").json()
    assert progress["done"] == progress["total"] == 7 and progress["sms_sent"] == 7 and progress["complete"]
    assert OutboundMessage.objects.filter(topic=f"assembly:{assembly_id}:notice").count() == 7

    late = api.patch(f"/{assembly_id}", {"title": "دیر"})
    assert late.status_code == 409 and "can no longer be changed" in str(late.json())
    again = api.post(f"/{assembly_id}/publish", {})
    assert again.status_code == 409  # already published: the state refuses


def test_a_refused_notice_answers_422_with_the_rule_and_writes_nothing(client, coop):
    helpers.member(coop)  # unverified: no electronic assembly
    api = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    assembly_id = api.post(f"/cooperative/{coop.pk}", payload()).json()["id"]
    response = api.post(f"/{assembly_id}/publish", {})
    assert response.status_code == 422
    assert rules.parameter("assembly.electronic_requires_all_verified").cite() in str(response.json())
    assert Assembly.objects.get(pk=assembly_id).roll.count() == 0

    bad = api.post(f"/cooperative/{coop.pk}", payload(starts_at="فردا"))
    assert bad.status_code == 422


def test_the_second_call_through_the_api(client, coop):
    api = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    first = factory.freeze_roll(factory.assembly(coop))
    factory.motion(first)
    day = timezone.localdate() + datetime.timedelta(days=21)
    times = {"starts_at": f"{day.isoformat()}T09:00:00", "ends_at": f"{day.isoformat()}T11:00:00"}
    assert api.post(f"/{first.pk}/second-call", times).status_code == 409  # not adjourned for want of quorum
    Assembly.objects.filter(pk=first.pk).update(state="no_quorum")
    response = api.post(f"/{first.pk}/second-call", times)
    assert response.status_code == 201
    body = response.json()
    assert body["call_number"] == 2 and body["first_call_id"] == first.pk and len(body["items"]) == 1
    assert api.get(f"/{first.pk}").json()["second_call_id"] == body["id"]


def test_members_read_their_assemblies_and_outsiders_are_refused(client, coop):
    assembly = factory.freeze_roll(factory.assembly(coop))
    membership = coop.memberships.first()
    member = helpers.user(Role.MEMBER, national_code=membership.person.national_code, person=membership.person)
    as_member = Api(client, member)
    assert [a["id"] for a in as_member.get("/mine").json()] == [assembly.pk]
    assert as_member.get(f"/{assembly.pk}").status_code == 200
    assert as_member.get(f"/{assembly.pk}/findings").status_code == 403
    assert as_member.post(f"/{assembly.pk}/publish", {}).status_code == 403
    assert as_member.post(f"/cooperative/{coop.pk}", payload()).status_code == 403

    outsider = Api(client, helpers.user(Role.SUPERVISOR, province=helpers.other_province(coop.province)))
    assert outsider.get(f"/{assembly.pk}").status_code == 404
    assert outsider.post(f"/cooperative/{coop.pk}", payload(reason="ministry")).status_code == 404
    assert outsider.patch(f"/{assembly.pk}", {"title": "x"}).status_code == 404

    analyst = Api(client, helpers.user(Role.ANALYST))
    assert analyst.get(f"/{assembly.pk}/findings").status_code == 200
    assert analyst.post(f"/cooperative/{coop.pk}", payload()).status_code == 403
    assert analyst.post(f"/{assembly.pk}/second-call", {}).status_code == 403

    assert Api(client).get(f"/{assembly.pk}").status_code == 401
    assert Assembly.objects.count() == 1


def test_a_time_zone_offset_no_place_has_is_refused_with_a_clear_message(client, coop):
    """`-23:00` answered 500 on PostgreSQL (displacement out of range); now a field error."""
    api = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    day = timezone.localdate() + datetime.timedelta(days=25)
    answer = api.post(f"/cooperative/{coop.pk}", payload(starts_at=f"{day.isoformat()}T09:20:28-23:00"))

    assert answer.status_code == 422
    assert "time-zone offset" in str(answer.json())
    assert not Assembly.objects.filter(cooperative=coop).exists()
