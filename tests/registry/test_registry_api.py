"""Programs working on the registry through /api/v1/cooperatives with a bearer token."""

import datetime
import functools

import pytest

from taavon import rules
from taavon.accounts.models import Role
from taavon.audit.models import AuditEvent
from taavon.core.persian import to_persian_digits
from taavon.registry.models import Cooperative, Membership, Position
from taavon.rules.models import ParameterValue
from tests import helpers

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cooperatives"

Api = functools.partial(helpers.Api, base=BASE)


@pytest.fixture
def home():
    return helpers.province("23")


@pytest.fixture
def coop(home):
    return helpers.cooperative(province=home, name="تعاونی فرش دستباف", legal_type="housing", activity="housing")


def test_a_supervisor_lists_their_province_filtered_and_paginated(client, home, coop):
    for n in range(3):
        helpers.cooperative(province=home, name=f"تعاونی فرش {n}", activity="industry")
    helpers.cooperative(province=helpers.other_province(home), name="تعاونی فرش دور")
    helpers.member(coop)
    api = Api(client, helpers.user(Role.SUPERVISOR, province=home))

    page = api.get("", q="فرش", limit=2).json()
    housing = api.get("", activity="housing").json()

    assert page["count"] == 4 and len(page["items"]) == 2
    assert housing["count"] == 1
    assert housing["items"][0] | {"id": 0} == {
        "id": 0, "name": "تعاونی فرش دستباف", "national_id": coop.national_id, "province": "23",
        "province_name": home.name_en, "activity": "housing", "sector": "distribution", "legal_type": "housing",
        "status": "active", "member_count": 1,
    }


def test_a_cooperative_is_read_with_its_compliance_checks(client, coop):
    api = Api(client, helpers.user(Role.ANALYST))

    body = api.get(f"/{coop.pk}").json()

    assert body["registration_date"] == "2020-05-01" and body["county"] == coop.county.code
    assert body["all_members_verified"] is False
    minimum = next(c for c in body["checks"] if c["title"] == "Minimum members")
    assert minimum["passed"] is False and minimum["citation"] == rules.parameter("members.limits_by_type").cite()


def test_a_supervisor_registers_a_cooperative_with_persian_digits_and_a_jalali_date(client, home):
    api = Api(client, helpers.user(Role.SUPERVISOR, province=home))
    national_id = helpers.legal_id()
    payload = {
        "name": "تعاونی مصرف کارکنان",
        "national_id": to_persian_digits(national_id),
        "registration_number": "۹۸۷",
        "registration_date": "۱۴۰۲/۰۶/۳۱",
        "province": "۲۳",
        "county": home.counties.first().code,
        "activity": "consumer",
        "membership_type": "restricted",
        "membership_group": "کارکنان اداره",
        "legal_type": "consumer",
        "authorised_capital": "۹٬۰۰۰٬۰۰۰",
        "paid_in_capital": 3_000_000,
    }

    created = api.post("", payload)

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["national_id"] == national_id and body["registration_date"] == "2023-09-22"
    assert body["authorised_capital"] == 9_000_000 and body["registration_number"] == "987"
    assert Cooperative.objects.filter(national_id=national_id, province=home).exists()

    again = api.post("", payload | {"paid_in_capital": 2_999_999, "national_id": helpers.legal_id()})
    assert again.status_code == 422
    assert rules.parameter("capital.paid_in_minimum_at_registration").cite() in helpers.field_errors(again)["paid_in_capital"][0]

    elsewhere = helpers.other_province(home)
    outside = api.post("", payload | {"national_id": helpers.legal_id(), "province": elsewhere.code,
                                      "county": elsewhere.counties.first().code})
    assert outside.status_code == 403


def test_bad_identifiers_and_dates_are_refused_with_field_messages(client, home):
    api = Api(client, helpers.user(Role.ADMINISTRATOR))
    response = api.post("", {
        "name": "x", "national_id": "12345678901", "registration_number": "1", "registration_date": "1402/13/01",
        "province": "23", "county": "x", "activity": "mining", "membership_type": "open", "legal_type": "trade",
        "authorised_capital": 3, "paid_in_capital": 1,
    })
    assert response.status_code == 422
    assert response.json()["detail"] == "The data is not valid."
    problems = helpers.field_errors(response)
    assert problems["national_id"] == ["Legal national ID is not valid."]
    assert "Enter a valid Jalali date" in problems["registration_date"][0]


def test_officers_edit_their_cooperative_but_not_its_province_and_analysts_not_at_all(client, home, coop):
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=coop))

    changed = officer.patch(f"/{coop.pk}", {"phone": "۰۲۱۸۸۷۷۶۶۵۵", "employees": "۱۲"})
    assert changed.status_code == 200 and changed.json()["employees"] == 12
    event = AuditEvent.objects.get(action="cooperative.update")
    assert ("employees", 0, 12) in event.changes() and ("phone", "", "02188776655") in event.changes()

    assert officer.patch(f"/{coop.pk}", {"province": "23"}).status_code == 403
    analyst = Api(client, helpers.user(Role.ANALYST))
    assert analyst.patch(f"/{coop.pk}", {"employees": 1}).status_code == 403
    assert analyst.patch(f"/{coop.pk}", {}).status_code == 403


def test_members_are_added_up_to_the_maximum_listed_updated_and_verified(client, home, coop):
    ParameterValue.objects.create(
        key="members.limits_by_type", value={"housing": [1, 2]}, effective_from=datetime.date(2000, 1, 1)
    )
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    first = officer.post(f"/{coop.pk}/members", {
        "national_code": to_persian_digits(helpers.national_code()), "first_name": "لیلا", "last_name": "مرادی",
        "joined_on": "۱۴۰۱/۰۱/۰۱", "shares_held": "۱۰٬۰۰۰", "mobile": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "gender": "f",
    })
    assert first.status_code == 201, first.content
    second = officer.post(f"/{coop.pk}/members", {
        "national_code": helpers.national_code(), "first_name": "کاوه", "last_name": "نادری", "joined_on": "2022-05-01",
    })
    assert second.status_code == 201

    third = officer.post(f"/{coop.pk}/members", {
        "national_code": helpers.national_code(), "first_name": "x", "last_name": "y", "joined_on": "1401/01/01",
    })
    assert third.status_code == 422
    assert rules.parameter("members.limits_by_type").cite() in helpers.field_errors(third)["__all__"][0]

    member_id = first.json()["id"]
    assert first.json()["joined_on"] == "2022-03-21" and first.json()["shares_held"] == 10_000
    found = officer.get(f"/{coop.pk}/members", q="مرادی").json()
    assert found["count"] == 1 and found["items"][0]["id"] == member_id
    updated = officer.patch(f"/{coop.pk}/members/{member_id}", {"shares_held": 20_000, "shares_paid": "۵۰۰۰"})
    assert updated.json()["shares_paid"] == 5_000

    assert officer.post(f"/{coop.pk}/verification-requests", {"all_unverified": True}).json()["requested"] == 2
    supervisor_user = helpers.user(Role.SUPERVISOR, province=home)
    supervisor, queue = Api(client, supervisor_user), helpers.Api(client, supervisor_user, base="/api/v1/verification-requests")
    for item in queue.get().json()["items"]:
        assert queue.post(f"/{item['id']}/verify").status_code == 200
    assert supervisor.get(f"/{coop.pk}/members/{member_id}").json()["verified_at"] is not None
    assert supervisor.get(f"/{coop.pk}").json()["all_members_verified"] is True
    assert Cooperative.objects.get(pk=coop.pk).member_count == 2


def test_shares_above_the_largest_holding_are_refused(client, coop):
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    too_much = coop.authorised_capital // 5 + 1

    response = officer.post(f"/{coop.pk}/members", {
        "national_code": helpers.national_code(), "first_name": "x", "last_name": "y", "joined_on": "1401/01/01",
        "shares_held": too_much,
    })

    assert response.status_code == 422
    assert rules.parameter("capital.max_member_share").cite() in helpers.field_errors(response)["shares_held"][0]
    assert not Membership.objects.filter(cooperative=coop).exists()


def test_positions_are_added_listed_and_ended_and_an_eighth_board_member_is_refused(client, coop):
    people = [helpers.member(coop).person for _ in range(8)]
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    roles = ["chair", "vice_chair", "secretary"] + ["board_member"] * 4
    for person, role in zip(people, roles, strict=False):
        added = officer.post(f"/{coop.pk}/positions", {
            "role": role, "national_code": person.national_code, "term_start": "1403/05/01",
        })
        assert added.status_code == 201, added.content
    assert added.json()["term_end"] == "2027-07-23"

    eighth = officer.post(f"/{coop.pk}/positions", {
        "role": "board_member", "national_code": people[7].national_code, "term_start": "1403/05/01",
    })
    assert eighth.status_code == 422
    assert rules.parameter("board.size_max").cite() in helpers.field_errors(eighth)["role"][0]

    chair = Position.objects.get(cooperative=coop, role="chair")
    ended = officer.post(f"/{coop.pk}/positions/{chair.pk}/end", {"ended_on": "1403/06/01"})
    assert ended.json()["ended_on"] == "2024-08-22"
    assert len(officer.get(f"/{coop.pk}/positions", current="true").json()) == 6
    assert len(officer.get(f"/{coop.pk}/positions").json()) == 7


def test_status_changes_are_listed_newest_first(client, home, coop):
    supervisor = Api(client, helpers.user(Role.SUPERVISOR, province=home))

    assert supervisor.post(f"/{coop.pk}/status", {
        "status": "inactive", "effective_on": "1402/01/10", "reason": "توقف"}).status_code == 201
    assert supervisor.post(f"/{coop.pk}/status", {
        "status": "liquidation", "effective_on": "1403/01/10", "reason": "تصفیه"}).status_code == 201
    history = supervisor.get(f"/{coop.pk}/status").json()

    assert [h["status"] for h in history] == ["liquidation", "inactive"]
    assert supervisor.get(f"/{coop.pk}").json()["status"] == "liquidation"
    officer = Api(client, helpers.user(Role.OFFICER, cooperative=coop))
    assert officer.post(f"/{coop.pk}/status", {"status": "active", "effective_on": "1403/02/01", "reason": "x"}
                        ).status_code == 403


def test_a_supervisor_of_another_province_gets_not_found_everywhere(client, home, coop):
    membership = helpers.member(coop)
    position = Position.objects.create(
        cooperative=coop, person=membership.person, role="chair", term_start="2024-01-01", term_end="2027-01-01"
    )
    api = Api(client, helpers.user(Role.SUPERVISOR, province=helpers.other_province(home)))

    for path in ["", "/status", "/members", f"/members/{membership.pk}", "/positions"]:
        assert api.get(f"/{coop.pk}{path}").status_code == 404, path
    assert api.patch(f"/{coop.pk}", {"employees": 1}).status_code == 404
    for path in ["/status", "/members", "/positions",
                 f"/positions/{position.pk}/end"]:
        assert api.post(f"/{coop.pk}{path}").status_code == 404, path
    assert api.get("").json()["count"] == 0


def test_no_token_no_answer(client, coop):
    assert client.get(f"{BASE}/{coop.pk}").status_code == 401
    assert client.get(BASE, HTTP_AUTHORIZATION="Bearer tvn_not-a-token").status_code == 401
    member = Api(client, helpers.user(Role.MEMBER))
    assert member.get("").status_code == 403
