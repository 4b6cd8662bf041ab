"""HMAC-SHA256 request signatures shared by the agent server and the client.

The signature covers the method, the path, a timestamp, a random nonce and the SHA-256
of the body, so a captured request can neither be altered nor replayed: timestamps
outside +-300 s are refused and each nonce is accepted once within that window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from email.message import Message

from agents.errors import AuthError

SCHEME = "AGENT-HMAC-SHA256"
HEADER_TIMESTAMP = "X-Agent-Timestamp"
HEADER_NONCE = "X-Agent-Nonce"
HEADER_SIGNATURE = "X-Agent-Signature"
MAX_SKEW_S = 300


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes that are signed."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([SCHEME, method.upper(), path, timestamp, nonce, digest]).encode()


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the canonical request."""
    msg = canonical(method, path, timestamp, nonce, body)
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def signed_headers(
    secret: bytes, method: str, path: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """Headers a client adds to one request."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path, timestamp, nonce, body),
    }


class Verifier:
    """Checks signatures server side and remembers recent nonces (thread-safe).

    ``secret`` is the static secret (may be empty when every caller passes ``secrets``:
    the candidate keys of one request, e.g. a host's enrollment-issued secret)."""

    def __init__(self, secret: bytes, max_skew_s: int = MAX_SKEW_S) -> None:
        if secret and len(secret) < 16:
            raise ValueError("the shared secret must be at least 16 bytes")
        self._secret = secret
        self._max_skew = max_skew_s
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()
        self._last_prune = 0.0

    def verify(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | Message,
        body: bytes,
        now: float | None = None,
        secrets: Sequence[bytes] | None = None,
    ) -> None:
        """Raise :class:`AuthError` unless the request is correctly signed (by the static
        secret or one of ``secrets``) and fresh."""
        now = time.time() if now is None else now
        timestamp = headers.get(HEADER_TIMESTAMP)
        nonce = headers.get(HEADER_NONCE)
        signature = headers.get(HEADER_SIGNATURE)
        if not timestamp or not nonce or not signature:
            raise AuthError("missing signature headers")
        if not timestamp.isdigit() or abs(now - int(timestamp)) > self._max_skew:
            raise AuthError("timestamp missing, malformed or outside the allowed window")
        if not 8 <= len(nonce) <= 64:
            raise AuthError("bad nonce")
        keys = [*(secrets or ()), *([self._secret] if self._secret else [])]
        if not keys:
            raise AuthError("no secret for this host: enroll it first")
        matched = False
        for key in keys:  # every candidate is checked: the time does not tell which matched
            expected = sign(key, method, path, timestamp, nonce, body)
            matched |= hmac.compare_digest(expected.encode(), signature.encode())
        if not matched:
            raise AuthError("bad signature")
        self._remember(nonce, now, int(timestamp) + self._max_skew + 1)

    def _remember(self, nonce: str, now: float, expiry_at: float) -> None:
        with self._lock:
            if now - self._last_prune > 30:
                self._nonces = {n: t for n, t in self._nonces.items() if t > now}
                self._last_prune = now
            expiry = self._nonces.get(nonce)
            if expiry is not None and expiry > now:
                raise AuthError("nonce already used (replay)")
            self._nonces[nonce] = expiry_at  # after this the timestamp check refuses it
