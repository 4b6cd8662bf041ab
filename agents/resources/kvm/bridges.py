"""Linux bridges for guest NICs: one bridge per VLAN (this kernel has no 802.1Q)."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from agents.errors import HypervisorError
from agents.protocol.specs import NicSpec

_IFNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,14}$")


def bridge_for(nic: NicSpec, options: dict[str, Any]) -> str:
    """Bridge name of a NIC: explicit bridge, VLAN map, ``<prefix><vlan>``, or default."""
    if nic.bridge:
        name = nic.bridge
    elif nic.vlan is not None:
        vlan_map = options.get("vlan_bridges", {})
        name = vlan_map.get(str(nic.vlan)) or f"{options.get('bridge_prefix', 'brvlan')}{nic.vlan}"
    else:
        name = options.get("default_bridge", "cloudbr0")
    if not _IFNAME_RE.match(name):
        raise HypervisorError(f"bad bridge name {name!r}")
    return name


def _ip(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ip", *args], capture_output=True, timeout=timeout, check=False)


def ensure_bridge(name: str, timeout: float = 10.0) -> bool:
    """Create and bring up bridge ``name`` unless it exists; True if it was created."""
    if not _IFNAME_RE.match(name):
        raise HypervisorError(f"bad bridge name {name!r}")
    if _ip(["link", "show", "dev", name], timeout).returncode == 0:
        return False
    for args in (
        ["link", "add", "name", name, "type", "bridge"],
        ["link", "set", "dev", name, "up"],
    ):
        proc = _ip(args, timeout)
        if proc.returncode != 0:
            raise HypervisorError(f"ip {' '.join(args)}: {proc.stderr.decode().strip()}")
    return True


def delete_bridge(name: str, timeout: float = 10.0) -> None:
    """Remove a bridge (used by tests and when a network is torn down)."""
    if _IFNAME_RE.match(name) and _ip(["link", "show", "dev", name], timeout).returncode == 0:
        _ip(["link", "delete", "dev", name, "type", "bridge"], timeout)
