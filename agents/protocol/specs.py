"""Value objects nested inside commands and answers: VM, disk, NIC and pool specs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

PowerState = Literal["running", "stopped", "paused", "unknown"]
DiskType = Literal["root", "data", "iso"]
DiskFormat = Literal["qcow2", "raw", "vhd", "vhdx", "iso"]
PoolType = Literal["dir", "nfs", "smb"]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_MAC_RE = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


def check_name(value: str, what: str) -> None:
    """Reject names that could escape a path or a command (VMs, volumes, pools)."""
    if not _NAME_RE.match(value):
        raise ValueError(f"{what} {value!r} must match {_NAME_RE.pattern}")


@dataclass
class DiskSpec:
    """One disk of a VM: a volume in a primary pool, or an ISO."""

    device_id: int
    type: DiskType = "root"
    pool: str = ""
    volume: str = ""
    path: str = ""
    size_bytes: int = 0
    format: DiskFormat = "qcow2"

    def __post_init__(self) -> None:
        if not 0 <= self.device_id < 26:
            raise ValueError("device_id must be between 0 and 25")
        if self.volume:
            check_name(self.volume, "volume")
        if self.pool:
            check_name(self.pool, "pool")
        if not self.volume and not self.path:
            raise ValueError("a disk needs a volume (in a pool) or a path")
        if self.volume and not self.pool:
            raise ValueError("a disk volume needs its pool")


@dataclass
class NicSpec:
    """One network interface; ``vlan`` or ``broadcast_uri`` (vlan://N) picks the bridge."""

    device_id: int
    mac: str
    ip: str = ""
    netmask: str = ""
    gateway: str = ""
    broadcast_uri: str = ""
    vlan: int | None = None
    bridge: str = ""
    default: bool = False

    def __post_init__(self) -> None:
        if not _MAC_RE.match(self.mac):
            raise ValueError(f"mac {self.mac!r} is not a MAC address")
        if self.vlan is None and self.broadcast_uri.startswith("vlan://"):
            tag = self.broadcast_uri.removeprefix("vlan://")
            if tag.isdigit():
                self.vlan = int(tag)
            elif tag != "untagged":
                raise ValueError(f"bad broadcast_uri {self.broadcast_uri!r}")
        if self.vlan is not None and not 1 <= self.vlan <= 4094:
            raise ValueError("vlan must be between 1 and 4094")
        if self.bridge:
            check_name(self.bridge, "bridge")


@dataclass
class VmSpec:
    """Everything needed to define and start a VM (CloudStack's VirtualMachineTO)."""

    name: str
    cpus: int
    memory_mib: int
    uuid: str = ""
    cpu_speed_mhz: int = 0
    disks: list[DiskSpec] = field(default_factory=list)
    nics: list[NicSpec] = field(default_factory=list)
    boot_order: list[Literal["hd", "cdrom", "network"]] = field(default_factory=lambda: ["hd"])
    vnc_password: str = ""
    kernel: str = ""
    initrd: str = ""
    cmdline: str = ""
    user_data: str = ""
    os_type: str = "linux"
    # Per-instance values from management-side plugins (``libvirt.xml.rewrite`` hook) for
    # the agent's domain XML rewriters; not interpreted by the agent itself.
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "vm name")
        if self.cpus < 1 or self.memory_mib < 16:
            raise ValueError("cpus must be >= 1 and memory_mib >= 16")
        if len(self.vnc_password) > 8:
            raise ValueError("vnc_password is limited to 8 characters by VNC")
        ids = [d.device_id for d in self.disks]
        if len(ids) != len(set(ids)):
            raise ValueError("disk device_id values must be unique")


@dataclass
class PoolSpec:
    """A primary storage pool: local directory, NFS export or SMB share."""

    name: str
    type: PoolType = "dir"
    path: str = ""
    host: str = ""
    source_path: str = ""
    uuid: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "pool")
        if self.type in ("nfs", "smb") and not (self.host and self.source_path):
            raise ValueError(f"a {self.type} pool needs host and source_path")


@dataclass
class VmStats:
    """Usage counters of one VM (cumulative counters, utilisation since last sample)."""

    state: PowerState = "unknown"
    cpus: int = 0
    cpu_utilization: float = 0.0
    memory_kib: int = 0
    disk_read_bytes: int = 0
    disk_write_bytes: int = 0
    net_rx_bytes: int = 0
    net_tx_bytes: int = 0


@dataclass
class PoolInfo:
    """Capacity of a storage pool in bytes."""

    name: str
    type: PoolType = "dir"
    path: str = ""
    capacity_bytes: int = 0
    used_bytes: int = 0
    available_bytes: int = 0
