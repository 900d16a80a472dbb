"""Bad input gets a clear 4xx in the one error shape, never a 500 from the database.

Each of these answered 500 on PostgreSQL: a NUL character in any text (the database refuses to
store or compare one), an offset or page past a 64-bit OFFSET, a membership number longer than
its column.
"""

import pytest

from taavon.accounts.models import Role
from taavon.registry.models import Membership
from tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_api(client):
    coop = helpers.cooperative()
    api = helpers.Api(client, helpers.user(Role.OFFICER, cooperative=coop, password=None), base="/api/v1")
    api.coop = coop
    return api


def test_a_nul_character_in_a_search_is_refused_with_a_clear_message(client, en):
    answer = client.get("/api/v1/public/search", {"q": "a\x00b"}, HTTP_COOKIE="taavon_language=en")
    assert answer.status_code == 422
    assert "not allowed (NUL)" in helpers.field_errors(answer)["q"][0]
    page = en.get("/register/", {"q": "a\x00b"})
    assert page.status_code == 400 and "not allowed (NUL)" in page.content.decode()


def test_a_nul_character_in_an_api_body_or_filter_is_refused(officer_api):
    assert officer_api.get("/cooperatives", q="a\x00b").status_code == 422
    answer = officer_api.post("/accounts/tokens", {"name": "a\x00b"})
    assert answer.status_code == 422 and answer.json()["detail"] == "The data is not valid."


def test_an_offset_or_page_past_any_list_is_refused_not_overflowed(client, officer_api):
    assert officer_api.get("/cooperatives", offset="99999999999999999999").status_code == 422
    assert officer_api.get(f"/cooperatives/{officer_api.coop.pk}/members", offset="99999999999999999999").status_code == 422
    assert client.get("/api/v1/public/search", {"q": "تعاونی", "page": "99999999999999999999"}).status_code == 422


def test_a_membership_number_longer_than_its_column_is_a_field_error_and_nothing_is_written(officer_api):
    answer = officer_api.post(
        f"/cooperatives/{officer_api.coop.pk}/members",
        {"national_code": helpers.national_code(), "first_name": "مریم", "last_name": "کاظمی",
         "joined_on": "1403/01/01", "membership_number": "9" * 200},
    )
    assert answer.status_code == 422
    assert "at most" in helpers.field_errors(answer)["membership_number"][0]
    assert not Membership.objects.filter(cooperative=officer_api.coop).exists()
