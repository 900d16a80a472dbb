import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The demo hashes one shared password; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
