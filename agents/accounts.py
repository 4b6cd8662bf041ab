"""Agent side of enrollment: accounts, issued secrets and the challenge-response service.

An *account* is ``{username, salt, iterations, verifier}`` with verifier = K =
PBKDF2-HMAC-SHA256(password, salt): the agent can check a proof of the password without
storing it. ``python -m agents add-account`` writes one into the config. Issued per-host
secrets live in a state file (mode 0600) so they survive restarts; enrolling a host again
replaces (rotates) its secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents import AGENT_VERSION
from agents.enroll import (
    DEFAULT_ITERATIONS,
    MAX_ITERATIONS,
    MIN_ITERATIONS,
    NONCE_HEX,
    SALT_BYTES,
    client_proof,
    derive_key,
    seal,
    server_proof,
    step1_transcript,
)
from agents.errors import AuthError, InvalidCommand, RateLimited, StorageError
from agents.protocol import PROTOCOL_VERSION

log = logging.getLogger(__name__)


_ACCOUNT_KEYS = {"username", "salt", "iterations", "verifier"}


@dataclass(frozen=True)
class Account:
    """One enrollment account. ``windows`` accounts match ``DOMAIN\\user``, ``user@domain``
    and ``user`` case-insensitively (Hyper-V's WinRM account)."""

    username: str
    salt: bytes
    iterations: int
    verifier: bytes = field(repr=False)
    windows: bool = False

    @classmethod
    def from_password(
        cls, username: str, password: str, iterations: int = DEFAULT_ITERATIONS, **kw: Any
    ) -> Account:
        """A new account with a random salt (the password itself is not kept)."""
        salt = secrets.token_bytes(SALT_BYTES)
        return cls(username, salt, iterations, derive_key(password, salt, iterations), **kw)

    @classmethod
    def from_dict(cls, data: Any) -> Account:
        """Validate one ``accounts`` entry of the config."""
        if not isinstance(data, dict) or set(data) != {
            "username",
            "salt",
            "iterations",
            "verifier",
        }:
            raise InvalidCommand(
                "config: each 'accounts' entry needs exactly username, salt, iterations, verifier"
            )
        try:
            salt, verifier = bytes.fromhex(data["salt"]), bytes.fromhex(data["verifier"])
            iterations = int(data["iterations"])
        except (TypeError, ValueError) as exc:
            raise InvalidCommand("config: account salt/verifier must be hex") from exc
        username = data["username"]
        if not isinstance(username, str) or not username.strip():
            raise InvalidCommand("config: account username must be a non-empty string")
        if len(salt) < 8 or len(verifier) != 32:
            raise InvalidCommand("config: account salt >= 8 bytes, verifier 32 bytes")
        if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise InvalidCommand(f"config: iterations must be {MIN_ITERATIONS}..{MAX_ITERATIONS}")
        return cls(username, salt, iterations, verifier)

    def to_dict(self) -> dict[str, Any]:
        """The config entry (no password)."""
        return {
            "username": self.username,
            "salt": self.salt.hex(),
            "iterations": self.iterations,
            "verifier": self.verifier.hex(),
        }

    def matches(self, username: str) -> bool:
        """Whether ``username`` names this account."""
        if not self.windows:
            return hmac.compare_digest(self.username.encode(), username.encode())
        return _windows_user(self.username) == _windows_user(username)


def _windows_user(name: str) -> str:
    name = name.casefold()
    return name.rpartition("\\")[2].partition("@")[0]


class SecretStore:
    """Issued secrets by host key (``""`` for a single-host agent, the host id in a
    simulator fleet), persisted atomically to ``path`` with mode 0600 (memory only when
    ``path`` is empty)."""

    def __init__(self, path: str | os.PathLike[str] = "") -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._issued: dict[str, str] = {}
        self.fake_key = secrets.token_bytes(32)
        if self.path is not None and self.path.exists():
            data = json.loads(self.path.read_text())
            self._issued = {str(k): str(v) for k, v in data.get("issued", {}).items()}
            self.fake_key = bytes.fromhex(data["fake_key"])
        elif self.path is not None:
            try:  # the fake-salt key stays the same across restarts
                self._save(self._issued)
            except OSError as exc:  # a read-only config directory must not stop the agent
                log.warning("cannot write the enrollment state file %s: %s", self.path, exc)

    def secrets_for(self, host_key: str) -> list[bytes]:
        """The issued secret of ``host_key`` (zero or one)."""
        secret = self._issued.get(host_key)
        return [secret.encode()] if secret else []

    def issue(self, host_key: str) -> str:
        """A fresh random secret for ``host_key``; the previous one stops working."""
        secret = secrets.token_hex(32)
        with self._lock:
            issued = {**self._issued, host_key: secret}
            try:
                self._save(issued)
            except OSError as exc:  # an unsaved secret would be lost at the next restart
                raise StorageError(f"cannot keep the issued secret in {self.path}: {exc}") from exc
            self._issued = issued
        return secret

    def _save(self, issued: dict[str, str]) -> None:
        if self.path is None:
            return
        body = json.dumps({"version": 1, "fake_key": self.fake_key.hex(), "issued": issued})
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


@dataclass
class _Challenge:
    username: str
    host_key: str
    key: bytes = field(repr=False)
    script: bytes = field(repr=False)
    expires_at: float


class EnrollmentService:
    """Step 1 hands out a single-use challenge (expires after ``challenge_ttl_s``); step 2
    checks the proof, proves K back and seals a fresh secret. Failed proofs count per client
    address and per username: ``max_failures`` inside ``failure_window_s`` -> 429."""

    def __init__(
        self,
        accounts: list[Account],
        store: SecretStore,
        resource_kind: str,
        *,
        challenge_ttl_s: float = 60.0,
        max_failures: int = 5,
        failure_window_s: float = 60.0,
        max_challenges: int = 1024,
    ) -> None:
        self.accounts = accounts
        self.store = store
        self.resource_kind = resource_kind
        self.challenge_ttl_s = challenge_ttl_s
        self.max_failures = max_failures
        self.failure_window_s = failure_window_s
        self.max_challenges = max_challenges
        self._challenges: dict[str, _Challenge] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def handle(self, path: str, host_key: str, body: dict[str, Any], client: str) -> dict[str, Any]:
        """Answer one enrollment request (``step`` 1 or 2)."""
        step = body.get("step")
        if step == 1:
            return self.challenge(path, host_key, body, client)
        if step == 2:
            return self.confirm(host_key, body, client)
        raise InvalidCommand("enroll: 'step' must be 1 or 2")

    def _account(self, username: str) -> Account | None:
        return next((a for a in self.accounts if a.matches(username)), None)

    def challenge(
        self, path: str, host_key: str, body: dict[str, Any], client: str, now: float | None = None
    ) -> dict[str, Any]:
        """Step 1: ``{username, client_nonce}`` -> challenge. An unknown user gets a
        deterministic fake salt, so the answer does not tell which users exist."""
        now = time.monotonic() if now is None else now
        username, client_nonce = body.get("username"), body.get("client_nonce")
        if not isinstance(username, str) or not 0 < len(username) <= 255:
            raise InvalidCommand("enroll: 'username' must be a string of 1-255 characters")
        if not isinstance(client_nonce, str) or len(client_nonce) != NONCE_HEX:
            raise InvalidCommand(f"enroll: 'client_nonce' must be {NONCE_HEX} hex digits")
        self._check_rate(client, username, now)
        account = self._account(username)
        if account is None:
            fake = hmac.new(self.store.fake_key, username.casefold().encode(), hashlib.sha256)
            salt, iterations, key = fake.digest()[:SALT_BYTES], DEFAULT_ITERATIONS, None
        else:
            salt, iterations, key = account.salt, account.iterations, account.verifier
        answer = {
            "result": True,
            "challenge_id": secrets.token_hex(16),
            "server_nonce": secrets.token_hex(NONCE_HEX // 2),
            "salt": salt.hex(),
            "iterations": iterations,
            "resource": self.resource_kind,
            "agent_version": AGENT_VERSION,
            "protocol": PROTOCOL_VERSION,
        }
        script = step1_transcript(path, username, client_nonce, answer)
        with self._lock:
            self._prune(now)
            if len(self._challenges) >= self.max_challenges:
                raise RateLimited("too many open enrollment challenges; retry in a minute")
            self._challenges[answer["challenge_id"]] = _Challenge(
                username=username,
                host_key=host_key,
                key=key or secrets.token_bytes(32),
                script=script,
                expires_at=now + self.challenge_ttl_s,
            )
        return answer

    def confirm(
        self, host_key: str, body: dict[str, Any], client: str, now: float | None = None
    ) -> dict[str, Any]:
        """Step 2: ``{challenge_id, proof}`` -> server proof + sealed new secret. The
        challenge is consumed whatever the outcome."""
        now = time.monotonic() if now is None else now
        challenge_id, proof = body.get("challenge_id"), body.get("proof")
        if not isinstance(challenge_id, str) or not isinstance(proof, str):
            raise InvalidCommand("enroll: step 2 needs 'challenge_id' and 'proof' strings")
        with self._lock:
            pending = self._challenges.pop(challenge_id, None)
        if pending is None or pending.expires_at < now or pending.host_key != host_key:
            raise AuthError("enrollment challenge unknown, already used or expired")
        self._check_rate(client, pending.username, now)
        expected = client_proof(pending.key, pending.script)
        if not hmac.compare_digest(expected.encode(), proof.encode()):
            self._fail(client, pending.username, now)
            log.warning(
                "enrollment refused: wrong credentials for %r from %s", pending.username, client
            )
            raise AuthError("wrong username or password")
        secret = self.store.issue(host_key)
        log.info(
            "enrolled %s for account %r from %s", host_key or "this host", pending.username, client
        )
        return {
            "result": True,
            "server_proof": server_proof(pending.key, pending.script, proof),
            "sealed_secret": seal(pending.key, pending.script, secret.encode()),
            "agent_version": AGENT_VERSION,
        }

    def _prune(self, now: float) -> None:
        for cid in [c for c, ch in self._challenges.items() if ch.expires_at < now]:
            del self._challenges[cid]

    def _rate_keys(self, client: str, username: str) -> tuple[str, str]:
        return f"ip:{client}", f"user:{username.casefold()}"

    def _check_rate(self, client: str, username: str, now: float) -> None:
        with self._lock:
            for key in self._rate_keys(client, username):
                recent = [t for t in self._failures.get(key, []) if t > now - self.failure_window_s]
                self._failures[key] = recent
                if len(recent) >= self.max_failures:
                    wait = int(recent[0] + self.failure_window_s - now) + 1
                    raise RateLimited(f"too many failed enrollment attempts; retry in {wait} s")

    def _fail(self, client: str, username: str, now: float) -> None:
        with self._lock:
            for key in self._rate_keys(client, username):
                self._failures.setdefault(key, []).append(now)


def enrollment_from_config(
    accounts: list[Account], resource: dict[str, Any], resource_kind: str, state_file: str
) -> EnrollmentService:
    """The service for an agent: its configured accounts, plus for Hyper-V the Windows
    account it uses for WinRM (``resource.username``/``password``)."""
    accounts = list(accounts)
    if resource_kind == "hyperv" and resource.get("username") and resource.get("password"):
        accounts.append(
            Account.from_password(
                str(resource["username"]), str(resource["password"]), windows=True
            )
        )
    return EnrollmentService(accounts, SecretStore(state_file), resource_kind)
