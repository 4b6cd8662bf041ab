"""Agent configuration, read from a JSON or TOML file."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.accounts import Account
from agents.errors import InvalidCommand


@dataclass
class AgentConfig:
    """Server settings plus free-form options for the chosen resource.

    ``secret`` is the optional pre-shared (static) secret; ``accounts`` are enrollment
    accounts (see :mod:`agents.accounts`); ``state_file`` keeps the secrets issued by
    enrollment (default: ``<config file>.state.json``; empty = memory only).
    """

    secret: str = ""
    accounts: list[Account] = field(default_factory=list)
    state_file: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    request_timeout_s: float = 30.0
    max_body_bytes: int = 4 * 1024 * 1024
    resource: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentConfig:
        """Validate a parsed config document."""
        secret = data.get("secret", "")
        if not isinstance(secret, str) or 0 < len(secret) < 16:
            raise InvalidCommand("config: 'secret' must be a string of at least 16 characters")
        accounts = data.get("accounts", [])
        if not isinstance(accounts, list):
            raise InvalidCommand("config: 'accounts' must be a list")
        resource = data.get("resource", {})
        if not isinstance(resource, dict):
            raise InvalidCommand("config: 'resource' must be a table/object")
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise InvalidCommand(f"config: unknown key(s) {', '.join(sorted(unknown))}")
        return cls(
            secret=secret,
            accounts=[Account.from_dict(a) for a in accounts],
            state_file=str(data.get("state_file", "")),
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
        state = Path(str(data.get("state_file") or p.name + ".state.json"))
        data["state_file"] = str(state if state.is_absolute() else p.parent / state)
        return cls.from_dict(data)


def add_account(path: str | Path, account: Account) -> None:
    """Write ``account`` into the config file at ``path`` (validated first). JSON files are
    rewritten with the account replacing one of the same name; TOML files get an
    ``[[accounts]]`` table appended (a duplicate name is refused)."""
    p = Path(path)
    raw = p.read_text() if p.exists() else ""
    if p.suffix == ".toml":
        data = tomllib.loads(raw)
        if any(a.get("username") == account.username for a in data.get("accounts", [])):
            raise InvalidCommand(f"{p}: account {account.username!r} exists; remove it first")
        table = "".join(f"{k} = {json.dumps(v)}\n" for k, v in account.to_dict().items())
        text = raw + ("" if raw.endswith("\n") or not raw else "\n") + "\n[[accounts]]\n" + table
        AgentConfig.from_dict(tomllib.loads(text))  # still a valid config
    else:
        data = json.loads(raw) if raw.strip() else {}
        others = [a for a in data.get("accounts", []) if a.get("username") != account.username]
        data["accounts"] = [*others, account.to_dict()]
        AgentConfig.from_dict(data)
        text = json.dumps(data, indent=2) + "\n"
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text)
    if p.exists():
        os.chmod(tmp, p.stat().st_mode & 0o777)
    os.replace(tmp, p)
