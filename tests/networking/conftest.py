"""Networking test wiring: a fast password hasher, so the many tenant users the fixtures
create do not each spend a PBKDF2 run."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
