"""A client cannot choose its own address: X-Forwarded-For is believed only from our own proxies.

Before, `taavon serve` believed it from anyone: rotating it voided every per-address limit, locked
others out in their name, wrote forged addresses into the audit log, and `not-an-ip` answered 500.
"""

import pytest
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.audit.models import AuditEvent
from taavon.core.clientip import client_ip
from tests import helpers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_ratelimit_clock")]

LOGIN = reverse("accounts:login")




def test_the_address_is_the_peer_unless_the_peer_is_our_proxy():
    ours = ["10.0.0.0/8", "127.0.0.1"]
    assert client_ip("203.0.113.9", "198.51.100.1", ours) == "203.0.113.9"  # a client: its own address
    assert client_ip("127.0.0.1", "198.51.100.1, 10.0.0.5", ours) == "198.51.100.1"  # through two of ours
    assert client_ip("127.0.0.1", "6.6.6.6, 198.51.100.1", ours) == "198.51.100.1"  # what the client prepended
    assert client_ip("127.0.0.1", "not-an-ip", ours) == "127.0.0.1"
    assert client_ip("127.0.0.1", "[2001:db8::7]:443", ours) == "2001:db8::7"
    assert client_ip("127.0.0.1", "198.51.100.1", []) == "127.0.0.1"  # no proxy configured
    assert client_ip("garbage", "198.51.100.1", ours) is None


def test_rotating_a_forged_forwarded_for_does_not_get_past_the_login_limit(en, sms, settings):
    settings.LOGIN_POSTS_PER_ADDRESS_RATE = "10/m"  # a low ceiling, to reach it quickly
    answers = [
        en.post(
            LOGIN, {"mode": "member", "national_code": helpers.national_code()}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(11)
    ]
    assert 429 not in answers[:10] and answers[10] == 429


def test_the_audit_log_keeps_the_real_address_not_the_forged_one(en, sms):
    officer = helpers.user(Role.OFFICER, cooperative=helpers.cooperative(), mobile="09123334455")
    en.post(
        LOGIN,
        {"mode": "official", "national_code": officer.national_code, "password": helpers.PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.77",
        REMOTE_ADDR="203.0.113.5",
    )
    code = sms.last_code(officer.mobile)
    en.post(reverse("accounts:code"), {"action": "verify", "code": code}, HTTP_X_FORWARDED_FOR="198.51.100.77", REMOTE_ADDR="203.0.113.5")

    login = AuditEvent.objects.get(action="user.login", object_id=str(officer.pk))
    assert login.ip == "203.0.113.5"


@pytest.mark.parametrize("path", [LOGIN, "/register/"])
def test_a_forwarded_for_that_is_not_an_address_is_ignored_not_an_error(client, settings, path):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client.get(path, HTTP_X_FORWARDED_FOR="not-an-ip").status_code == 200
    response = client.post(LOGIN, {"mode": "member", "national_code": helpers.national_code()}, HTTP_X_FORWARDED_FOR="not-an-ip")
    assert response.status_code in (200, 302)


def test_behind_our_proxy_the_forwarded_address_is_the_client(en, sms, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    officer = helpers.user(Role.OFFICER, cooperative=helpers.cooperative(), mobile="09123334455")
    form = {"mode": "official", "national_code": officer.national_code, "password": helpers.PASSWORD}
    en.post(LOGIN, form, HTTP_X_FORWARDED_FOR="198.51.100.8", REMOTE_ADDR="10.1.1.1")
    code = sms.last_code(officer.mobile)
    en.post(reverse("accounts:code"), {"action": "verify", "code": code}, HTTP_X_FORWARDED_FOR="198.51.100.8", REMOTE_ADDR="10.1.1.1")

    assert AuditEvent.objects.get(action="user.login", object_id=str(officer.pk)).ip == "198.51.100.8"
