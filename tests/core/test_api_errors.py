"""What the schema fuzzer (test_schema_fuzz.py) found, each kept as the story of one client.

A path id past 64 bits answered 500 on SQLite (the lookup overflowed); a path id that is not a
number answered the HTML error page; input pydantic refused came back in a second error shape
(a list of pydantic errors); and no operation documented its error answers.
"""

import pytest

from taavon.accounts.models import Role
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    coop = helpers.cooperative()
    api = helpers.Api(client, helpers.user(Role.OFFICER, cooperative=coop, password=None))
    api.coop = coop
    return api


def test_a_path_id_past_any_row_id_is_not_found_not_a_server_error(officer):
    huge = "3717832892232293008015360"
    for path in (f"/assemblies/{huge}/minutes/approve", f"/cooperatives/{huge}/members/{huge}/verify"):
        answer = officer.post(path, {"code": "123456"})
        assert answer.status_code == 404, path
        assert answer.json() == {"detail": "Not found."}
    assembly = factory.assembly(officer.coop, members=2)
    assert officer.get(f"/assemblies/{assembly.pk}/items/{huge}/results").status_code == 404


def test_a_path_id_that_is_not_a_number_is_not_found_in_the_error_shape(officer):
    answer = officer.get("/assemblies/twelve")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Not found."}


def test_input_of_the_wrong_type_gets_field_messages_in_the_one_error_shape(officer):
    answer = officer.get(f"/cooperatives/{officer.coop.pk}/members", limit="many")
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"] == "The data is not valid."
    assert list(body["errors"]) == ["limit"] and body["errors"]["limit"][0]

    bad_date = officer.post(f"/cooperatives/{officer.coop.pk}/members", {
        "national_code": helpers.national_code(), "first_name": "مریم", "last_name": "کاظمی", "joined_on": "1403/13/40",
    })
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"]["joined_on"] == ["Enter a valid Jalali date, e.g. 1404/06/14."]


def test_every_operation_documents_its_error_answers_in_the_one_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"detail", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            assert "422" in documented, (method, path)
            if operation.get("security"):
                assert {"401", "403", "404"} <= set(documented), (method, path)
    assert "401" not in schema["paths"]["/api/v1/rules"]["get"]["responses"]
