"""Configuration keys: what a setting is called, what it means and where it may be set.

A key is declared once (upstream CloudStack's ``ConfigKey``: category, type, name, default,
description, dynamic flag, scopes) and placed in one of upstream's configuration groups and
subgroups. Values live in :class:`portal.models.ConfigurationValue`; code reads them with
:func:`portal.services.configuration.config_value`. Plugins and other apps add keys with
:func:`register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Upstream's ConfigKey.Scope values, as listConfigurations names them.
GLOBAL, ZONE, CLUSTER, STORAGE, ACCOUNT, DOMAIN, IMAGE_STORE = (
    "global",
    "zone",
    "cluster",
    "storagepool",
    "account",
    "domain",
    "imagestore",
)
SCOPES = (GLOBAL, ZONE, CLUSTER, STORAGE, ACCOUNT, DOMAIN, IMAGE_STORE)

# Upstream's configuration groups: name -> (description, precedence, {subgroup: precedence}).
GROUPS: dict[str, tuple[str, int, dict[str, int]]] = {
    "Access": (
        "Identity and Access management configuration",
        1,
        {"Account": 1, "Domain": 2, "Project": 3, "LDAP": 4, "SAML": 5},
    ),
    "Compute": (
        "Compute configuration",
        2,
        {"Virtual Machine": 1, "Kubernetes": 2, "High Availability": 3},
    ),
    "Storage": (
        "Storage configuration",
        3,
        {"Images": 1, "Volume": 2, "Snapshot": 3, "VM Snapshot": 4},
    ),
    "Network": ("Network configuration", 4, {"Network": 1, "DHCP": 2, "VPC": 3, "LoadBalancer": 4}),
    "Hypervisor": (
        "Hypervisor specific configuration",
        5,
        {"Hypervisor": 1, "KVM": 2, "VMware": 3, "XenServer": 4, "OVM": 5, "Baremetal": 6},
    ),
    "Management Server": (
        "Management Server configuration",
        6,
        {
            "API": 1,
            "Alerts": 2,
            "Events": 3,
            "Security": 4,
            "Limits": 6,
            "Jobs": 7,
            "Agent": 8,
        },
    ),
    "System VMs": (
        "System VMs related configuration",
        7,
        {"ConsoleProxyVM": 1, "SecStorageVM": 2, "VirtualRouter": 3, "Diagnostics": 4},
    ),
    "Infrastructure": (
        "Infrastructure configuration",
        8,
        {"Primary Storage": 1, "Secondary Storage": 2},
    ),
    "Usage Server": ("Usage Server related configuration", 9, {"Usage": 1}),
    "Miscellaneous": (
        "Miscellaneous configuration",
        999,
        {"Backup & Recovery": 1, "Certificate Authority": 2, "Quota": 3, "Others": 999},
    ),
}

TRUE_FALSE = {"true": True, "false": False}


def _integer(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise ValueError("a whole number is expected") from exc


def _decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation as exc:
        raise ValueError("a number is expected") from exc
    if not value.is_finite():
        raise ValueError("a number is expected")
    return value


def _boolean(raw: str) -> bool:
    try:
        return TRUE_FALSE[raw.strip().lower()]
    except KeyError as exc:
        raise ValueError("true or false is expected") from exc


def _regex(raw: str) -> str:
    try:
        re.compile(raw)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from exc
    return raw


PARSERS: dict[str, Callable[[str], Any]] = {
    "Boolean": _boolean,
    "Integer": _integer,
    "Long": _integer,
    "Float": _decimal,
    "Double": _decimal,
    "String": str,
}


@dataclass(frozen=True)
class ConfigKey:
    """One setting, as upstream declares it (``type`` is the Java class name)."""

    name: str
    type: str
    default: str
    description: str
    scopes: tuple[str, ...] = (GLOBAL,)
    category: str = "Advanced"
    group: str = "Miscellaneous"
    subgroup: str = "Others"
    component: str = "management-server"
    is_dynamic: bool = True
    secret: bool = False
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    options: tuple[str, ...] = ()
    parent: str = ""
    regex: bool = False
    extra_check: Callable[[Any], None] | None = field(default=None, compare=False)

    @property
    def display_text(self) -> str:
        """Upstream's generated display text: the name with spaces, first letter upper."""
        text = self.name.replace(".", " ")
        return text[:1].upper() + text[1:].lower()

    @property
    def most_specific_scope(self) -> str:
        return next((s for s in SCOPES[::-1] if s in self.scopes), GLOBAL)

    def parse(self, raw: str) -> Any:
        """The typed value of ``raw``; ``ValueError`` with a reason when it is not valid."""
        value = PARSERS[self.type](raw)
        if self.regex:
            _regex(value)
        if self.options and str(value) not in self.options:
            raise ValueError(f"one of {', '.join(self.options)} is expected")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"the minimum is {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"the maximum is {self.maximum}")
        if self.extra_check is not None:
            self.extra_check(value)
        return value

    def normalise(self, raw: str) -> str:
        """``raw`` as stored: parsed, checked and written back canonically."""
        value = self.parse(raw)
        if isinstance(value, bool):
            return "true" if value else "false"
        return raw.strip() if self.type != "String" else raw


KEYS: dict[str, ConfigKey] = {}


def register(*keys: ConfigKey) -> None:
    """Declare keys (a name declared twice must be declared the same way)."""
    for key in keys:
        if key.group not in GROUPS or key.subgroup not in GROUPS[key.group][2]:
            raise ValueError(f"{key.name}: unknown group/subgroup {key.group}/{key.subgroup}")
        if key.type not in PARSERS:
            raise ValueError(f"{key.name}: unknown type {key.type}")
        key.parse(key.default)
        existing = KEYS.get(key.name)
        if existing is not None and existing != key:
            raise ValueError(f"configuration key {key.name} is declared twice differently")
        KEYS[key.name] = key


# Modules that declare keys when imported: the core catalogue and the apps' own.
CATALOGUES = ("portal.config.catalogue", "compute.ha.config")
_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from importlib import import_module

    for module in CATALOGUES:
        try:
            import_module(module)
        except ModuleNotFoundError as exc:  # an app left out of this installation
            if exc.name != module:
                raise
    _loaded = True


def get_key(name: str) -> ConfigKey | None:
    _load()
    return KEYS.get(name)


def all_keys() -> list[ConfigKey]:
    _load()
    return sorted(KEYS.values(), key=lambda k: k.name)
