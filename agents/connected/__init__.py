"""Connected agents: the agent dials the management server's gateway over a WebSocket.

Shared by both ends (stdlib only, no Django): the message names, the URL of the gateway's
agent endpoint and the challenge-response proof with which a registered agent reconnects.
The full exchange is described in ``docs/agent-protocol.md`` ("Connected agents").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: Path of the gateway's agent endpoint.
CONNECT_PATH = "/v1/connect"

#: WebSocket close codes used by the gateway (4000-4999 are private use).
CLOSE_REFUSED = 4003  # registration refused: do not retry with the same credentials
CLOSE_REPLACED = 4009  # the same host connected again; this older connection is closed

#: Registration refusals (``{"type": "refused", "error": ...}``).
REFUSALS = (
    "token_unknown",
    "token_expired",
    "token_used",
    "unknown_host",
    "bad_proof",
    "hypervisor_mismatch",
    "invalid_register",
)


def gateway_url(management_url: str) -> str:
    """``http(s)://mgmt:port[/prefix]`` (or ``ws(s)://``) → the WebSocket URL to dial."""
    parts = urlsplit(management_url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise ValueError(f"--connect wants http(s)://host:port, got {management_url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(CONNECT_PATH):
        path += CONNECT_PATH
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def proof(secret: str, challenge: str, host_uuid: str) -> str:
    """Hex HMAC-SHA256 with which an agent proves it holds ``host_uuid``'s issued secret;
    ``challenge`` is fresh for every connection, so a captured proof cannot be replayed."""
    msg = "\n".join(["AGENT-CONNECT-V1", challenge, host_uuid]).encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def check_proof(secret: str, challenge: str, host_uuid: str, given: str) -> bool:
    """Constant-time comparison of a reconnect proof."""
    return hmac.compare_digest(proof(secret, challenge, host_uuid).encode(), given.encode())


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON text frame."""
    return json.dumps(message, separators=(",", ":"))


def loads(frame: str | bytes) -> dict[str, Any]:
    """Parse one frame; anything but a JSON object with a string ``type`` is ValueError."""
    data = json.loads(frame)
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ValueError("a frame must be a JSON object with a 'type'")
    return data
