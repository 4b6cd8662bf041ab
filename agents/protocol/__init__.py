"""Versioned JSON wire protocol between the management server and host agents.

A request body is ``{"protocol": 1, "command": "<name>", "args": {...}}`` or a batch
``{"protocol": 1, "batch": [{"command": ..., "args": ...}, ...]}``. Answers are flat JSON
objects (see :class:`Answer`). Everything here is stdlib-only.
"""

from __future__ import annotations

import json
from typing import Any

from agents import AGENT_VERSION
from agents.errors import InvalidCommand, UnknownCommand
from agents.protocol.codec import from_dict, to_dict
from agents.protocol.commands import COMMANDS, Answer, Command, answer_class, command_names
from agents.protocol.specs import DiskSpec, NicSpec, PoolInfo, PoolSpec, VmSpec, VmStats

PROTOCOL_VERSION = 1
MAX_BATCH = 100

__all__ = [
    "AGENT_VERSION",
    "COMMANDS",
    "MAX_BATCH",
    "PROTOCOL_VERSION",
    "Answer",
    "Command",
    "DiskSpec",
    "NicSpec",
    "PoolInfo",
    "PoolSpec",
    "VmSpec",
    "VmStats",
    "answer_class",
    "command_names",
    "decode_answer",
    "decode_command",
    "encode_command",
    "encode_request",
    "error_object",
    "parse_request",
]


def encode_command(cmd: Command) -> dict[str, Any]:
    """``{"command": name, "args": {...}}`` for one command."""
    return {"command": cmd.name, "args": to_dict(cmd)}


def encode_request(commands: list[Command], batch: bool = False) -> bytes:
    """Serialise one command (or a batch) into a request body."""
    if batch:
        body: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "batch": [encode_command(c) for c in commands],
        }
    else:
        (cmd,) = commands
        body = {"protocol": PROTOCOL_VERSION, **encode_command(cmd)}
    return json.dumps(body, separators=(",", ":")).encode()


def decode_command(item: Any, where: str = "request") -> Command:
    """Build a typed command from ``{"command": ..., "args": ...}``."""
    if not isinstance(item, dict):
        raise InvalidCommand(f"{where}: expected an object")
    name = item.get("command")
    if not isinstance(name, str):
        raise InvalidCommand(f"{where}: 'command' must be a string")
    cls = COMMANDS.get(name)
    if cls is None:
        raise UnknownCommand(f"{where}: unknown command {name!r}")
    extra = set(item) - {"command", "args", "protocol"}
    if extra:
        raise InvalidCommand(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
    return from_dict(cls, item.get("args", {}), f"{name}.args")


def parse_request(body: bytes) -> tuple[list[Command], bool]:
    """Parse a request body; returns the commands and whether it was a batch."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCommand(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidCommand("body must be a JSON object")
    version = data.get("protocol", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION:
        raise InvalidCommand(f"protocol version {version!r} not supported (want 1)")
    if "batch" in data:
        items = data["batch"]
        if set(data) - {"batch", "protocol"}:
            raise InvalidCommand("a batch request has only 'protocol' and 'batch'")
        if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
            raise InvalidCommand(f"'batch' must be a list of 1..{MAX_BATCH} commands")
        return [decode_command(it, f"batch[{i}]") for i, it in enumerate(items)], True
    return [decode_command(data)], False


def decode_answer(data: Any, command: str = "") -> Answer:
    """Build the typed answer for ``command`` from a JSON object (client side)."""
    if not isinstance(data, dict):
        raise InvalidCommand("answer must be a JSON object")
    name = data.get("command") or command
    cls = answer_class(name)
    known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
    return from_dict(cls, known, f"{name or 'answer'}.answer")


def error_object(code: str, details: str) -> dict[str, Any]:
    """JSON body of an HTTP error response (400/401/404/413/500)."""
    return {
        "result": False,
        "error": code,
        "details": details,
        "agent_version": AGENT_VERSION,
        "protocol": PROTOCOL_VERSION,
    }
