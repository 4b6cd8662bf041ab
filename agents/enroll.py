"""Host enrollment: the cryptography both sides share and the management-side client.

The management server proves it knows an enrollment account's password without sending
it; the agent proves it knows the same key (mutual authentication) and hands over a fresh
per-host secret sealed under a key only this exchange can derive. See "Enrollment" in
docs/agent-protocol.md. Stdlib only: PBKDF2, HMAC-SHA256, HKDF (RFC 5869) and an
HMAC-SHA256 keystream with an encrypt-then-MAC tag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agents.errors import AgentCommandError, AgentUnreachable, ClientError

VERSION_TAG = "cloudportal-enroll-v1"
DEFAULT_ITERATIONS = 200_000
MIN_ITERATIONS = 10_000
MAX_ITERATIONS = 5_000_000
SALT_BYTES = 16
NONCE_HEX = 32  # 16 random bytes

if TYPE_CHECKING:  # the agent side never needs requests
    import requests


class EnrollmentError(ClientError):
    """Enrollment failed; ``reason`` is a stable code, the message is for operators."""

    def __init__(self, reason: str, message: str, resource: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.resource = resource  # the agent's resource kind, for hypervisor_mismatch


def derive_key(password: str, salt: bytes, iterations: int) -> bytes:
    """The account key K = PBKDF2-HMAC-SHA256(password, salt, iterations), 32 bytes. The
    agent stores K (the *verifier*), never the password."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


def transcript(fields: dict[str, Any]) -> bytes:
    """Canonical bytes of everything both sides saw in step 1 (sorted-key JSON)."""
    return json.dumps({"v": VERSION_TAG, **fields}, sort_keys=True, separators=(",", ":")).encode()


def client_proof(key: bytes, script: bytes) -> str:
    """What the management server sends in step 2."""
    return hmac.new(key, b"client\n" + script, hashlib.sha256).hexdigest()


def server_proof(key: bytes, script: bytes, proof: str) -> str:
    """What the agent answers in step 2 (it proves it knows K too)."""
    return hmac.new(key, b"server\n" + script + proof.encode(), hashlib.sha256).hexdigest()


def hkdf(key: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869) extract-and-expand."""
    prk = hmac.new(salt, key, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _seal_keys(key: bytes, script: bytes) -> tuple[bytes, bytes]:
    okm = hkdf(key, hashlib.sha256(script).digest(), b"cloudportal-enroll-seal", 64)
    return okm[:32], okm[32:]


def _keystream(enc_key: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    stream = b"".join(
        hmac.new(enc_key, i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )
    return stream[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(key: bytes, script: bytes, plaintext: bytes) -> dict[str, str]:
    """Encrypt-then-MAC ``plaintext`` under keys derived from K and this transcript."""
    enc_key, mac_key = _seal_keys(key, script)
    cipher = bytes(
        a ^ b for a, b in zip(plaintext, _keystream(enc_key, len(plaintext)), strict=True)
    )
    tag = hmac.new(mac_key, script + cipher, hashlib.sha256).hexdigest()
    return {"ciphertext": base64.b64encode(cipher).decode(), "tag": tag}


def open_sealed(key: bytes, script: bytes, sealed: dict[str, Any]) -> bytes:
    """Check the tag and decrypt; raises :class:`EnrollmentError` on any tampering."""
    try:
        cipher = base64.b64decode(str(sealed["ciphertext"]), validate=True)
        tag = str(sealed["tag"])
    except (KeyError, TypeError, ValueError) as exc:
        raise EnrollmentError("bad_answer", "the agent's sealed secret is malformed") from exc
    enc_key, mac_key = _seal_keys(key, script)
    expected = hmac.new(mac_key, script + cipher, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, tag):
        raise EnrollmentError("bad_answer", "the agent's sealed secret failed its integrity check")
    return _xor(cipher, _keystream(enc_key, len(cipher)))


def step1_transcript(path: str, username: str, client_nonce: str, answer: dict[str, Any]) -> bytes:
    """The transcript both sides bind the proofs and the seal to."""
    return transcript(
        {
            "path": path,
            "username": username,
            "client_nonce": client_nonce,
            "challenge_id": answer["challenge_id"],
            "server_nonce": answer["server_nonce"],
            "salt": answer["salt"],
            "iterations": answer["iterations"],
            "resource": answer["resource"],
        }
    )


@dataclass
class Enrolled:
    """The outcome of a successful enrollment."""

    secret: str
    resource: str
    agent_version: str


def _split(base_url: str) -> tuple[str, str]:
    """``http://h:p/prefix/hosts/<id>`` style URLs are split by the caller; here the base
    URL and the path prefix of the agent are separated."""
    parts = urlsplit(base_url.rstrip("/"))
    return f"{parts.scheme}://{parts.netloc}", parts.path


def enroll(
    base_url: str,
    username: str,
    password: str,
    *,
    host_id: str | None = None,
    expected_resource: str | None = None,
    verify: bool | str = True,
    timeout: float | tuple[float, float] = (5.0, 30.0),
    session: requests.Session | None = None,
) -> Enrolled:
    """Run both enrollment steps against an agent and return the issued secret.

    ``expected_resource`` (``kvm``, ``hyperv``, ``simulator``) is checked after step 1:
    on a mismatch nothing is issued and the agent keeps its current secret.
    """
    import requests

    origin, prefix = _split(base_url)
    path = prefix + (f"/v1/hosts/{host_id}/enroll" if host_id else "/v1/enroll")
    http = session
    if http is None:
        http = requests.Session()
        http.trust_env = False  # straight to the agent: no proxies or netrc from the env

    def post(body: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = http.post(origin + path, json=body, timeout=timeout, verify=verify)
        except requests.RequestException as exc:
            raise AgentUnreachable(f"{origin}: {exc}") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise AgentCommandError("http_error", resp.text[:200], resp.status_code)
        if resp.status_code == 401:
            raise EnrollmentError("refused", str(data.get("details", "enrollment refused")))
        if resp.status_code == 429:
            raise EnrollmentError("rate_limited", str(data.get("details", "too many attempts")))
        if resp.status_code == 404:
            raise EnrollmentError(
                "not_supported", f"the agent has no enrollment endpoint at {path}"
            )
        if resp.status_code != 200:
            raise AgentCommandError(
                str(data.get("error", "http_error")), str(data.get("details", "")), resp.status_code
            )
        return data

    try:
        client_nonce = secrets.token_hex(NONCE_HEX // 2)
        first = post({"step": 1, "username": username, "client_nonce": client_nonce})
        try:
            salt = bytes.fromhex(str(first["salt"]))
            iterations = int(first["iterations"])
            resource = str(first["resource"])
            script = step1_transcript(path, username, client_nonce, first)
        except (KeyError, TypeError, ValueError) as exc:
            raise EnrollmentError("bad_answer", "the agent's challenge is malformed") from exc
        if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise EnrollmentError("bad_answer", f"the agent asks for {iterations} iterations")
        if expected_resource is not None and resource != expected_resource:
            message = f"the agent runs the {resource} resource"
            raise EnrollmentError("hypervisor_mismatch", message, resource)
        key = derive_key(password, salt, iterations)
        proof = client_proof(key, script)
        second = post({"step": 2, "challenge_id": first["challenge_id"], "proof": proof})
        if not hmac.compare_digest(
            server_proof(key, script, proof), str(second.get("server_proof", ""))
        ):
            raise EnrollmentError(
                "agent_not_authenticated",
                "the agent could not prove that it knows the account (server proof wrong)",
            )
        secret = open_sealed(key, script, second.get("sealed_secret") or {}).decode()
        return Enrolled(
            secret=secret, resource=resource, agent_version=str(first.get("agent_version", ""))
        )
    finally:
        if session is None:
            http.close()
