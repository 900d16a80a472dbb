"""Fixtures every test may use: a fresh cache, an English-speaking browser, the SMS inbox of a phone."""

import json
import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and lock-outs live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def en(client, settings):
    """The Django test client with English chosen, so messages can be compared with their msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def english():
    """English active outside a request (services, validators), for comparing with msgids."""
    from django.utils import translation

    with translation.override("en"):
        yield


class Inbox:
    """The SMS messages the platform handed to the gateway (FileSender writes one JSON line each)."""

    def __init__(self, path):
        self.path = path

    def messages(self, to: str | None = None) -> list[dict]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r for r in rows if to is None or r["to"] == to]

    def last_code(self, to: str) -> str:
        received = self.messages(to)
        assert received, f"no SMS was sent to {to}"
        match = re.search(r"\b([0-9]{6})\b", received[-1]["text"])
        assert match, received[-1]["text"]
        return match.group(1)


@pytest.fixture
def sms(settings, tmp_path):
    """Route SMS to a file and read it back, as a user would read their phone."""
    settings.SMS_BACKEND = "taavon.notifications.senders.FileSender"
    settings.VAR_DIR = tmp_path
    return Inbox(tmp_path / "sms.jsonl")




@pytest.fixture
def still_ratelimit_clock(monkeypatch):
    """The rate limiter's clock stands still, so a test never straddles two of its windows."""
    import django_ratelimit.core

    class Clock:
        @staticmethod
        def time():
            return 1_750_000_000.0

    monkeypatch.setattr(django_ratelimit.core, "time", Clock)
