"""``/api/v1/accounts``: who am I, and my API tokens, with a bearer token or the session."""

import pytest

from taavon.accounts.models import ApiToken, Role
from taavon.audit.models import AuditEvent
from tests import helpers

pytestmark = pytest.mark.django_db

ME, TOKENS = "/api/v1/accounts/me", "/api/v1/accounts/tokens"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_anonymous_callers_get_401(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert client.get(TOKENS).status_code == 401
    assert client.get(ME, **bearer("tvn_not-a-real-token")).status_code == 401


def test_a_bearer_token_identifies_its_user_with_roles_and_scopes(en):
    coop = helpers.cooperative()
    user = helpers.user(Role.OFFICER, cooperative=coop, full_name="حسن موسوی")
    _, token = ApiToken.issue(user, "script")

    response = en.get(ME, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["national_code"] == user.national_code and body["full_name"] == "حسن موسوی"
    assert body["roles"] == [
        {
            "role": "officer",
            "label": "Cooperative officer",
            "scope": "cooperative",
            "scope_label": coop.name,
            "cooperative_id": coop.pk,
            "cooperative_national_id": coop.national_id,
            "province_code": "",
            "bank_code": "",
            "position": "",
        }
    ]
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_a_revoked_token_no_longer_works(client):
    user = helpers.user(Role.ANALYST)
    row, token = ApiToken.issue(user, "script")
    assert client.get(ME, **bearer(token)).status_code == 200
    response = client.delete(f"{TOKENS}/{row.pk}", **bearer(token))
    assert response.status_code == 204
    assert client.get(ME, **bearer(token)).status_code == 401


def test_creating_listing_and_revoking_tokens_through_the_api(client):
    user = helpers.user(Role.MEMBER)
    _, token = ApiToken.issue(user, "first")

    response = client.post(TOKENS, {"name": "nightly export"}, content_type="application/json", **bearer(token))
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("tvn_") and created["name"] == "nightly export"
    assert client.get(ME, **bearer(created["token"])).json()["national_code"] == user.national_code
    assert AuditEvent.objects.filter(action="token.create", object_id=str(created["id"])).exists()

    listed = client.get(TOKENS, **bearer(token)).json()
    assert {t["name"] for t in listed} == {"first", "nightly export"}
    assert all("token" not in t and "token_hash" not in t for t in listed)

    assert client.delete(f"{TOKENS}/{created['id']}", **bearer(token)).status_code == 204
    assert client.get(ME, **bearer(created["token"])).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(created["id"])).exists()


def test_a_token_without_a_name_is_refused_with_422(client):
    user = helpers.user(Role.MEMBER)
    _, token = ApiToken.issue(user, "first")
    response = client.post(TOKENS, {"name": " "}, content_type="application/json", **bearer(token))
    assert response.status_code == 422
    assert "name" in helpers.field_errors(response)


def test_one_user_cannot_see_or_revoke_anothers_token(client):
    owner = helpers.user(Role.MEMBER)
    victim, _ = ApiToken.issue(owner, "owner's")
    _, token = ApiToken.issue(helpers.user(Role.ADMINISTRATOR), "admin's")

    assert client.delete(f"{TOKENS}/{victim.pk}", **bearer(token)).status_code == 404
    assert [t["name"] for t in client.get(TOKENS, **bearer(token)).json()] == ["admin's"]
    victim.refresh_from_db()
    assert victim.revoked_at is None


def test_the_browser_session_works_too(client):
    user = helpers.user(Role.MEMBER)
    client.force_login(user)
    assert client.get(ME).json()["roles"][0]["role"] == "member"
