"""Every command of the wire protocol and the answer type it gets back."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from agents import AGENT_VERSION
from agents.protocol.specs import (
    DiskFormat,
    DiskSpec,
    NicSpec,
    PoolInfo,
    PoolSpec,
    PowerState,
    VmSpec,
    VmStats,
    check_name,
)

COMMANDS: dict[str, type[Command]] = {}


@dataclass
class Answer:
    """Base answer: every answer says whether it worked, why, and who answered."""

    result: bool = True
    details: str = ""
    agent_version: str = AGENT_VERSION
    command: str = ""
    error: str | None = None


@dataclass
class Command:
    """Base command; subclasses set ``name`` and ``answer_type``."""

    name: ClassVar[str] = ""
    answer_type: ClassVar[type[Answer]] = Answer
    # how long the agent may legitimately work on it; clients wait at least this long
    expected_s: ClassVar[float] = 0.0


def command(cls: type[Command]) -> type[Command]:
    """Register a command class under its wire name."""
    COMMANDS[cls.name] = cls
    return cls


class _VmNamed:
    """Mixin validating ``vm_name``."""

    vm_name: str

    def __post_init__(self) -> None:
        check_name(self.vm_name, "vm name")


@dataclass
class HostInfoAnswer(Answer):
    """Host facts reported at startup/ready (CloudStack's StartupRoutingCommand)."""

    hypervisor: str = ""
    hypervisor_version: str = ""
    hostname: str = ""
    cpus: int = 0
    cpu_sockets: int = 0
    cpu_speed_mhz: int = 0
    memory_bytes: int = 0
    capabilities: list[str] = field(default_factory=list)
    vm_states: dict[str, PowerState] = field(default_factory=dict)


@command
@dataclass
class ReadyCommand(Command):
    """Management server says the host is accepted; agent answers with its facts."""

    name: ClassVar[str] = "ready"
    answer_type: ClassVar[type[Answer]] = HostInfoAnswer
    host_id: str = ""


@command
@dataclass
class StartupCommand(Command):
    """Ask for host facts when the host is added."""

    name: ClassVar[str] = "startup"
    answer_type: ClassVar[type[Answer]] = HostInfoAnswer
    host_id: str = ""


@dataclass
class PingAnswer(Answer):
    """Heartbeat answer carrying the power state of every VM on the host."""

    vm_states: dict[str, PowerState] = field(default_factory=dict)


@command
@dataclass
class PingCommand(Command):
    """Heartbeat (CloudStack's PingRoutingCommand + HostVmStateReport)."""

    name: ClassVar[str] = "ping"
    answer_type: ClassVar[type[Answer]] = PingAnswer
    host_id: str = ""


@command
@dataclass
class CheckHealthCommand(Command):
    """Is the resource alive (can it talk to its hypervisor)?"""

    name: ClassVar[str] = "check_health"


@dataclass
class CheckHostAnswer(Answer):
    """Whether a peer host's agent answered HTTP (any status counts: it is alive)."""

    reachable: bool = False
    latency_ms: float = 0.0


@command
@dataclass
class CheckHostCommand(Command):
    """Host HA's neighbour check: GET a peer agent's ``/health`` URL from this host, with a
    timeout. Any HTTP answer (even 401) means the peer's agent process is alive; a refused
    connection or a timeout means it is not. Only http(s) URLs are accepted."""

    name: ClassVar[str] = "check_host"
    answer_type: ClassVar[type[Answer]] = CheckHostAnswer
    url: str = ""
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", self.url or ""):
            raise ValueError("url must be an http(s) URL")
        if not 0 < float(self.timeout_s) <= 300:
            raise ValueError("timeout_s must be between 0 and 300")


@dataclass
class VmAnswer(Answer):
    """Answer about one VM: its name and resulting power state."""

    vm_name: str = ""
    state: PowerState = "unknown"


@dataclass
class StartVmAnswer(VmAnswer):
    """Answer to start_vm; ``vnc_port`` is -1 when the hypervisor has no VNC."""

    vnc_port: int = -1


@command
@dataclass
class StartVmCommand(Command):
    """Define (or redefine) and start a VM; starting a running VM succeeds."""

    name: ClassVar[str] = "start_vm"
    answer_type: ClassVar[type[Answer]] = StartVmAnswer
    expected_s: ClassVar[float] = 300.0
    vm: VmSpec


@command
@dataclass
class StopVmCommand(_VmNamed, Command):
    """Stop a VM; ``forced`` powers it off at once. Absent or stopped VMs succeed."""

    name: ClassVar[str] = "stop_vm"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    forced: bool = False
    timeout_s: int = 60

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.timeout_s <= 600:
            raise ValueError("timeout_s must be between 0 and 600")


@command
@dataclass
class RebootVmCommand(_VmNamed, Command):
    """Reboot a running VM (``forced`` = hard reset)."""

    name: ClassVar[str] = "reboot_vm"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    forced: bool = False


@command
@dataclass
class DestroyVmCommand(_VmNamed, Command):
    """Power off and undefine a VM (volumes are kept). Absent VMs succeed."""

    name: ClassVar[str] = "destroy_vm"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str


@command
@dataclass
class CheckVmCommand(_VmNamed, Command):
    """Report the power state of one VM (CloudStack's CheckVirtualMachineCommand)."""

    name: ClassVar[str] = "check_vm"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str


@dataclass
class VmStatsAnswer(Answer):
    """Stats per VM; VMs that do not exist are left out."""

    stats: dict[str, VmStats] = field(default_factory=dict)


@command
@dataclass
class VmStatsCommand(Command):
    """Usage counters of the named VMs (all VMs when the list is empty)."""

    name: ClassVar[str] = "vm_stats"
    answer_type: ClassVar[type[Answer]] = VmStatsAnswer
    vm_names: list[str] = field(default_factory=list)


@dataclass
class HostStatsAnswer(Answer):
    """Host usage (CloudStack's GetHostStatsAnswer)."""

    cpus: int = 0
    cpu_utilization: float = 0.0
    total_memory_bytes: int = 0
    free_memory_bytes: int = 0
    vm_count: int = 0


@command
@dataclass
class HostStatsCommand(Command):
    """Host CPU and memory usage."""

    name: ClassVar[str] = "host_stats"
    answer_type: ClassVar[type[Answer]] = HostStatsAnswer


@dataclass
class PoolAnswer(Answer):
    """Answer carrying a pool's capacity."""

    pool: PoolInfo | None = None


@command
@dataclass
class StorageStatsCommand(Command):
    """Capacity and usage of a primary pool."""

    name: ClassVar[str] = "storage_stats"
    answer_type: ClassVar[type[Answer]] = PoolAnswer
    pool: str

    def __post_init__(self) -> None:
        check_name(self.pool, "pool")


@command
@dataclass
class ModifyStoragePoolCommand(Command):
    """Add (mount/define/start) or remove a primary pool; both are idempotent."""

    name: ClassVar[str] = "modify_storage_pool"
    answer_type: ClassVar[type[Answer]] = PoolAnswer
    pool: PoolSpec
    add: bool = True


@dataclass
class VolumeAnswer(Answer):
    """Answer describing a volume."""

    pool: str = ""
    volume: str = ""
    path: str = ""
    size_bytes: int = 0
    format: str = ""


class _VolumeNamed:
    pool: str
    volume: str

    def __post_init__(self) -> None:
        check_name(self.pool, "pool")
        check_name(self.volume, "volume")


@command
@dataclass
class CreateVolumeCommand(_VolumeNamed, Command):
    """Create a volume; with ``template`` it is a linked clone of that volume in the pool."""

    name: ClassVar[str] = "create_volume"
    answer_type: ClassVar[type[Answer]] = VolumeAnswer
    pool: str
    volume: str
    size_bytes: int
    format: DiskFormat = "qcow2"
    template: str = ""


@command
@dataclass
class DeleteVolumeCommand(_VolumeNamed, Command):
    """Delete a volume; deleting an absent volume succeeds."""

    name: ClassVar[str] = "delete_volume"
    answer_type: ClassVar[type[Answer]] = VolumeAnswer
    pool: str
    volume: str


@command
@dataclass
class CopyVolumeCommand(_VolumeNamed, Command):
    """Copy volume ``volume`` of ``source_pool`` into ``pool`` under the same name (a full,
    flattened copy); the source stays, so a failed migration loses nothing. Copying onto an
    existing copy of the same size succeeds."""

    name: ClassVar[str] = "copy_volume"
    answer_type: ClassVar[type[Answer]] = VolumeAnswer
    expected_s: ClassVar[float] = 3600.0
    source_pool: str
    pool: str
    volume: str
    format: DiskFormat = "qcow2"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_name(self.source_pool, "source pool")


@command
@dataclass
class CopyTemplateCommand(_VolumeNamed, Command):
    """Copy a template from secondary storage (URL, path or UNC) into a primary pool."""

    name: ClassVar[str] = "copy_template"
    answer_type: ClassVar[type[Answer]] = VolumeAnswer
    expected_s: ClassVar[float] = 3600.0
    source: str
    pool: str
    volume: str
    format: DiskFormat = "qcow2"
    sha256: str = ""


@command
@dataclass
class CreateTemplateFromVolumeCommand(_VolumeNamed, Command):
    """Write a full, flattened copy of volume ``volume`` of ``pool`` (or of its snapshot
    ``snapshot``) to ``destination`` on secondary storage: an absolute path where the image
    store is mounted on the host (inside the agent's ``template_roots``), as createTemplate
    does. The volume must not be open by a running VM. An existing destination is replaced."""

    name: ClassVar[str] = "create_template_from_volume"
    answer_type: ClassVar[type[Answer]] = VolumeAnswer
    expected_s: ClassVar[float] = 3600.0
    pool: str
    volume: str
    destination: str
    snapshot: str = ""
    format: DiskFormat = "qcow2"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.snapshot:
            check_name(self.snapshot, "snapshot")
        parts = self.destination.replace("\\", "/").split("/")
        if not self.destination.startswith(("/", "\\\\")) or ".." in parts:
            raise ValueError("destination must be an absolute path or UNC without '..'")


@command
@dataclass
class AttachDiskCommand(_VmNamed, Command):
    """Attach a disk to a VM (live if running); attaching it twice succeeds."""

    name: ClassVar[str] = "attach_disk"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    disk: DiskSpec


@command
@dataclass
class DetachDiskCommand(_VmNamed, Command):
    """Detach a disk from a VM; detaching an absent disk succeeds."""

    name: ClassVar[str] = "detach_disk"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    disk: DiskSpec


@command
@dataclass
class PlugNicCommand(_VmNamed, Command):
    """Add a network interface to a VM (live if running, and to its definition); plugging
    the same MAC twice succeeds."""

    name: ClassVar[str] = "plug_nic"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    nic: NicSpec


@command
@dataclass
class UnplugNicCommand(_VmNamed, Command):
    """Remove the interface with ``nic.mac`` from a VM; an absent interface succeeds."""

    name: ClassVar[str] = "unplug_nic"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    vm_name: str
    nic: NicSpec


@dataclass
class VncPortAnswer(Answer):
    """Where the VM's console listens (Hyper-V: ``address`` = instanceId, port -9)."""

    address: str = ""
    port: int = -1


@command
@dataclass
class GetVncPortCommand(_VmNamed, Command):
    """Console address of a running VM."""

    name: ClassVar[str] = "get_vnc_port"
    answer_type: ClassVar[type[Answer]] = VncPortAnswer
    vm_name: str


@command
@dataclass
class MigrateVmCommand(_VmNamed, Command):
    """Live-migrate a VM to another host (libvirt URI or Hyper-V host name)."""

    name: ClassVar[str] = "migrate_vm"
    answer_type: ClassVar[type[Answer]] = VmAnswer
    expected_s: ClassVar[float] = 3600.0
    vm_name: str
    destination: str
    live: bool = True


@dataclass
class SnapshotAnswer(Answer):
    """Answer about one volume snapshot: where it lives and how large the volume was."""

    pool: str = ""
    volume: str = ""
    snapshot: str = ""
    path: str = ""
    size_bytes: int = 0


class _SnapshotNamed(_VolumeNamed):
    """Mixin validating ``pool``, ``volume``, ``snapshot`` and the optional ``vm_name``."""

    snapshot: str
    vm_name: str

    def __post_init__(self) -> None:
        super().__post_init__()
        check_name(self.snapshot, "snapshot")
        if self.vm_name:
            check_name(self.vm_name, "vm name")


@command
@dataclass
class CreateSnapshotCommand(_SnapshotNamed, Command):
    """Snapshot a volume; ``vm_name`` names the VM it is attached to ("" when detached).
    Creating an existing snapshot succeeds."""

    name: ClassVar[str] = "create_snapshot"
    answer_type: ClassVar[type[Answer]] = SnapshotAnswer
    expected_s: ClassVar[float] = 600.0
    pool: str
    volume: str
    snapshot: str
    vm_name: str = ""


@command
@dataclass
class DeleteSnapshotCommand(_SnapshotNamed, Command):
    """Delete a volume snapshot; deleting an absent snapshot (or volume) succeeds."""

    name: ClassVar[str] = "delete_snapshot"
    answer_type: ClassVar[type[Answer]] = SnapshotAnswer
    expected_s: ClassVar[float] = 600.0
    pool: str
    volume: str
    snapshot: str
    vm_name: str = ""


@command
@dataclass
class RevertSnapshotCommand(_SnapshotNamed, Command):
    """Bring a volume back to a snapshot; the VM it is attached to must be stopped."""

    name: ClassVar[str] = "revert_snapshot"
    answer_type: ClassVar[type[Answer]] = SnapshotAnswer
    expected_s: ClassVar[float] = 600.0
    pool: str
    volume: str
    snapshot: str
    vm_name: str = ""


def answer_class(name: str) -> type[Answer]:
    """Answer type for a command name (plain :class:`Answer` for unknown names)."""
    cls = COMMANDS.get(name)
    return cls.answer_type if cls else Answer


def command_names() -> list[str]:
    """All command names, sorted."""
    return sorted(COMMANDS)


# -- network rules (the network element: firewall, port forwarding, static NAT, egress,
# security groups). Each command carries the COMPLETE rule set of its scope, so applying
# it twice is the same as applying it once. --------------------------------------------------

RuleProtocol = Literal["tcp", "udp", "icmp", "all"]


def _check_ipv4(value: str, what: str) -> None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not an IPv4 address") from exc


def _check_cidr(value: str, what: str = "cidr") -> None:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not an IPv4 CIDR") from exc


def _check_ports(start: int, end: int, what: str) -> None:
    if not (1 <= start <= end <= 65535):
        raise ValueError(f"{what} {start}-{end} must satisfy 1 <= start <= end <= 65535")


@dataclass
class RuleSpec:
    """Traffic a rule matches: protocol, port range (tcp/udp) or ICMP type/code (-1 = any),
    and the remote CIDRs (sources for ingress, destinations for security-group egress)."""

    protocol: RuleProtocol
    start_port: int = 0
    end_port: int = 0
    icmp_type: int = -1
    icmp_code: int = -1
    cidrs: list[str] = field(default_factory=lambda: ["0.0.0.0/0"])

    def __post_init__(self) -> None:
        if self.protocol in ("tcp", "udp"):
            _check_ports(self.start_port, self.end_port, "port range")
        elif self.start_port or self.end_port:
            raise ValueError(f"{self.protocol} rules take no ports")
        if not (-1 <= self.icmp_type <= 255 and -1 <= self.icmp_code <= 255):
            raise ValueError("icmp type/code must be between -1 and 255")
        for cidr in self.cidrs:
            _check_cidr(cidr)


@dataclass
class PortForwardSpec:
    """Public port range of the IP forwarded to ``private_ip``'s private port range."""

    protocol: Literal["tcp", "udp"]
    public_start: int
    public_end: int
    private_ip: str
    private_start: int
    private_end: int

    def __post_init__(self) -> None:
        _check_ports(self.public_start, self.public_end, "public ports")
        _check_ports(self.private_start, self.private_end, "private ports")
        if self.public_end - self.public_start != self.private_end - self.private_start:
            raise ValueError("public and private port ranges must have the same size")
        _check_ipv4(self.private_ip, "private_ip")


@dataclass
class PublicIpRules:
    """One public IP: its firewall (ingress allow) rules, port forwards and static NAT."""

    address: str
    static_nat_ip: str = ""
    firewall: list[RuleSpec] = field(default_factory=list)
    port_forwards: list[PortForwardSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_ipv4(self.address, "address")
        if self.static_nat_ip:
            _check_ipv4(self.static_nat_ip, "static_nat_ip")
        if self.static_nat_ip and self.port_forwards:
            raise ValueError(f"{self.address}: static NAT and port forwarding are exclusive")


@dataclass
class NetworkRulesAnswer(Answer):
    """How many rules the agent now enforces for the network (0 when not managed)."""

    rule_count: int = 0
    applied: bool = False


@command
@dataclass
class ApplyNetworkRulesCommand(Command):
    """Replace the whole rule set of guest network ``network_id``: ingress firewall, port
    forwarding and static NAT on its public IPs, and egress from ``guest_cidr``
    (``egress_default_allow``: the egress rules deny; else they allow and the rest drops)."""

    name: ClassVar[str] = "apply_network_rules"
    answer_type: ClassVar[type[Answer]] = NetworkRulesAnswer
    expected_s: ClassVar[float] = 30.0
    network_id: str
    bridge: str = ""
    vlan: int | None = None
    guest_cidr: str = ""
    public_ips: list[PublicIpRules] = field(default_factory=list)
    egress_default_allow: bool = True
    egress: list[RuleSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_name(self.network_id, "network id")
        if self.bridge:
            check_name(self.bridge, "bridge")
        if self.vlan is not None and not 1 <= self.vlan <= 4094:
            raise ValueError("vlan must be between 1 and 4094")
        if self.guest_cidr:
            _check_cidr(self.guest_cidr, "guest_cidr")
        addresses = [ip.address for ip in self.public_ips]
        if len(set(addresses)) != len(addresses):
            raise ValueError("a public IP appears twice")


_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


@dataclass
class NicSecurityRules:
    """One VM NIC (MAC and IP) with the ingress and egress it is allowed; no egress rules
    means all egress is allowed (CloudStack's default group)."""

    mac: str
    ip: str
    ingress: list[RuleSpec] = field(default_factory=list)
    egress: list[RuleSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _MAC.match(self.mac):
            raise ValueError(f"mac {self.mac!r} is not a lower-case MAC address")
        _check_ipv4(self.ip, "ip")


@dataclass
class VmSecurityRules:
    vm_name: str
    nics: list[NicSecurityRules] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_name(self.vm_name, "vm name")


@command
@dataclass
class ApplySecurityGroupsCommand(Command):
    """Replace the security-group filtering of this host with the rules of ``vms`` (every
    VM on the host that is in a security group; VMs left out are not filtered)."""

    name: ClassVar[str] = "apply_security_groups"
    answer_type: ClassVar[type[Answer]] = NetworkRulesAnswer
    expected_s: ClassVar[float] = 30.0
    vms: list[VmSecurityRules] = field(default_factory=list)
