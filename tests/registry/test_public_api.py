"""The public register over the API: ``/api/v1/public``, no token, throttled per address."""

import datetime

import pytest

from taavon.core.persian import to_persian_digits
from taavon.registry.models import Position
from tests import helpers

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/public/search"


def test_search_is_ranked_paginated_and_needs_no_token(client):
    helpers.cooperative(name="اتحادیه تعاونی نان")
    exact = helpers.cooperative(name="تعاونی نان")
    for i in range(22):
        helpers.cooperative(name=f"تعاونی نان شماره {i:02d}")

    response = client.get(SEARCH, {"q": "تعاوني نان"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 24 and len(body["items"]) == 20
    first = body["items"][0]
    assert first["name"] == exact.name and first["national_id"] == exact.national_id
    assert first["url"] == f"/register/{exact.national_id}/" and first["registration_date_jalali"] == "1399/02/12"
    assert "اتحادیه تعاونی نان" in [c["name"] for c in client.get(SEARCH, {"q": "تعاوني نان", "page": 2}).json()["items"]]


def test_search_by_national_id_and_filters(client):
    coop = helpers.cooperative(name="تعاونی معدنی", activity="mining")
    helpers.cooperative(name="تعاونی معدنی دوم", status="dissolved", activity="mining")

    by_id = client.get(SEARCH, {"q": to_persian_digits(coop.national_id)}).json()
    assert [c["national_id"] for c in by_id["items"]] == [coop.national_id]
    active = client.get(SEARCH, {"activity": "mining", "status": "active", "province": coop.province.code}).json()
    assert [c["name"] for c in active["items"]] == [coop.name]
    assert client.get(SEARCH, {"status": "sleeping"}).status_code == 422


def test_a_profile_names_the_board_without_personal_details(client):
    coop = helpers.cooperative(name="تعاونی شفاف")
    chair = helpers.person(first_name="نسرین", last_name="اکبری", mobile="09129998877")
    Position.objects.create(
        cooperative=coop, person=chair, role="chair", term_start=datetime.date(2024, 1, 1), term_end=datetime.date(2027, 1, 1)
    )

    response = client.get(f"/api/v1/public/cooperatives/{to_persian_digits(coop.national_id)}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "تعاونی شفاف" and body["board"][0]["name"] == "نسرین اکبری"
    assert body["last_assembly_date"] is None and body["filings_on_time"] is None
    assert chair.national_code not in response.content.decode() and chair.mobile not in response.content.decode()
    assert client.get("/api/v1/public/cooperatives/12345678901").status_code == 404


def test_the_api_throttles_an_address_that_asks_too_often(client):
    statuses = [client.get(SEARCH, {"q": "x"}, REMOTE_ADDR="10.7.7.7").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert client.get(SEARCH, REMOTE_ADDR="10.8.8.8").status_code == 200
