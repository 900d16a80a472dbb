"""Logout, the "my account" page and the API token page."""

import pytest
from django.urls import reverse

from taavon.accounts.models import ApiToken, Role
from taavon.audit.models import AuditEvent
from tests import helpers

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:tokens")


def test_logging_out_takes_a_post(en):
    en.force_login(helpers.user(Role.MEMBER))
    assert en.get(reverse("accounts:logout")).status_code == 405
    response = en.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert "_auth_user_id" not in en.session


def test_my_account_shows_each_role_with_its_scope(en):
    coop = helpers.cooperative(name="تعاونی مرزنشینان آستارا")
    user = helpers.user(Role.OFFICER, cooperative=coop, full_name="سارا نیک‌نام")
    helpers.RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, province=helpers.province("23"))
    helpers.RoleGrant.objects.create(user=user, role=Role.ANALYST)
    en.force_login(user)

    page = en.get(reverse("accounts:me")).content.decode()
    assert "سارا نیک‌نام" in page
    assert "Cooperative officer" in page and "تعاونی مرزنشینان آستارا" in page
    assert "Provincial supervisor" in page and helpers.province("23").name_en in page
    assert "Ministry analyst" in page and "Whole country" in page


def test_a_member_sees_the_member_role(en):
    en.force_login(helpers.user(Role.MEMBER))
    page = en.get(reverse("accounts:me")).content.decode()
    assert 'data-role="member"' in page and "Own memberships" in page


@pytest.mark.parametrize("name", ["accounts:me", "accounts:tokens"])
def test_account_pages_send_anonymous_visitors_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_new_token_is_shown_once(en):
    user = helpers.user(Role.MEMBER)
    en.force_login(user)
    response = en.post(TOKENS, {"name": "accounting software"})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token.startswith("tvn_") and token in response.content.decode()
    assert response["Cache-Control"] == "no-store"

    row = ApiToken.objects.get(user=user)
    assert row.name == "accounting software" and row.token_hash == ApiToken.hash(token)
    page = en.get(TOKENS).content.decode()
    assert token not in page
    assert "accounting software" in page and row.prefix in page
    assert AuditEvent.objects.filter(action="token.create", object_type="accounts.apitoken", object_id=str(row.pk)).exists()


def test_a_token_needs_a_name(en):
    en.force_login(helpers.user(Role.MEMBER))
    response = en.post(TOKENS, {"name": "  "})
    assert response.status_code == 200 and response.context["new_token"] is None
    assert not ApiToken.objects.exists()


def test_revoking_a_token(en):
    user = helpers.user(Role.MEMBER)
    row, _ = ApiToken.issue(user, "old script")
    en.force_login(user)
    response = en.post(reverse("accounts:revoke-token", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == TOKENS
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "Revoked" in en.get(TOKENS).content.decode()
    assert AuditEvent.objects.filter(action="token.revoke", object_type="accounts.apitoken", object_id=str(row.pk)).exists()


def test_nobody_sees_or_revokes_another_users_token(en):
    owner = helpers.user(Role.OFFICER, cooperative=helpers.cooperative())
    row, _ = ApiToken.issue(owner, "owner's token")
    en.force_login(helpers.user(Role.ADMINISTRATOR))
    assert "owner&#x27;s token" not in en.get(TOKENS).content.decode()
    assert en.post(reverse("accounts:revoke-token", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
