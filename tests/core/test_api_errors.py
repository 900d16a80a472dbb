"""One error shape for every refusal of the API, in the client's language, with one status per condition.

Each story is a client getting something wrong (or asking too early, or too often) and reading
``{"detail", "errors": [{"field", "code", "message"}]}`` back: the field it names, a code a program
can switch on and a message in Persian or English, chosen by ``Accept-Language`` first and the
language cookie after it. What the schema fuzzer (test_schema_fuzz.py) found is kept here too: a
path id past 64 bits answered 500 on SQLite, a path id that is not a number answered the HTML
error page, pydantic's refusals came back in a second shape.
"""

import pytest
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.assemblies.models import ItemState
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

API = "/api/v1"
IN_ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
IN_PERSIAN = {"HTTP_ACCEPT_LANGUAGE": "fa-IR,fa;q=0.9,en;q=0.5"}


def shape(answer, status: int) -> dict:
    """The answer's body, after checking its status and the one error shape."""
    assert answer.status_code == status, (answer.status_code, answer.content[:300])
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and body["detail"]
    assert body["errors"], "every error names at least one reason"
    for entry in body["errors"]:
        assert set(entry) == {"field", "code", "message"}
        assert entry["field"] is None or isinstance(entry["field"], str)
        assert entry["code"] and entry["code"] == entry["code"].lower() and " " not in entry["code"]
        assert entry["message"]
    return body


def persian(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


@pytest.fixture
def coop():
    return helpers.cooperative()


@pytest.fixture
def officer(client, coop):
    """An officer of ``coop`` with an API token; the caller says the language per request."""
    from taavon.accounts.models import ApiToken

    user = helpers.user(Role.OFFICER, cooperative=coop, password=None)
    _, token = ApiToken.issue(user, "tests")

    def call(method: str, path: str, data=None, **headers):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
        if method == "get":
            return client.get(API + path, data or {}, **headers)
        if isinstance(data, str | bytes):
            return client.generic(method.upper(), API + path, data, content_type="application/json", **headers)
        return getattr(client, method)(API + path, data or {}, content_type="application/json", **headers)

    return call


# --------------------------------------------------------------------------- bad input


def test_a_body_that_is_not_json_is_a_400_about_the_whole_request_in_either_language(officer, coop):
    path = f"/cooperatives/{coop.pk}/members"
    english = shape(officer("post", path, '{"national_code": "00', **IN_ENGLISH), 400)
    assert english["detail"] == "The request could not be read."
    assert english["errors"] == [{"field": None, "code": "malformed_json", "message": "The body is not valid JSON."}]

    farsi = shape(officer("post", path, "not json", **IN_PERSIAN), 400)
    assert farsi["errors"][0]["code"] == "malformed_json"
    assert persian(farsi["detail"]) and persian(farsi["errors"][0]["message"])


def test_a_field_the_operation_does_not_take_is_named_with_its_own_code(officer, coop):
    assembly = factory.assembly(coop, members=3, state="noticed")
    election = factory.election(assembly)
    answer = officer(
        "post", f"/assemblies/{assembly.pk}/items/{election.pk}/candidates", {"national_code": "", "seat": 2}, **IN_ENGLISH
    )
    body = shape(answer, 422)
    assert body["detail"] == "The data is not valid."
    assert body["errors"] == [{"field": "seat", "code": "unknown_field", "message": "This field is not expected here: remove it."}]


def test_a_value_of_the_wrong_type_gets_our_message_not_pydantics_in_persian_and_english(officer, coop):
    path = f"/cooperatives/{coop.pk}/members"
    english = shape(officer("get", path, {"limit": "many"}, **IN_ENGLISH), 422)
    assert english["errors"] == [{"field": "limit", "code": "not_integer", "message": "Enter a whole number."}]
    farsi = shape(officer("get", path, {"limit": "many"}, **IN_PERSIAN), 422)
    assert farsi["errors"][0]["field"] == "limit" and farsi["errors"][0]["code"] == "not_integer"
    assert persian(farsi["errors"][0]["message"]) and "Input should" not in farsi["errors"][0]["message"]


def test_missing_fields_are_each_named_required_and_nothing_is_written(officer, coop):
    body = shape(officer("post", f"/cooperatives/{coop.pk}/members", {"first_name": "مریم"}, **IN_ENGLISH), 422)
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("national_code", "required"), ("joined_on", "required")}
    assert {e["message"] for e in body["errors"]} == {"This field is required."}
    assert not coop.memberships.exists()


def test_a_nested_field_is_named_by_its_dotted_path_and_limits_are_quoted_in_persian_digits(officer, coop):
    payload = {
        "kind": "annual_ordinary", "mode": "in_person", "title": "مجمع", "starts_at": "1404/06/14 10:00",
        "ends_at": "1404/06/14 12:00", "agenda": [{"title": "گزارش"}, {"title": "ب" * 301}],
    }
    farsi = shape(officer("post", f"/assemblies/cooperative/{coop.pk}", payload, **IN_PERSIAN), 422)
    assert [(e["field"], e["code"]) for e in farsi["errors"]] == [("agenda.1.title", "max_length")]
    assert "۳۰۰" in farsi["errors"][0]["message"]
    english = shape(officer("post", f"/assemblies/cooperative/{coop.pk}", payload, **IN_ENGLISH), 422)
    assert english["errors"][0]["message"] == "Enter at most 300 characters."


def test_a_service_refusal_keeps_its_field_and_code(officer, coop):
    answer = officer("post", f"/cooperatives/{coop.pk}/members", {"national_code": "123", "joined_on": "1403/13/40"}, **IN_ENGLISH)
    errors = {e["field"]: e for e in shape(answer, 422)["errors"]}
    assert errors["national_code"]["code"] == "national_code_length"
    assert errors["joined_on"] == {"field": "joined_on", "code": "invalid", "message": "Enter a valid Jalali date, e.g. 1404/06/14."}


# --------------------------------------------------------------------------- who and what


def test_no_credentials_is_a_401_and_a_role_that_may_not_is_a_403(client, officer, coop):
    body = shape(client.get(API + "/accounts/me", **IN_ENGLISH), 401)
    assert body["detail"] == "Authentication required." and body["errors"][0]["code"] == "not_authenticated"

    # Deciding verification requests is the provincial office's: the cooperative's own officer may not.
    body = shape(officer("post", "/verification-requests/1/verify", **IN_ENGLISH), 403)
    assert body["detail"] == "You do not have permission to do this."
    assert body["errors"] == [{"field": None, "code": "forbidden", "message": "Your role may not do this here."}]
    assert persian(shape(officer("post", "/verification-requests/1/verify", **IN_PERSIAN), 403)["detail"])


def test_an_unknown_id_a_path_no_route_has_and_an_id_past_any_row_are_one_404(officer, coop):
    huge = "3717832892232293008015360"
    for path in (
        "/cooperatives/987654",
        "/assemblies/twelve",
        f"/assemblies/{huge}/minutes/approve",
        f"/cooperatives/{huge}/members/{huge}/verify",
    ):
        method = "post" if path.endswith(("approve", "verify")) else "get"
        body = shape(officer(method, path, {"code": "123456"} if method == "post" else None, **IN_ENGLISH), 404)
        assert body["detail"] == "Not found.", path
        assert body["errors"][0]["code"] == "not_found"
    assembly = factory.assembly(coop, members=2)
    shape(officer("get", f"/assemblies/{assembly.pk}/items/{huge}/results", **IN_ENGLISH), 404)


def test_a_method_the_address_does_not_take_is_a_405_naming_the_allowed_ones(client):
    body = shape(client.delete(API + "/rules", **IN_ENGLISH), 405)
    assert body["errors"] == [{"field": None, "code": "method_not_allowed", "message": "Allowed: GET."}]


def test_asking_too_often_is_a_429_that_says_how_long_to_wait(client):
    for _ in range(60):
        assert client.get(API + "/public/search", {"q": "x"}, REMOTE_ADDR="10.9.9.9").status_code == 200
    answer = client.get(API + "/public/search", {"q": "x"}, REMOTE_ADDR="10.9.9.9", **IN_ENGLISH)
    body = shape(answer, 429)
    assert body["detail"] == "Too many requests." and body["errors"][0]["code"] == "rate_limited"
    assert int(answer["Retry-After"]) > 0 and answer["Retry-After"] in body["errors"][0]["message"]
    farsi = shape(client.get(API + "/public/search", {"q": "x"}, REMOTE_ADDR="10.9.9.9", **IN_PERSIAN), 429)
    assert persian(farsi["errors"][0]["message"])


def test_an_unexpected_failure_is_a_500_in_the_shape_without_the_details(client, monkeypatch):
    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr("taavon.rules.api.parameters_in_force", broken)
    body = shape(client.get(API + "/rules", **IN_ENGLISH), 500)
    assert body["errors"][0]["code"] == "server_error" and "secret" not in str(body)


# --------------------------------------------------------------------------- the language


def test_accept_language_comes_first_then_the_cookie_then_persian(client):
    def detail(**headers):
        answer = client.get(API + "/accounts/me", **headers)
        assert "Accept-Language" in answer["Vary"]
        return answer["Content-Language"], answer.json()["detail"]

    assert detail(HTTP_ACCEPT_LANGUAGE="en") == ("en", "Authentication required.")
    # The header wins over the cookie...
    assert detail(HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE="taavon_language=fa") == ("en", "Authentication required.")
    assert detail(HTTP_ACCEPT_LANGUAGE="fa", HTTP_COOKIE="taavon_language=en")[0] == "fa"
    # ...the cookie counts when the header names no language we have, or there is none...
    assert detail(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9", HTTP_COOKIE="taavon_language=en")[0] == "en"
    assert detail(HTTP_COOKIE="taavon_language=en")[0] == "en"
    # ...and Persian otherwise.
    language, text = detail(HTTP_ACCEPT_LANGUAGE="de")
    assert language == "fa" and persian(text)


def test_pages_still_follow_only_the_cookie(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fa"


# --------------------------------------------------------------------------- one status per condition


def test_results_and_bulletin_before_the_close_give_the_same_409_everywhere(client, officer, coop):
    assembly = factory.in_session(factory.assembly(coop, members=3))
    item = factory.motion(assembly)
    client.force_login(helpers.user(Role.OFFICER, cooperative=coop, password=None))
    client.cookies["taavon_language"] = "en"
    answers = {
        "results": officer("get", f"/assemblies/{assembly.pk}/items/{item.pk}/results", **IN_ENGLISH),
        "bulletin": officer("get", f"/assemblies/{assembly.pk}/items/{item.pk}/bulletin", **IN_ENGLISH),
        "bulletin.json": client.get(reverse("assemblies:bulletin_json", args=[assembly.pk, item.pk])),
    }
    for name, answer in answers.items():
        body = shape(answer, 409)
        assert body["detail"] == "This cannot be done in the present state.", name
        assert [e["code"] for e in body["errors"]] == ["not_closed"], name
        assert item.state != ItemState.CLOSED


def test_a_state_conflict_is_409_and_the_same_service_refusing_the_data_is_422(officer, coop):
    assembly = factory.assembly(coop, members=3, state="noticed")
    item = factory.motion(assembly)
    # Opening voting before the session opens: the assembly's state refuses (409).
    body = shape(officer("post", f"/assemblies/{assembly.pk}/items/{item.pk}/open", **IN_ENGLISH), 409)
    assert body["errors"][0]["code"] == "not_in_session"
    # Changing a published assembly: its state refuses (409).
    body = shape(officer("patch", f"/assemblies/{assembly.pk}", {"title": "دیگر"}, **IN_ENGLISH), 409)
    assert body["errors"][0]["code"] == "not_draft"


def test_every_operation_documents_its_error_answers_in_the_one_error_shape(client):
    schema = client.get(API + "/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"detail", "errors"} and set(error["required"]) == {"detail", "errors"}
    assert set(schema["components"]["schemas"]["ErrorItem"]["properties"]) == {"field", "code", "message"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            assert {"422", "429"} <= set(documented), (method, path)
            if operation.get("security"):
                assert {"401", "403", "404"} <= set(documented), (method, path)
                if method != "get":
                    assert "409" in documented, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(documented), (method, path)
    assert "401" not in schema["paths"][API + "/rules"]["get"]["responses"]
    results = schema["paths"][API + "/assemblies/{assembly_id}/items/{item_id}/results"]["get"]["responses"]
    assert results["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_the_413_given_before_django_runs_follows_the_same_language_rule():
    from taavon.core.body_limits import raw_answer

    def answer(path, cookie, accept):
        headers, body = raw_answer(path, 1024 * 1024, cookie, accept)
        return dict(headers)[b"Content-Language"].decode(), body

    language, body = answer("/api/v1/cooperatives", "taavon_language=fa", "en-US,en;q=0.9")
    assert language == "en" and b'"code": "too_large"' in body and b'"field": null' in body
    assert answer("/api/v1/cooperatives", "taavon_language=en", None)[0] == "en"
    assert answer("/api/v1/cooperatives", None, "de")[0] == "fa"
    # A page keeps to the switch (the cookie) alone.
    assert answer("/registry/", None, "en")[0] == "fa"


def test_a_browser_session_without_its_csrf_token_is_a_403_that_says_so(coop):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(helpers.user(Role.OFFICER, cooperative=coop, password=None))
    answer = browser.post(API + "/accounts/tokens", {"name": "script"}, content_type="application/json", **IN_ENGLISH)
    body = shape(answer, 403)
    assert body["errors"][0]["code"] == "csrf_failed" and "CSRF" in body["errors"][0]["message"]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_each_pydantic_refusal_our_inputs_can_meet_has_its_own_translated_message(language):
    """Each pydantic error type below gets our message with its limits filled in, never the generic one."""
    import datetime
    import enum

    from django.utils import translation
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from taavon.core.api_errors import input_errors

    class Kind(enum.Enum):
        MOTION = "motion"
        ELECTION = "election"

    class Sample(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = Field(0, ge=0, le=10)
        title: str = Field("", min_length=2, max_length=5)
        marks: list[int] = Field([], max_length=2)
        kind: Kind = Kind.MOTION
        on: datetime.date | None = None
        at: datetime.datetime | None = None
        flag: bool = False

    bad = [
        {"count": "x"}, {"count": -1}, {"count": 11}, {"count": 10**30}, {"title": "a"}, {"title": "abcdefg"},
        {"title": 5}, {"marks": [1, 2, 3]}, {"marks": "no"}, {"kind": "other"}, {"on": "someday"},
        {"at": "later"}, {"flag": "perhaps"}, {"extra": 1},
    ]
    with translation.override(language):
        generic = str(translation.gettext("This value is not valid."))
        for data in bad:
            with pytest.raises(ValidationError) as refused:
                Sample.model_validate(data)
            (entry,) = input_errors([{**e, "loc": ("body", "payload", *e["loc"])} for e in refused.value.errors()])
            assert entry["field"] == next(iter(data)) and entry["message"] != generic, (data, entry)
            assert "%(" not in entry["message"] and persian(entry["message"]) == (language == "fa"), entry
