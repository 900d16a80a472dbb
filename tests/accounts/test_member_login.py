"""A member logs in with their national code and a one-time code sent to their mobile."""

import datetime
import logging
import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from taavon.accounts import services
from taavon.accounts.models import OneTimeCode, Role, User
from taavon.audit.models import AuditEvent
from taavon.core.persian import to_persian_digits
from taavon.notifications.models import OutboundMessage
from tests import helpers

pytestmark = pytest.mark.django_db

LOGIN, CODE = reverse("accounts:login"), reverse("accounts:code")


def ask_for_code(client, national_code, **extra):
    return client.post(LOGIN, {"mode": "member", "national_code": national_code, **extra})


def enter_code(client, code):
    return client.post(CODE, {"action": "verify", "code": code})


def test_a_member_logs_in_with_the_code_sent_to_the_mobile_in_the_registry(en, sms):
    person = helpers.person(first_name="مریم", last_name="احمدی", mobile="09121112233")

    response = ask_for_code(en, to_persian_digits(person.national_code))  # typed on a Persian keyboard
    assert response.status_code == 302 and response["Location"] == CODE
    page = en.get(CODE)
    assert services.code_sent_message() in page.content.decode()

    code = sms.last_code("09121112233")
    response = enter_code(en, to_persian_digits(code))
    assert response.status_code == 302 and response["Location"] == reverse("core:home")

    user = User.objects.get(national_code=person.national_code)
    assert user.person == person
    assert (user.full_name, user.mobile) == ("مریم احمدی", "09121112233")
    assert not user.has_usable_password()
    assert Role.MEMBER in user.roles()
    assert en.get(reverse("accounts:me")).status_code == 200
    assert en.get(CODE)["Location"] == LOGIN  # the finished login is not left open in the session
    assert AuditEvent.objects.filter(action="user.login", object_type="accounts.user", object_id=str(user.pk)).exists()


def test_the_code_is_kept_only_as_a_hash_and_the_delivery_log_is_redacted(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code)
    code = sms.last_code(person.mobile)

    message = OutboundMessage.objects.get(recipient=person.mobile, topic="login")
    assert message.sensitive and code not in message.body
    stored = OneTimeCode.objects.get(national_code=person.national_code)
    assert code not in stored.code_hash
    assert stored.code_hash != OneTimeCode.hash(code)  # keyed: the million codes cannot be tried against it
    assert stored.expires_at - stored.created_at <= datetime.timedelta(minutes=services.CODE_LIFETIME_MINUTES)


def test_a_returning_member_reuses_their_account(en, sms):
    account = helpers.user(Role.MEMBER, mobile="09125550000", password=None)
    ask_for_code(en, account.national_code)
    enter_code(en, sms.last_code("09125550000"))
    assert User.objects.filter(national_code=account.national_code).count() == 1
    assert en.get(reverse("accounts:me")).context["user"] == account


def test_a_user_without_a_registry_record_gets_the_code_on_their_own_mobile(en, sms):
    account = helpers.user(None, mobile="09127778899", password=None)
    ask_for_code(en, account.national_code)
    response = enter_code(en, sms.last_code("09127778899"))
    assert response.status_code == 302
    assert en.get(reverse("accounts:me")).context["user"] == account


def test_an_unregistered_national_code_gets_exactly_the_same_answer(en, sms, settings):
    settings.TAAVON_DEMO = False
    registered = helpers.person()
    unknown = helpers.national_code()

    answers = []
    for national_code in (registered.national_code, unknown):
        en.cookies.pop("sessionid", None)
        response = ask_for_code(en, national_code)
        assert response.status_code == 302 and response["Location"] == CODE
        page = en.get(CODE)
        answers.append(page.content.decode().split('data-testid="code-sent">')[1].split("</p>")[0])
    assert answers[0] == answers[1] == services.code_sent_message()
    assert len(sms.messages()) == 1  # only the registered person's phone received anything

    # Guessing a code for the unknown national code answers like a wrong code for a real one.
    assert "The code is not correct. Attempts left: 4." in enter_code(en, "123456").content.decode()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("1234567890", "National code is not valid."),
        ("12345", "National code must have 10 digits."),
        ("abc", "National code may contain digits only."),
        ("", "This field is required."),
    ],
)
def test_a_mistyped_national_code_gets_a_clear_message(en, sms, typed, message):
    response = ask_for_code(en, typed)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OneTimeCode.objects.exists() and not sms.messages()


def test_a_wrong_code_is_refused_and_says_how_many_tries_are_left(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code)
    right = sms.last_code(person.mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = enter_code(en, wrong)
    assert response.status_code == 200
    assert "The code is not correct. Attempts left: 4." in response.content.decode()
    assert "_auth_user_id" not in en.session
    assert "Enter the 6-digit code sent to your mobile." in enter_code(en, "12").content.decode()

    assert enter_code(en, right).status_code == 302  # a typo does not lose the code


def test_five_wrong_codes_burn_the_code(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code)
    right = sms.last_code(person.mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(services.CODE_MAX_ATTEMPTS - 1):
        enter_code(en, wrong)
    assert "The code is not correct. Ask for a new code." in enter_code(en, wrong).content.decode()

    response = enter_code(en, right)
    assert "Too many wrong codes. Ask for a new code." in response.content.decode()
    assert "_auth_user_id" not in en.session


def test_an_expired_code_is_refused(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code)
    code = sms.last_code(person.mobile)
    # Two minutes pass.
    lifetime = datetime.timedelta(minutes=services.CODE_LIFETIME_MINUTES)
    OneTimeCode.objects.update(created_at=timezone.now() - lifetime, expires_at=timezone.now())

    response = enter_code(en, code)
    assert "This code has expired. Ask for a new code." in response.content.decode()
    assert "_auth_user_id" not in en.session


def test_a_code_works_once(client, sms):
    person = helpers.person()
    ask_for_code(client, person.national_code)
    code = sms.last_code(person.mobile)
    assert enter_code(client, code).status_code == 302
    with pytest.raises(ValidationError):
        services.verify_login_code(national_code=person.national_code, code=code)


def test_a_new_code_replaces_the_old_one(en, sms, monkeypatch):
    monkeypatch.setattr(services, "CODE_RESEND_SECONDS", 0)  # the minute between codes has passed
    person = helpers.person()
    ask_for_code(en, person.national_code)
    first = sms.last_code(person.mobile)
    response = en.post(CODE, {"action": "resend"})
    assert response.status_code == 302 and response["Location"] == CODE
    second = sms.last_code(person.mobile)
    assert len(sms.messages(person.mobile)) == 2
    if first != second:  # the first code no longer opens the door
        assert "The code is not correct." in enter_code(en, first).content.decode()
    assert enter_code(en, second).status_code == 302


def test_the_code_is_shown_in_a_marked_box_in_demo_mode(en, sms, settings, caplog):
    settings.TAAVON_DEMO = True
    person = helpers.person()
    with caplog.at_level(logging.INFO, logger="taavon.accounts"):
        ask_for_code(en, person.national_code)
    code = sms.last_code(person.mobile)
    page = en.get(CODE).content.decode()
    assert 'data-testid="demo-code"' in page and code in page
    assert any(code in r.getMessage() for r in caplog.records if r.name == "taavon.accounts")


def test_the_code_never_appears_outside_demo_mode(en, sms, settings, caplog):
    settings.TAAVON_DEMO = False
    person = helpers.person()
    with caplog.at_level(logging.DEBUG):
        response = ask_for_code(en, person.national_code)
    code = sms.last_code(person.mobile)
    page = en.get(CODE).content.decode()
    assert 'data-testid="demo-code"' not in page and code not in page
    assert code not in response.content.decode()
    assert not any(code in r.getMessage() for r in caplog.records if r.name.startswith("taavon.accounts"))
    assert code not in str(dict(en.session))


def test_an_official_on_the_member_tab_logs_in_as_a_member_only(en, sms):
    coop = helpers.cooperative()
    official = helpers.user(Role.OFFICER, cooperative=coop, mobile="09120001111")
    ask_for_code(en, official.national_code)
    response = enter_code(en, sms.last_code("09120001111"))
    assert response.status_code == 302 and int(en.session["_auth_user_id"]) == official.pk
    # The code alone does not carry the official's role: the menu offers to confirm the password.
    home = en.get(reverse("core:home")).content.decode()
    assert 'data-testid="act-as-official"' in home and reverse("registry:list") not in home
    assert en.get(reverse("registry:list")).status_code == 403
    assert AuditEvent.objects.get(action="user.login", object_id=str(official.pk)).after == {"method": "code"}


def test_after_login_the_member_goes_where_they_were_going(en, sms):
    person = helpers.person()
    me = reverse("accounts:me")
    ask_for_code(en, person.national_code, next=me)
    assert enter_code(en, sms.last_code(person.mobile))["Location"] == me


def test_a_foreign_next_address_is_ignored(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code, next="https://evil.example/")
    assert enter_code(en, sms.last_code(person.mobile))["Location"] == reverse("core:home")


def test_the_code_page_needs_a_national_code_first(en):
    response = en.get(CODE)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_the_login_page_offers_member_and_official_tabs(en):
    page = en.get(LOGIN).content.decode()
    assert 'data-testid="tab-member"' in page and 'data-testid="tab-official"' in page
    assert 'name="password"' not in page
    assert 'name="password"' in en.get(LOGIN + "?mode=official").content.decode()


def test_a_member_who_logs_out_can_log_in_again_at_once(en, sms):
    person = helpers.person()
    ask_for_code(en, person.national_code)
    enter_code(en, sms.last_code(person.mobile))
    en.post(reverse("accounts:logout"))

    assert ask_for_code(en, person.national_code)["Location"] == CODE  # not "wait a minute"
    assert len(sms.messages(person.mobile)) == 2
    assert enter_code(en, sms.last_code(person.mobile)).status_code == 302


def test_with_redis_down_a_member_still_gets_a_code_and_logs_in(en, sms, settings):
    # A cache that cannot answer says "taken" to every add(): the wait between codes is read from
    # the codes themselves, so an outage does not stop logins.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {"BACKEND": "taavon.core.cache.ResilientRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    person = helpers.person(mobile="09121112244")

    assert ask_for_code(en, person.national_code)["Location"] == CODE
    assert enter_code(en, sms.last_code("09121112244"))["Location"] == reverse("core:home")
