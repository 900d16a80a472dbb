"""The administration of accounts: staff only, hashes never editable, changes audited."""

import pytest
from django.urls import reverse

from taavon.accounts import services
from taavon.accounts.models import ApiToken, OneTimeCode, Role, RoleGrant, User
from taavon.audit.models import AuditEvent
from taavon.core.persian import to_persian_digits
from tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(en):
    en.force_login(helpers.user(Role.ADMINISTRATOR))
    return en


def test_the_admin_is_for_staff_only(en):
    en.force_login(helpers.user(Role.SUPERVISOR, province=helpers.province()))
    response = en.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_administrator_sees_users_with_their_grants(admin_client):
    coop = helpers.cooperative()
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    assert officer.national_code in admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    page = admin_client.get(reverse("admin:accounts_user_change", args=[officer.pk])).content.decode()
    assert "grants-TOTAL_FORMS" in page


def test_granting_a_role_in_the_admin_is_audited(admin_client):
    member = helpers.user(Role.MEMBER)
    response = admin_client.post(
        reverse("admin:accounts_rolegrant_add"),
        {"user": member.pk, "role": Role.SUPERVISOR, "province": helpers.province("23").pk},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=member, role=Role.SUPERVISOR)
    event = AuditEvent.objects.get(action="rolegrant.admin_add", object_type="accounts.rolegrant", object_id=str(grant.pk))
    assert event.after["role"] == "supervisor"


def test_a_supervisor_grant_needs_a_province(admin_client):
    member = helpers.user(Role.MEMBER)
    response = admin_client.post(reverse("admin:accounts_rolegrant_add"), {"user": member.pk, "role": Role.SUPERVISOR})
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=member, role=Role.SUPERVISOR).exists()


def test_tokens_are_read_only_and_cannot_be_added(admin_client):
    row, token = ApiToken.issue(helpers.user(Role.MEMBER), "script")
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[row.pk])).content.decode()
    assert row.token_hash in page and token not in page
    assert 'name="token_hash"' not in page


def test_one_time_codes_cannot_be_edited(admin_client, en):
    row = OneTimeCode.objects.create(
        national_code=helpers.national_code(), code_hash="x" * 64, expires_at="2030-01-01T00:00Z"
    )
    page = admin_client.get(reverse("admin:accounts_onetimecode_change", args=[row.pk])).content.decode()
    assert "x" * 64 not in page and 'name="attempts"' not in page
    assert (
        admin_client.post(reverse("admin:accounts_onetimecode_change", args=[row.pk]), {"attempts": 0}).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:accounts_onetimecode_add")).status_code == 403


def test_an_administrator_can_unlock_an_account(admin_client):
    from django.utils import timezone

    locked = helpers.user(Role.ANALYST, failed_logins=0, locked_until=timezone.now() + timezone.timedelta(minutes=10))
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock", "_selected_action": [locked.pk]}
    )
    assert response.status_code == 302
    locked.refresh_from_db()
    assert locked.locked_until is None
    assert AuditEvent.objects.filter(action="user.unlock", object_id=str(locked.pk)).exists()


def test_unlocking_lifts_the_wait_strangers_caused(admin_client, client):
    official = helpers.user(Role.ANALYST, mobile="09121230000")
    form = {"mode": "official", "national_code": official.national_code}
    for _ in range(services.PASSWORD_FREE_FAILURES + 1):
        client.post(reverse("accounts:login"), {**form, "password": "guess"})
    assert client.post(reverse("accounts:login"), {**form, "password": helpers.PASSWORD}).status_code == 429

    admin_client.post(reverse("admin:accounts_user_changelist"), {"action": "unlock", "_selected_action": [official.pk]})
    assert client.post(reverse("accounts:login"), {**form, "password": helpers.PASSWORD}).status_code == 302


def test_an_administrator_adds_an_official_typed_in_persian_digits(admin_client):
    national_code = helpers.national_code()
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "national_code": to_persian_digits(national_code),
            "full_name": "نرگس امینی",
            "mobile": "۰۹۱۲ ۳۴۵ ۶۷۸۹",
            "usable_password": "true",
            "password1": helpers.PASSWORD,
            "password2": helpers.PASSWORD,
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "0",
            "grants-0-role": Role.ANALYST,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user = User.objects.get(national_code=national_code)
    assert user.mobile == "09123456789" and user.check_password(helpers.PASSWORD)
    assert AuditEvent.objects.filter(action="user.admin_add", object_type="accounts.user", object_id=str(user.pk)).exists()
    assert "password" not in AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk)).after
    assert user.is_official and AuditEvent.objects.filter(action="grant.create", object_type="accounts.rolegrant").exists()
