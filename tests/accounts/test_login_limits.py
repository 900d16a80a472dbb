"""Rate limits on the login pages: per address, per national code, and the minute between codes."""

import pytest
from django.urls import reverse

from taavon.accounts import services
from tests import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_ratelimit_clock")]




LOGIN, CODE = reverse("accounts:login"), reverse("accounts:code")


def test_one_address_gets_429_after_ten_login_attempts_a_minute(en, sms):
    answers = [
        en.post(LOGIN, {"mode": "member", "national_code": helpers.national_code()}).status_code for _ in range(10)
    ]
    assert 429 not in answers
    response = en.post(LOGIN, {"mode": "member", "national_code": helpers.national_code()})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    # Another address is not affected; reading the page is not limited.
    assert en.get(LOGIN).status_code == 200
    other = en.post(LOGIN, {"mode": "member", "national_code": helpers.national_code()}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_one_national_code_gets_at_most_five_codes_in_ten_minutes(en, sms, monkeypatch):
    monkeypatch.setattr(services, "CODE_RESEND_SECONDS", 0)  # each request comes after the minute's wait
    person = helpers.person()
    for n in range(5):
        response = en.post(LOGIN, {"mode": "member", "national_code": person.national_code}, REMOTE_ADDR=f"10.0.1.{n}")
        assert response.status_code == 302
    response = en.post(LOGIN, {"mode": "member", "national_code": person.national_code}, REMOTE_ADDR="10.0.1.99")
    assert response.status_code == 429
    assert len(sms.messages(person.mobile)) == 5


def test_a_new_code_needs_a_minute_after_the_last(en, sms):
    person = helpers.person()
    en.post(LOGIN, {"mode": "member", "national_code": person.national_code})
    response = en.post(CODE, {"action": "resend"})
    assert response.status_code == 200
    assert "A code was requested less than 60 seconds ago." in response.content.decode()
    again = en.post(LOGIN, {"mode": "member", "national_code": person.national_code})
    assert "A code was requested less than 60 seconds ago." in again.content.decode()
    assert len(sms.messages(person.mobile)) == 1


def test_the_minute_between_codes_holds_for_unknown_national_codes_too(en, sms):
    unknown = helpers.national_code()
    assert en.post(LOGIN, {"mode": "member", "national_code": unknown}).status_code == 302
    assert (
        "A code was requested less than 60 seconds ago."
        in en.post(LOGIN, {"mode": "member", "national_code": unknown}).content.decode()
    )


def test_guessing_codes_from_one_address_gets_429(en, sms):
    person = helpers.person()
    en.post(LOGIN, {"mode": "member", "national_code": person.national_code})
    answers = [en.post(CODE, {"action": "verify", "code": "000000"}).status_code for _ in range(10)]
    assert 429 not in answers
    assert en.post(CODE, {"action": "verify", "code": "000000"}).status_code == 429
