"""Encryption of secrets at rest with a key kept outside the database."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext``; the result is ASCII and safe to store in a text column."""
    token = _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode())
    return PREFIX + token.decode()


def decrypt(stored: str) -> str:
    """Decrypt a value produced by :func:`encrypt`."""
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return (
            _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(stored[len(PREFIX) :].encode()).decode()
        )
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong FIELD_ENCRYPTION_KEY?") from exc
