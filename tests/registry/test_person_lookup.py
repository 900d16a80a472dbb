"""An official checks a national code: the person's memberships, but only in the cooperatives the
official may see — an officer their own, a supervisor their province's, the ministry all. Nothing
tells an official about memberships outside their reach, not even that the person exists."""

import pytest

from taavon.accounts.models import ApiToken, Role
from taavon.core.persian import to_persian_digits
from tests import helpers

pytestmark = pytest.mark.django_db

PAGE = "/cooperatives/people/"
API = "/api/v1/people/memberships"


@pytest.fixture
def two_provinces():
    """One person, a member of a cooperative in Tehran and of one in another province."""
    tehran = helpers.province("23")
    elsewhere = helpers.other_province(tehran)
    person = helpers.person(first_name="زهرا", last_name="کاظمی")
    home = helpers.cooperative(province=tehran, name="تعاونی مصرف کارکنان آزمایش")
    away = helpers.cooperative(province=elsewhere, name="تعاونی تولیدی دوردست")
    helpers.member(home, person, membership_number="17")
    helpers.member(away, person, status="left")
    return person, home, away, tehran


def looked_up(client, user, code):
    client.force_login(user)
    return client.get(PAGE, {"national_code": code})


def test_a_supervisor_sees_the_memberships_in_their_province_only(client, two_provinces):
    person, home, away, tehran = two_provinces
    supervisor = helpers.user(Role.SUPERVISOR, province=tehran)

    page = looked_up(client, supervisor, to_persian_digits(person.national_code)).content.decode()

    assert "زهرا کاظمی" in page and home.name in page
    assert away.name not in page


def test_the_ministry_sees_every_membership(client, two_provinces):
    person, home, away, _ = two_provinces
    page = looked_up(client, helpers.user(Role.ANALYST), person.national_code).content.decode()
    assert home.name in page and away.name in page


def test_an_officer_of_another_cooperative_learns_nothing_about_the_person(client, two_provinces):
    person, home, away, tehran = two_provinces
    officer = helpers.user(Role.OFFICER, cooperative=helpers.cooperative(province=tehran))

    page = looked_up(client, officer, person.national_code).content.decode()

    assert "زهرا کاظمی" not in page and home.name not in page and away.name not in page
    assert 'data-testid="no-membership"' in page


def test_a_malformed_code_is_refused_with_the_reason(client, en, two_provinces):
    en.force_login(helpers.user(Role.ANALYST))
    response = en.get(PAGE, {"national_code": "1234"})
    assert response.status_code == 422
    assert "national code" in response.content.decode().lower()


def test_members_and_the_public_cannot_look_people_up(client, two_provinces):
    person, *_ = two_provinces
    assert client.get(PAGE, {"national_code": person.national_code}).status_code == 302  # to the login page
    assert looked_up(client, helpers.user(Role.MEMBER), person.national_code).status_code == 403


def test_the_api_answers_the_same_for_a_machine_client(client, two_provinces):
    person, home, away, tehran = two_provinces
    _, token = ApiToken.issue(helpers.user(Role.SUPERVISOR, province=tehran), "lookup")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    answer = client.get(API, {"national_code": to_persian_digits(person.national_code)}, **auth).json()

    assert answer["name"] == "زهرا کاظمی"
    assert [m["cooperative_name"] for m in answer["memberships"]] == [home.name]
    assert answer["memberships"][0]["membership_number"] == "17"
    assert client.get(API, {"national_code": "1234"}, **auth).status_code == 422

    nobody = client.get(API, {"national_code": helpers.national_code()}, **auth).json()
    assert nobody == {"national_code": nobody["national_code"], "name": "", "memberships": []}
    _, member_token = ApiToken.issue(helpers.user(Role.MEMBER), "member")
    assert client.get(API, {"national_code": person.national_code}, HTTP_AUTHORIZATION=f"Bearer {member_token}").status_code == 403
