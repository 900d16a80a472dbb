"""Officials log in with national code and password, then the one-time code sent to their mobile."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taavon.accounts import services
from taavon.accounts.models import Role, User
from taavon.audit.models import AuditEvent
from tests import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_ratelimit_clock")]

LOGIN, CODE = reverse("accounts:login"), reverse("accounts:code")
BAD_PASSWORD = "National code or password is not correct."
SLOWED = "Too many wrong passwords for this national code. Please try again in"


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


def test_wrong_passwords_slow_down_the_tries_and_never_lock_the_account(en, sms, officer, monkeypatch):
    for _ in range(services.PASSWORD_FREE_FAILURES):
        assert BAD_PASSWORD in give_password(en, officer.national_code, "guess").content.decode()
    slowed = give_password(en, officer.national_code, "guess")
    assert slowed.status_code == 429 and f"{SLOWED} 2 seconds." in slowed.content.decode()
    assert slowed["Retry-After"] == "2"
    officer.refresh_from_db()
    assert not officer.is_locked() and officer.locked_until is None

    # Within the wait even the right password is not looked at, and no code is sent.
    assert give_password(en, officer.national_code).status_code == 429 and not sms.messages()

    # After the wait one more wrong password doubles it; the right one gets through.
    later = services._now() + 3
    monkeypatch.setattr(services, "_now", lambda: later)
    assert f"{SLOWED} 4 seconds." in give_password(en, officer.national_code, "guess").content.decode()
    monkeypatch.setattr(services, "_now", lambda: later + 5)
    assert give_password(en, officer.national_code)["Location"] == CODE
    officer.refresh_from_db()
    assert officer.failed_logins == 0


def test_the_wait_is_shown_in_persian_digits(client, officer):
    for _ in range(services.PASSWORD_FREE_FAILURES + 1):
        response = give_password(client, officer.national_code, "guess")
    assert response.status_code == 429 and "۲ ثانیه" in response.content.decode()


def test_fifty_wrong_passwords_from_strangers_do_not_keep_the_official_out(en, sms, officer, settings):
    # The official logs in once on their usual computer, and logs out.
    usual = en
    give_password(usual, officer.national_code)
    assert enter_code(usual, sms.last_code(officer.mobile)).status_code == 302
    usual.post(reverse("accounts:logout"))

    # Strangers try fifty wrong passwords, from ever new browsers and addresses.
    stranger, answers = Client(), []
    for n in range(50):
        stranger.cookies.clear()
        address = f"198.51.100.{n}"
        stranger.get(LOGIN, REMOTE_ADDR=address)  # a device cookie of its own
        form = {"mode": "official", "national_code": officer.national_code, "password": f"guess-{n}"}
        answers.append(stranger.post(LOGIN, form, REMOTE_ADDR=address).status_code)
    assert answers.count(200) == services.PASSWORD_FREE_FAILURES and answers[-1] == 429
    # Now even a stranger with the right password is refused: guessing has stopped.
    stranger.cookies.clear()
    stranger.get(LOGIN, REMOTE_ADDR="198.51.100.99")
    assert give_password(stranger, officer.national_code).status_code == 429

    # The official, on the usual computer, logs in with the right password and code.
    response = give_password(usual, officer.national_code)
    assert response["Location"] == CODE
    assert enter_code(usual, sms.last_code(officer.mobile)).status_code == 302
    assert usual.get(reverse("accounts:me")).context["user"] == officer
    officer.refresh_from_db()
    assert officer.locked_until is None


def test_the_slow_down_is_audited_once_with_the_real_address(en, sms, officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(services.PASSWORD_FREE_FAILURES + 3):
        en.post(
            LOGIN,
            {"mode": "official", "national_code": officer.national_code, "password": "guess"},
            REMOTE_ADDR="10.0.0.3",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.44",
        )
    event = AuditEvent.objects.get(action="user.login_slow_down", object_id=str(officer.pk))
    assert event.ip == "198.51.100.44"
    assert event.after == {"failures": services.PASSWORD_FREE_FAILURES + 1, "device": "unknown", "wait_seconds": 2}


def test_an_account_locked_by_an_administrator_says_so_only_to_whoever_knows_the_password(en, sms, officer):
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=30))
    assert BAD_PASSWORD in give_password(en, officer.national_code, "guess").content.decode()
    response = give_password(en, officer.national_code)
    assert "This account is locked by an administrator for now." in response.content.decode()
    assert not sms.messages()


def test_a_correct_password_resets_the_failure_count(en, sms, officer):
    give_password(en, officer.national_code, "guess")
    give_password(en, officer.national_code)
    officer.refresh_from_db()
    assert officer.failed_logins == 0


def test_unknown_national_codes_slow_down_like_real_ones(en, officer):
    def story(national_code):
        answers = [give_password(en, national_code, "guess") for _ in range(services.PASSWORD_FREE_FAILURES + 2)]
        return [(a.status_code, BAD_PASSWORD in a.content.decode(), SLOWED in a.content.decode()) for a in answers]

    assert story(helpers.national_code()) == story(officer.national_code)


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


def test_an_official_who_goes_back_enters_the_code_already_sent(en, sms, officer):
    give_password(en, officer.national_code)
    code = sms.last_code(officer.mobile)
    assert en.get(LOGIN + "?mode=official").status_code == 200  # the Back button
    again = give_password(en, officer.national_code)
    assert again["Location"] == CODE and len(sms.messages(officer.mobile)) == 1
    assert enter_code(en, code).status_code == 302
    assert en.get(reverse("accounts:me")).context["user"] == officer
