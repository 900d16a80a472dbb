import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made in most assembly tests: a fast hasher keeps the area quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
