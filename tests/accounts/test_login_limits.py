"""Login limits: a hall of members on one address gets in; one account or one device hammered is stopped.

Before, ten login forms a minute from one address answered 429 to everyone behind it (a hall on one
Wi-Fi, a mobile carrier's customers), and a member who went back to the login page within the
minute between codes was refused and could not enter the code already on their phone.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taavon.accounts import services
from taavon.accounts.models import OneTimeCode, User
from taavon.audit.models import AuditEvent
from tests import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_ratelimit_clock")]

LOGIN, CODE = reverse("accounts:login"), reverse("accounts:code")
HALL = "203.0.113.40"  # the address the hall's Wi-Fi shows the world
HALL_SIZE = 300  # members of one assembly hall, every one logging in within the same minute
STILL_VALID = "The code sent to you a moment ago is still valid: enter it here."
TOO_MANY_CODES = "Too many codes were asked for this national code."


def browser(settings, address=HALL) -> Client:
    """A fresh browser in English at ``address`` (its own session and device cookie once it has read a page)."""
    client = Client(REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def next_phone(client, settings) -> Client:
    """The same test client as a different phone: no session, no device cookie (a new Client costs its middleware)."""
    client.cookies.clear()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def ask_for_code(client, national_code):
    return client.post(LOGIN, {"mode": "member", "national_code": national_code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_three_hundred_members_in_one_hall_all_log_in_within_a_minute(settings, sms):
    members = [helpers.person() for _ in range(HALL_SIZE)]
    hall = browser(settings)
    for person in members:
        phone = next_phone(hall, settings)
        assert phone.get(LOGIN).status_code == 200
        assert ask_for_code(phone, person.national_code)["Location"] == CODE
        answer = phone.post(CODE, {"action": "verify", "code": sms.last_code(person.mobile)})
        assert answer.status_code == 302, answer.content.decode()[:300]
    assert User.objects.filter(national_code__in=[p.national_code for p in members]).count() == HALL_SIZE


def test_one_attacker_hammering_one_account_from_rotating_sessions_is_stopped(settings, sms, monkeypatch):
    monkeypatch.setattr(services, "CODE_RESEND_SECONDS", 0)  # not even the minute between codes helps the attacker
    member = helpers.person()
    answers, attacker = [], browser(settings)
    for n in range(40):
        next_phone(attacker, settings)  # a new session and device each time, and a new address
        address = f"198.51.100.{n}"
        answers.append(attacker.post(LOGIN, {"mode": "member", "national_code": member.national_code}, REMOTE_ADDR=address).status_code)
        if answers[-1] == 302:
            attacker.post(CODE, {"action": "verify", "code": wrong(sms.last_code(member.mobile))}, REMOTE_ADDR=address)
    assert len(sms.messages(member.mobile)) == services.CODE_REQUESTS_PER_ACCOUNT
    guesses = sum(OneTimeCode.objects.filter(national_code=member.national_code).values_list("attempts", flat=True))
    assert guesses <= services.CODE_REQUESTS_PER_ACCOUNT * services.CODE_MAX_ATTEMPTS
    assert answers[-1] == 429
    refused = ask_for_code(browser(settings, address="198.51.100.250"), member.national_code)
    assert refused.status_code == 429 and TOO_MANY_CODES in refused.content.decode()
    assert int(refused["Retry-After"]) == services.CODE_REQUESTS_WINDOW_MINUTES * 60


def test_one_device_hammering_many_accounts_is_stopped(settings, sms):
    device = browser(settings)
    device.get(LOGIN)
    answers = [ask_for_code(device, helpers.national_code()).status_code for _ in range(20)]
    assert 429 not in answers
    response = ask_for_code(device, helpers.national_code())
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    # The member next to them, on the same Wi-Fi, is not affected.
    neighbour = browser(settings)
    neighbour.get(LOGIN)
    assert ask_for_code(neighbour, helpers.national_code()).status_code == 302


def test_dropping_the_device_cookie_does_not_make_a_new_device(settings, sms):
    script = browser(settings, address="198.51.100.9")
    for _ in range(20):
        script.cookies.pop("taavon_device", None)
        assert ask_for_code(script, helpers.national_code()).status_code == 302
    script.cookies.pop("taavon_device", None)
    assert ask_for_code(script, helpers.national_code()).status_code == 429


def test_the_address_ceiling_still_brakes_a_flood(settings, sms):
    settings.LOGIN_POSTS_PER_ADDRESS_RATE = "30/m"  # the production default is hundreds: lowered to reach it
    answers = []
    for _ in range(31):
        device = browser(settings)
        device.get(LOGIN)
        answers.append(ask_for_code(device, helpers.national_code()).status_code)
    assert 429 not in answers[:30] and answers[30] == 429
    assert ask_for_code(browser(settings, address="10.0.0.9"), helpers.national_code()).status_code == 302


def test_one_national_code_gets_at_most_five_codes_in_ten_minutes(en, sms, monkeypatch):
    monkeypatch.setattr(services, "CODE_RESEND_SECONDS", 0)  # each request comes after the minute's wait
    person = helpers.person()
    for n in range(5):
        response = en.post(LOGIN, {"mode": "member", "national_code": person.national_code}, REMOTE_ADDR=f"10.0.1.{n}")
        assert response.status_code == 302
    # A sixth asks nothing new while the fifth code can still be entered ...
    response = en.post(LOGIN, {"mode": "member", "national_code": person.national_code}, REMOTE_ADDR="10.0.1.99")
    assert response["Location"] == CODE
    assert len(sms.messages(person.mobile)) == 5
    # ... and once it has expired, the member is told to wait.
    OneTimeCode.objects.update(expires_at=timezone.now())
    response = en.post(LOGIN, {"mode": "member", "national_code": person.national_code}, REMOTE_ADDR="10.0.1.99")
    assert response.status_code == 429 and TOO_MANY_CODES in response.content.decode()
    assert len(sms.messages(person.mobile)) == 5


def test_a_new_code_needs_a_minute_after_the_last(en, sms):
    person = helpers.person()
    en.post(LOGIN, {"mode": "member", "national_code": person.national_code})
    response = en.post(CODE, {"action": "resend"})
    assert response.status_code == 200
    assert "A code was requested less than 60 seconds ago." in response.content.decode()
    assert len(sms.messages(person.mobile)) == 1


def test_a_member_who_goes_back_enters_the_code_already_on_their_phone(settings, sms):
    person = helpers.person()
    phone = browser(settings)
    phone.get(LOGIN)
    assert ask_for_code(phone, person.national_code)["Location"] == CODE
    code = sms.last_code(person.mobile)

    # The member presses Back, sees the login page again and sends their national code once more.
    assert phone.get(LOGIN).status_code == 200
    again = ask_for_code(phone, person.national_code)
    assert again.status_code == 302 and again["Location"] == CODE
    page = phone.get(CODE)
    assert STILL_VALID in page.content.decode()
    assert len(sms.messages(person.mobile)) == 1  # no new code, so the one on the phone stays good

    done = phone.post(CODE, {"action": "verify", "code": code})
    assert done.status_code == 302 and done["Location"] == reverse("core:home")
    assert phone.get(reverse("accounts:me")).context["user"].national_code == person.national_code


def test_going_back_looks_the_same_for_a_national_code_nobody_has(settings, sms):
    stranger = browser(settings)
    stranger.get(LOGIN)
    unknown = helpers.national_code()
    assert ask_for_code(stranger, unknown)["Location"] == CODE
    assert ask_for_code(stranger, unknown)["Location"] == CODE
    assert STILL_VALID in stranger.get(CODE).content.decode()


def test_guessing_codes_from_one_device_gets_429(en, sms):
    person = helpers.person()
    en.get(LOGIN)
    en.post(LOGIN, {"mode": "member", "national_code": person.national_code})
    answers = [en.post(CODE, {"action": "verify", "code": "000000"}).status_code for _ in range(19)]
    assert 429 not in answers
    assert en.post(CODE, {"action": "verify", "code": "000000"}).status_code == 429


def test_stopping_the_codes_of_an_account_is_audited_once_with_the_real_address(settings, sms, monkeypatch):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    monkeypatch.setattr(services, "CODE_RESEND_SECONDS", 0)
    account = helpers.user(None, mobile="09127770000", password=None)
    proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23")
    for _ in range(services.CODE_REQUESTS_PER_ACCOUNT):
        ask_for_code(proxy, account.national_code)
    OneTimeCode.objects.update(expires_at=timezone.now())
    assert ask_for_code(proxy, account.national_code).status_code == 429
    assert ask_for_code(proxy, account.national_code).status_code == 429

    event = AuditEvent.objects.get(action="user.code_limit", object_id=str(account.pk))
    assert event.ip == "198.51.100.23"
    assert event.after == {"codes": services.CODE_REQUESTS_PER_ACCOUNT, "minutes": services.CODE_REQUESTS_WINDOW_MINUTES}
