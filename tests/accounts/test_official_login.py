"""Officials log in with national code and password, then the one-time code sent to their mobile."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts import services
from taavon.accounts.models import Role, User
from taavon.audit.models import AuditEvent
from tests import helpers

pytestmark = pytest.mark.django_db

LOGIN, CODE = reverse("accounts:login"), reverse("accounts:code")
BAD_PASSWORD = "National code or password is not correct."
LOCKED = "Too many failed attempts: this account is locked for 15 minutes."


def give_password(client, national_code, password=helpers.PASSWORD):
    return client.post(LOGIN, {"mode": "official", "national_code": national_code, "password": password})


def enter_code(client, code):
    return client.post(CODE, {"action": "verify", "code": code})


@pytest.fixture
def officer():
    return helpers.user(Role.OFFICER, cooperative=helpers.cooperative(), mobile="09123334455", full_name="رضا کریمی")


def test_an_officer_logs_in_with_password_then_code(en, sms, officer):
    response = give_password(en, officer.national_code)
    assert response.status_code == 302 and response["Location"] == CODE
    assert "_auth_user_id" not in en.session  # the password alone is not enough

    response = enter_code(en, sms.last_code("09123334455"))
    assert response.status_code == 302
    assert en.get(reverse("accounts:me")).context["user"] == officer
    event = AuditEvent.objects.get(action="user.login", object_id=str(officer.pk))
    assert event.after == {"method": "password+code"} and event.actor_id == officer.pk


def test_staff_without_a_grant_count_as_officials(en, sms):
    staff = helpers.user(None, is_staff=True, mobile="09124445566")
    assert give_password(en, staff.national_code)["Location"] == CODE
    assert enter_code(en, sms.last_code("09124445566")).status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(en, sms, officer):
    response = give_password(en, officer.national_code, "not-the-password")
    assert response.status_code == 200
    assert BAD_PASSWORD in response.content.decode()
    assert not sms.messages()
    officer.refresh_from_db()
    assert officer.failed_logins == 1

    unknown = give_password(en, helpers.national_code(), "not-the-password")
    assert BAD_PASSWORD in unknown.content.decode()


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(en, sms, officer):
    for _ in range(services.PASSWORD_MAX_FAILURES - 1):
        assert BAD_PASSWORD in give_password(en, officer.national_code, "guess").content.decode()
    assert LOCKED in give_password(en, officer.national_code, "guess").content.decode()

    officer.refresh_from_db()
    assert officer.is_locked()
    minutes = (officer.locked_until - timezone.now()).total_seconds() / 60
    assert services.LOCK_MINUTES - 1 < minutes <= services.LOCK_MINUTES
    assert AuditEvent.objects.filter(action="user.lock", object_id=str(officer.pk)).exists()

    # Even the right password is refused while locked, and no code is sent.
    response = give_password(en, officer.national_code)
    assert LOCKED in response.content.decode() and not sms.messages()

    # Fifteen minutes later the right password works again and the count starts afresh.
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert give_password(en, officer.national_code)["Location"] == CODE
    officer.refresh_from_db()
    assert officer.failed_logins == 0 and officer.locked_until is None


def test_a_correct_password_resets_the_failure_count(en, sms, officer):
    give_password(en, officer.national_code, "guess")
    give_password(en, officer.national_code)
    officer.refresh_from_db()
    assert officer.failed_logins == 0


def test_unknown_national_codes_lock_like_real_ones(en):
    unknown = helpers.national_code()
    answers = [give_password(en, unknown, "guess").content.decode() for _ in range(services.PASSWORD_MAX_FAILURES)]
    assert all(BAD_PASSWORD in a for a in answers[:-1])
    assert LOCKED in answers[-1]


def test_a_member_on_the_official_tab_is_pointed_to_the_member_tab(en, sms):
    member_with_password = helpers.user(Role.MEMBER)
    response = give_password(en, member_with_password.national_code)
    assert "Your account is a member account. Use the Member tab" in response.content.decode()
    assert not sms.messages()

    member_without_password = helpers.user(Role.MEMBER, password=None)
    response = give_password(en, member_without_password.national_code, "anything-at-all")
    assert "Members log in without a password, on the Member tab." in response.content.decode()


def test_an_official_without_a_mobile_is_told_to_ask_an_administrator(en, sms):
    official = helpers.user(Role.ANALYST, mobile="")
    response = give_password(en, official.national_code)
    assert "No mobile number is on record for your account." in response.content.decode()
    assert not sms.messages()


def test_a_wrong_code_after_the_right_password_does_not_log_in(en, sms, officer):
    give_password(en, officer.national_code)
    right = sms.last_code(officer.mobile)
    response = enter_code(en, f"{(int(right) + 1) % 1_000_000:06d}")
    assert "The code is not correct." in response.content.decode()
    assert "_auth_user_id" not in en.session


def test_an_official_locked_between_the_two_steps_is_not_logged_in(en, sms, officer):
    give_password(en, officer.national_code)
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=5))
    enter_code(en, sms.last_code(officer.mobile))
    assert "_auth_user_id" not in en.session
