"""Agent configuration, read from a JSON or TOML file."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.errors import InvalidCommand


@dataclass
class AgentConfig:
    """Server settings plus free-form options for the chosen resource."""

    secret: str
    tls_cert: str = ""
    tls_key: str = ""
    request_timeout_s: float = 30.0
    max_body_bytes: int = 4 * 1024 * 1024
    resource: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentConfig:
        """Validate a parsed config document."""
        secret = data.get("secret")
        if not isinstance(secret, str) or len(secret) < 16:
            raise InvalidCommand("config: 'secret' must be a string of at least 16 characters")
        resource = data.get("resource", {})
        if not isinstance(resource, dict):
            raise InvalidCommand("config: 'resource' must be a table/object")
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise InvalidCommand(f"config: unknown key(s) {', '.join(sorted(unknown))}")
        return cls(
            secret=secret,
            tls_cert=str(data.get("tls_cert", "")),
            tls_key=str(data.get("tls_key", "")),
            request_timeout_s=float(data.get("request_timeout_s", 30.0)),
            max_body_bytes=int(data.get("max_body_bytes", 4 * 1024 * 1024)),
            resource=resource,
        )

    @classmethod
    def load(cls, path: str | Path) -> AgentConfig:
        """Load ``path`` (``.toml`` is TOML, anything else JSON)."""
        p = Path(path)
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode()) if p.suffix == ".toml" else json.loads(raw)
        if not isinstance(data, dict):
            raise InvalidCommand("config: top level must be an object")
        return cls.from_dict(data)
