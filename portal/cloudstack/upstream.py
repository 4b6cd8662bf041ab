"""Upstream CloudStack's commands as data: what each command accepts, for refusing the
parameters we do not implement and for the parity report (``manage.py cloudstack_parity``).

``reference/apis.json`` is generated from ``../shared/reference/cloudstack-apis.json``
(``manage.py cloudstack_parity --import-reference PATH``): per command its async flag, its
parameters (type, required) and its response field names.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).with_name("reference") / "apis.json"

# Transport and authentication, not command arguments (ApiServlet/ApiServer read them):
# never refused, never counted. ``_`` is the cache buster jQuery and the UI add.
PROTOCOL_PARAMS = frozenset(
    {
        "command",
        "response",
        "apikey",
        "signature",
        "signatureversion",
        "expires",
        "sessionkey",
        "_",
        "ctxaccountid",
        "ctxuserid",
        "ctxstarteventid",
        "ctxdetails",
    }
)


@cache
def reference() -> dict[str, Any]:
    """``{"source": ..., "api": {name: {"isasync", "params": {name: [type, required]},
    "response": [field, ...]}}}``."""
    return json.loads(REFERENCE.read_text())


def commands() -> dict[str, dict[str, Any]]:
    return reference()["api"]


@cache
def _by_lower() -> dict[str, str]:
    return {name.lower(): name for name in commands()}


def upstream_name(command: str) -> str | None:
    """Upstream's spelling of ``command`` (matched in any case), None if upstream lacks it."""
    return _by_lower().get(command.lower())


@cache
def params(command: str) -> frozenset[str]:
    """The lower-cased argument names upstream's ``command`` takes (protocol ones excluded)."""
    name = upstream_name(command)
    if name is None:
        return frozenset()
    return frozenset(p.lower() for p in commands()[name]["params"]) - PROTOCOL_PARAMS


# Upstream booleans whose default is true (the rest default to false when absent).
TRUE_BY_DEFAULT = frozenset(
    {"fordisplay", "displayvm", "displaynetwork", "displayvolume", "displayoffering"}
)


@cache
def _types(name: str) -> dict[str, str]:
    return {p.lower(): t for p, (t, _) in commands()[name]["params"].items()}


def asks_nothing(command: str, param: str, value: str) -> bool:
    """True when ``param=value`` only restates upstream's default for a boolean argument of
    a command that is not an update (``displayvm=true``, ``expunge=false``): sending it
    asks for nothing, so an unimplemented one need not be refused. Clients such as
    Ansible's modules send their booleans' defaults explicitly."""
    name = upstream_name(command)
    if name is None or name.startswith("update"):
        return False
    if _types(name).get(param) != "boolean":
        return False
    return (value.strip().lower() == "true") == (param in TRUE_BY_DEFAULT)


def compact(listapis: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a ``listApis``-shaped reference (``{"source", "api": [...]}``)."""
    return {
        "source": listapis.get("source", ""),
        "api": {
            api["name"]: {
                "isasync": bool(api.get("isasync")),
                "params": {
                    p["name"]: [p.get("type", "string"), bool(p.get("required"))]
                    for p in api.get("params", [])
                    if p["name"].lower() not in PROTOCOL_PARAMS
                },
                "response": [r["name"] for r in api.get("response", [])],
            }
            for api in listapis["api"]
        },
    }


def dump(data: dict[str, Any]) -> str:
    """One command per line, sorted, so that a refresh diffs readably."""
    lines = [f'{{"source": {json.dumps(data["source"])}, "api": {{']
    items = sorted(data["api"].items())
    for i, (name, spec) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(spec, sort_keys=True)}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"
