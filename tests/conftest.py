import os

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
