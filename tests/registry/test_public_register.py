"""Anyone, without logging in, finds a cooperative in the public register and reads its public page."""

import datetime

import pytest
from django.urls import reverse

from taavon.core.persian import to_persian_digits
from taavon.registry.models import Position, StatusChange
from taavon.registry.public import selectors as public
from tests import helpers

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"
SEARCH = reverse("register:search")


def names(queryset) -> list[str]:
    return [c.name for c in queryset]


def found(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------- search


def test_every_spelling_of_an_affix_finds_the_same_cooperatives():
    joined = helpers.cooperative(name=f"تعاونی{ZWNJ}ها و شرکا")
    spaced = helpers.cooperative(name="اتحادیه تعاونی ها")
    helpers.cooperative(name="شرکت تعاونی آب")

    for query in ("تعاونیها", f"تعاونی{ZWNJ}ها", "تعاونی ها"):
        assert set(names(public.search_cooperatives(q=query))) == {joined.name, spaced.name}, query


def test_arabic_letters_find_persian_names(client):
    coop = helpers.cooperative(name="تعاونی کشاورزی یکتا")

    assert names(public.search_cooperatives(q="كشاورزي يكتا")) == [coop.name]
    assert coop.name in found(client, q="تعاوني كشاورزي")


def test_a_national_id_in_persian_digits_finds_its_cooperative(client):
    coop = helpers.cooperative(name="تعاونی مرزنشینان")
    helpers.cooperative(name="تعاونی دیگر")

    assert names(public.search_cooperatives(q=to_persian_digits(coop.national_id))) == [coop.name]
    page = found(client, q=to_persian_digits(coop.national_id))
    assert coop.name in page and "تعاونی دیگر" not in page


def test_exact_names_come_before_prefixes_before_names_that_merely_contain_the_words():
    contains = helpers.cooperative(name="اتحادیه تعاونی فرش دستباف")
    prefix_b = helpers.cooperative(name="تعاونی فرش دستباف یزد")
    exact = helpers.cooperative(name="تعاونی فرش دستباف")
    prefix_a = helpers.cooperative(name="تعاونی فرش دستباف اصفهان")
    scattered = helpers.cooperative(name="تعاونی دستباف و فرش")

    ranked = names(public.search_cooperatives(q="تعاوني فرش دستباف"))

    assert ranked == [exact.name, prefix_a.name, prefix_b.name, contains.name, scattered.name]


def test_filters_by_province_activity_and_status(client):
    tehran = helpers.cooperative(name="تعاونی صنعتی البرز", activity="industry")
    elsewhere = helpers.cooperative(name="تعاونی صنعتی کویر", province=helpers.other_province(tehran.province))
    farm = helpers.cooperative(name="تعاونی کشاورزی البرز", activity="agriculture")
    closed = helpers.cooperative(name="تعاونی صنعتی قدیم", status="dissolved")

    assert set(names(public.search_cooperatives(q="تعاونی", province=tehran.province.code))) == {
        tehran.name, farm.name, closed.name,
    }
    assert names(public.search_cooperatives(activity="agriculture")) == [farm.name]
    assert names(public.search_cooperatives(q="صنعتی", status="dissolved")) == [closed.name]
    page = found(client, q="صنعتی", province=elsewhere.province.code)
    assert elsewhere.name in page and tehran.name not in page
    assert tehran.name in found(client, q="صنعتی", status="not-a-status")  # a bad filter is dropped


def test_typing_in_the_box_updates_only_the_results(en):
    helpers.cooperative(name="تعاونی مسکن فرهنگیان")

    full = en.get(SEARCH, {"q": "مسکن"}).content.decode()
    partial = en.get(SEARCH, {"q": "مسکن"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" in full and 'hx-trigger="input changed delay:300ms, keyup changed delay:300ms, search"' in full
    assert "<html" not in partial and 'id="results"' in partial and "تعاونی مسکن فرهنگیان" in partial
    assert "1 cooperative found" in partial
    assert "No cooperative matches" in en.get(SEARCH, {"q": "ناموجود"}, HTTP_HX_REQUEST="true").content.decode()


def test_results_are_paginated(en):
    for i in range(25):
        helpers.cooperative(name=f"تعاونی خدماتی شماره {i:02d}")

    first = en.get(SEARCH, {"q": "خدماتی"}).content.decode()
    second = en.get(SEARCH, {"q": "خدماتی", "page": 2}).content.decode()

    assert "25 cooperatives found" in first and first.count("data-national-id=") == 20
    assert second.count("data-national-id=") == 5 and "q=%D8%AE" in second  # page links keep the query


# --------------------------------------------------------------------------- public page


@pytest.fixture
def governed():
    coop = helpers.cooperative(
        name="تعاونی فناوران پارس",
        knowledge_based_certificate="KB-1402-77",
        knowledge_based_expires_on=datetime.date(2099, 1, 1),
        brands=["پارس‌نو", "فناوران"],
        registration_date=datetime.date(2020, 5, 1),
    )
    chair = helpers.person(first_name="مهسا", last_name="تهرانی", mobile="09123334455")
    director = helpers.person(first_name="کامران", last_name="شریفی", mobile="09124445566")
    former = helpers.person(first_name="بابک", last_name="قدیمی")
    start, end = datetime.date(2023, 1, 1), datetime.date(2026, 1, 1)
    Position.objects.create(cooperative=coop, person=chair, role="chair", term_start=start, term_end=end)
    Position.objects.create(cooperative=coop, person=director, role="managing_director", term_start=start, term_end=end)
    Position.objects.create(
        cooperative=coop, person=former, role="board_member", term_start=start, term_end=end, ended_on=datetime.date(2024, 1, 1)
    )
    StatusChange.objects.create(cooperative=coop, status="inactive", effective_on=datetime.date(2023, 3, 1), reason="private")
    StatusChange.objects.create(cooperative=coop, status="active", effective_on=datetime.date(2023, 9, 1))
    return coop, [chair, director]


def test_the_public_page_shows_the_board_by_name_and_role_but_no_personal_details(en, governed):
    coop, people = governed

    response = en.get(reverse("register:detail", args=[coop.national_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "تعاونی فناوران پارس" in html and coop.national_id in html
    assert "مهسا تهرانی" in html and "Chair of the board" in html
    assert "کامران شریفی" in html and "Managing director" in html
    assert "بابک قدیمی" not in html  # no longer in office
    for person in people:
        assert person.national_code not in html and person.mobile not in html
    assert "No assembly recorded" in html and "No filings recorded" in html
    assert "Knowledge-based" in html and "KB-1402-77" in html and "پارس‌نو" in html
    assert "1399/02/12" in html or "12 Ordibehesht 1399" in html  # registration date, Jalali
    assert "10 Shahrivar 1402" in html and "10 Esfand 1401" in html  # dated status history
    assert "private" not in html


def test_the_public_page_is_found_by_a_national_id_in_persian_digits(client, governed):
    coop, _ = governed
    assert client.get(reverse("register:detail", args=[to_persian_digits(coop.national_id)])).status_code == 200
    assert client.get(reverse("register:detail", args=["12345678901"])).status_code == 404
    assert client.get(reverse("register:detail", args=["not-an-id"])).status_code == 404


def test_the_public_profile_hands_out_no_person_objects(governed, english):
    coop, people = governed
    profile = public.public_profile(coop.national_id)
    assert profile.board == [
        {"name": "مهسا تهرانی", "role": "chair", "role_label": "Chair of the board", "body": "board",
         "body_label": "Board of directors"},
        {"name": "کامران شریفی", "role": "managing_director", "role_label": "Managing director",
         "body": "management", "body_label": "Management"},
    ]
    assert profile.last_assembly_date is None and profile.filings_on_time is None
    assert [s["status"] for s in profile.status_history] == ["active", "inactive"]
    assert public.public_profile("00000000000") is None


# --------------------------------------------------------------------------- rate limit


def test_an_address_that_asks_too_often_gets_429(client, still_ratelimit_clock):
    helpers.cooperative(name="تعاونی پرجستجو")
    statuses = [client.get(SEARCH, {"q": "پرجستجو"}, REMOTE_ADDR="10.1.2.3").status_code for _ in range(61)]

    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert client.get(SEARCH, {"q": "پرجستجو"}, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_a_search_matching_more_than_the_cap_says_so_instead_of_counting_everything(en, monkeypatch):
    monkeypatch.setattr(public.RankedResults, "COUNT_CAP", 3)
    for n in range(5):
        helpers.cooperative(name=f"تعاونی مصرف کارکنان {n}")

    results = public.search_cooperatives(q="تعاونی مصرف")
    assert results.count() == 3 and results.count_is_capped
    assert len(results[0:2]) == 2

    page = en.get("/register/", {"q": "تعاونی مصرف"}).content.decode()
    assert "More than" in page
