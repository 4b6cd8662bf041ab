import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 is slow on purpose; tests of tenancy hash many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
