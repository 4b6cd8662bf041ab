"""In-memory fake hypervisor for demos, UI work and scale tests.

One :class:`SimulatorFleet` serves many simulated hosts (``/v1/hosts/<id>/commands``),
each with its own :class:`SimulatorResource` created on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from agents import AGENT_VERSION
from agents.errors import (
    Conflict,
    InsufficientCapacity,
    InvalidCommand,
    MigrationFailed,
    NotFound,
    PoolNotFound,
    VmNotFound,
    VolumeNotFound,
)
from agents.protocol import commands as c
from agents.protocol.specs import DiskSpec, PoolInfo, PowerState, VmSpec, VmStats
from agents.resources.base import Provider, Resource
from agents.resources.simulator_state import READ_ONLY, StateFile

GIB = 1024**3
_HOST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger(__name__)


@dataclass
class SimVm:
    """A simulated VM."""

    spec: VmSpec
    state: PowerState = "stopped"
    started_at: float = 0.0
    vnc_port: int = -1


class SimulatorResource(Resource):
    """A fake host keeping VMs, volumes and pools in dicts; every call is O(1)-ish."""

    hypervisor = "simulator"

    def __init__(
        self, options: dict[str, Any], host_id: str = "sim", fleet: SimulatorFleet | None = None
    ) -> None:
        super().__init__()
        self.host_id = host_id
        self.fleet = fleet
        self.cpus = int(options.get("cpus", 16))
        self.cpu_speed_mhz = int(options.get("cpu_speed_mhz", 2400))
        self.memory_bytes = int(options.get("memory_bytes", 64 * GIB))
        pool_bytes = self.pool_bytes = int(options.get("pool_capacity_bytes", 1024 * GIB))
        self.vms: dict[str, SimVm] = {}
        # Pools are shared storage: the hosts of one fleet see the same volumes.
        shared = fleet.shared_storage if fleet is not None else {}
        self.volumes: dict[tuple[str, str], tuple[int, str]] = shared.setdefault("volumes", {})
        # (pool, volume) -> {snapshot name: volume size when it was taken}
        self.snapshots: dict[tuple[str, str], dict[str, int]] = shared.setdefault("snapshots", {})
        self.pools: dict[str, PoolInfo] = shared.setdefault(
            "pools",
            {
                name: PoolInfo(name=name, path=f"/sim/{name}", capacity_bytes=pool_bytes)
                for name in options.get("pools", ["primary"])
            },
        )
        self._lock = threading.Lock()
        self._next_vnc = 5900
        latency = options.get("latency_ms", 0)
        self.latency_ms: dict[str, float] = (
            dict(latency) if isinstance(latency, dict) else {"*": float(latency)}
        )
        self.faults: dict[str, str] = dict(options.get("faults", {}))
        # The last rule set pushed per network id, and per VM name (security groups).
        self.network_rules: dict[str, c.ApplyNetworkRulesCommand] = {}
        self.security_groups: dict[str, c.VmSecurityRules] = {}

    def execute(self, cmd: c.Command) -> c.Answer:
        """Like every resource, plus the injected latency and failures of the config
        (``latency_ms``: a number or ``{command: ms, "*": ms}``; ``faults``:
        ``{command: message}``), which tests may also change at run time."""
        delay = self.latency_ms.get(cmd.name, self.latency_ms.get("*", 0))
        if delay:
            time.sleep(delay / 1000)
        message = self.faults.get(cmd.name) or self.faults.get("*")
        if message:
            answer = cmd.answer_type(result=False, error="injected_failure", details=message)
            answer.command = cmd.name
            return answer
        answer = super().execute(cmd)
        state = self.fleet.state if self.fleet is not None else None
        if state is not None and answer.result and cmd.name not in READ_ONLY:
            state.changed(self.fleet)
        return answer

    # -- helpers ---------------------------------------------------------------
    def _vm(self, name: str) -> SimVm:
        vm = self.vms.get(name)
        if vm is None:
            raise VmNotFound(f"no VM named {name}")
        return vm

    def _pool(self, name: str) -> PoolInfo:
        pool = self.pools.get(name)
        if pool is None:
            raise PoolNotFound(f"no pool named {name}")
        return pool

    def _check_disk(self, disk: DiskSpec) -> None:
        if disk.volume and (disk.pool, disk.volume) not in self.volumes:
            raise VolumeNotFound(f"volume {disk.volume} not in pool {disk.pool}")

    def _used_memory(self) -> int:
        return sum(v.spec.memory_mib * 1024**2 for v in self.vms.values() if v.state == "running")

    def _states(self) -> dict[str, PowerState]:
        return {name: vm.state for name, vm in self.vms.items()}

    def _answer(self, vm: SimVm) -> c.VmAnswer:
        return c.VmAnswer(vm_name=vm.spec.name, state=vm.state)

    # -- host ------------------------------------------------------------------
    def _host_info(self) -> c.HostInfoAnswer:
        with self._lock:
            return c.HostInfoAnswer(
                hypervisor="simulator",
                hypervisor_version=AGENT_VERSION,
                hostname=self.host_id,
                cpus=self.cpus,
                cpu_sockets=1,
                cpu_speed_mhz=self.cpu_speed_mhz,
                memory_bytes=self.memory_bytes,
                capabilities=["hvm", "snapshot", "migration"],
                vm_states=self._states(),
            )

    def ready(self, cmd: c.ReadyCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def startup(self, cmd: c.StartupCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def ping(self, cmd: c.PingCommand) -> c.PingAnswer:
        with self._lock:
            return c.PingAnswer(vm_states=self._states())

    def check_health(self, cmd: c.CheckHealthCommand) -> c.Answer:
        return c.Answer(details="resource is alive")

    def host_stats(self, cmd: c.HostStatsCommand) -> c.HostStatsAnswer:
        with self._lock:
            running = [v for v in self.vms.values() if v.state == "running"]
            used_cpus = sum(v.spec.cpus for v in running)
            return c.HostStatsAnswer(
                cpus=self.cpus,
                cpu_utilization=min(100.0, 10.0 * used_cpus / self.cpus),
                total_memory_bytes=self.memory_bytes,
                free_memory_bytes=self.memory_bytes - self._used_memory(),
                vm_count=len(self.vms),
            )

    # -- VM lifecycle ----------------------------------------------------------
    def start_vm(self, cmd: c.StartVmCommand) -> c.StartVmAnswer:
        spec = cmd.vm
        with self._lock:
            vm = self.vms.get(spec.name)
            if vm is not None and vm.state == "running":
                return c.StartVmAnswer(vm_name=spec.name, state="running", vnc_port=vm.vnc_port)
            for disk in spec.disks:
                self._check_disk(disk)
            if self._used_memory() + spec.memory_mib * 1024**2 > self.memory_bytes:
                raise InsufficientCapacity(f"not enough memory for {spec.name}")
            vm = SimVm(spec=spec, state="running", started_at=time.monotonic())
            vm.vnc_port = self._next_vnc
            self._next_vnc += 1
            self.vms[spec.name] = vm
            return c.StartVmAnswer(vm_name=spec.name, state="running", vnc_port=vm.vnc_port)

    def stop_vm(self, cmd: c.StopVmCommand) -> c.VmAnswer:
        with self._lock:
            vm = self.vms.get(cmd.vm_name)
            if vm is None:
                return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details="VM is absent")
            vm.state = "stopped"
            vm.vnc_port = -1
            return self._answer(vm)

    def reboot_vm(self, cmd: c.RebootVmCommand) -> c.VmAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            if vm.state != "running":
                raise Conflict(f"{cmd.vm_name} is not running")
            vm.started_at = time.monotonic()
            return self._answer(vm)

    def destroy_vm(self, cmd: c.DestroyVmCommand) -> c.VmAnswer:
        with self._lock:
            self.vms.pop(cmd.vm_name, None)
            return c.VmAnswer(vm_name=cmd.vm_name, state="stopped")

    def check_vm(self, cmd: c.CheckVmCommand) -> c.VmAnswer:
        with self._lock:
            return self._answer(self._vm(cmd.vm_name))

    def vm_stats(self, cmd: c.VmStatsCommand) -> c.VmStatsAnswer:
        with self._lock:
            names = cmd.vm_names or list(self.vms)
            now = time.monotonic()
            stats = {}
            for name in names:
                vm = self.vms.get(name)
                if vm is None:
                    continue
                up = now - vm.started_at if vm.state == "running" else 0.0
                stats[name] = VmStats(
                    state=vm.state,
                    cpus=vm.spec.cpus,
                    cpu_utilization=5.0 if vm.state == "running" else 0.0,
                    memory_kib=vm.spec.memory_mib * 1024,
                    disk_read_bytes=int(up * 4096),
                    disk_write_bytes=int(up * 1024),
                    net_rx_bytes=int(up * 2048),
                    net_tx_bytes=int(up * 512),
                )
            return c.VmStatsAnswer(stats=stats)

    def get_vnc_port(self, cmd: c.GetVncPortCommand) -> c.VncPortAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            if vm.state != "running":
                raise Conflict(f"{cmd.vm_name} is not running")
            return c.VncPortAnswer(address="127.0.0.1", port=vm.vnc_port)

    def migrate_vm(self, cmd: c.MigrateVmCommand) -> c.VmAnswer:
        """Move the VM to another simulated host of the same fleet when the destination
        names one (``.../hosts/<id>`` or a bare host id); otherwise it leaves this host."""
        with self._lock:
            vm = self._vm(cmd.vm_name)
            if vm.state != "running" and cmd.live:
                raise MigrationFailed(f"{cmd.vm_name} is not running")
            del self.vms[cmd.vm_name]
        target = self.fleet.find(cmd.destination) if self.fleet is not None else None
        if target is self:
            self._put_back(vm)
            raise MigrationFailed(f"{cmd.vm_name} is already on {self.host_id}")
        if target is not None:
            try:
                target.receive(vm)
            except InsufficientCapacity:
                self._put_back(vm)
                raise
        return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details=cmd.destination)

    def _put_back(self, vm: SimVm) -> None:
        with self._lock:
            self.vms[vm.spec.name] = vm

    def receive(self, vm: SimVm) -> None:
        """Accept a migrating VM (capacity checked like a start)."""
        with self._lock:
            if vm.state == "running" and (
                self._used_memory() + vm.spec.memory_mib * 1024**2 > self.memory_bytes
            ):
                raise InsufficientCapacity(f"{self.host_id} cannot take {vm.spec.name}")
            self.vms[vm.spec.name] = vm

    def attach_disk(self, cmd: c.AttachDiskCommand) -> c.VmAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            self._check_disk(cmd.disk)
            disks = [d for d in vm.spec.disks if d.device_id != cmd.disk.device_id]
            for d in vm.spec.disks:
                if d.device_id == cmd.disk.device_id and d != cmd.disk:
                    raise Conflict(f"device {d.device_id} of {cmd.vm_name} is in use")
            vm.spec.disks = [*disks, cmd.disk]
            return self._answer(vm)

    def detach_disk(self, cmd: c.DetachDiskCommand) -> c.VmAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            vm.spec.disks = [d for d in vm.spec.disks if d.device_id != cmd.disk.device_id]
            return self._answer(vm)

    def plug_nic(self, cmd: c.PlugNicCommand) -> c.VmAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            for nic in vm.spec.nics:
                if nic.device_id == cmd.nic.device_id and nic.mac != cmd.nic.mac:
                    raise Conflict(f"NIC device {nic.device_id} of {cmd.vm_name} is in use")
            others = [n for n in vm.spec.nics if n.mac != cmd.nic.mac]
            vm.spec.nics = [*others, cmd.nic]
            return self._answer(vm)

    def unplug_nic(self, cmd: c.UnplugNicCommand) -> c.VmAnswer:
        with self._lock:
            vm = self._vm(cmd.vm_name)
            vm.spec.nics = [n for n in vm.spec.nics if n.mac != cmd.nic.mac]
            return self._answer(vm)

    # -- storage ---------------------------------------------------------------
    def storage_stats(self, cmd: c.StorageStatsCommand) -> c.PoolAnswer:
        with self._lock:
            return c.PoolAnswer(pool=self._pool_info(self._pool(cmd.pool)))

    def _pool_info(self, pool: PoolInfo) -> PoolInfo:
        used = sum(size for (p, _), (size, _) in self.volumes.items() if p == pool.name)
        pool.used_bytes = used
        pool.available_bytes = pool.capacity_bytes - used
        return pool

    def modify_storage_pool(self, cmd: c.ModifyStoragePoolCommand) -> c.PoolAnswer:
        spec = cmd.pool
        with self._lock:
            if not cmd.add:
                self.pools.pop(spec.name, None)
                return c.PoolAnswer(details=f"pool {spec.name} removed")
            pool = self.pools.setdefault(
                spec.name,
                PoolInfo(
                    name=spec.name, type=spec.type, path=spec.path, capacity_bytes=self.pool_bytes
                ),
            )
            return c.PoolAnswer(pool=self._pool_info(pool))

    def _add_volume(self, pool: str, name: str, size: int, fmt: str) -> c.VolumeAnswer:
        info = self._pool_info(self._pool(pool))
        existing = self.volumes.get((pool, name))
        if existing is not None:
            if existing[0] != size:
                raise Conflict(f"volume {name} exists with size {existing[0]}")
        elif size > info.available_bytes:
            raise InsufficientCapacity(f"pool {pool} has {info.available_bytes} bytes free")
        self.volumes[(pool, name)] = (size, fmt)
        return c.VolumeAnswer(
            pool=pool, volume=name, path=f"{info.path}/{name}", size_bytes=size, format=fmt
        )

    def create_volume(self, cmd: c.CreateVolumeCommand) -> c.VolumeAnswer:
        with self._lock:
            if cmd.template and (cmd.pool, cmd.template) not in self.volumes:
                raise VolumeNotFound(f"template {cmd.template} not in pool {cmd.pool}")
            return self._add_volume(cmd.pool, cmd.volume, cmd.size_bytes, cmd.format)

    def delete_volume(self, cmd: c.DeleteVolumeCommand) -> c.VolumeAnswer:
        with self._lock:
            self.volumes.pop((cmd.pool, cmd.volume), None)
            self.snapshots.pop((cmd.pool, cmd.volume), None)
            return c.VolumeAnswer(pool=cmd.pool, volume=cmd.volume)

    def copy_volume(self, cmd: c.CopyVolumeCommand) -> c.VolumeAnswer:
        with self._lock:
            self._pool(cmd.source_pool)
            source = self.volumes.get((cmd.source_pool, cmd.volume))
            if source is None:
                raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.source_pool}")
            return self._add_volume(cmd.pool, cmd.volume, source[0], cmd.format)

    def copy_template(self, cmd: c.CopyTemplateCommand) -> c.VolumeAnswer:
        with self._lock:
            if not cmd.source:
                raise NotFound("empty template source")
            existing = self.volumes.get((cmd.pool, cmd.volume))
            size = existing[0] if existing else 2 * GIB
            return self._add_volume(cmd.pool, cmd.volume, size, cmd.format)

    def create_template_from_volume(self, cmd: c.CreateTemplateFromVolumeCommand) -> c.VolumeAnswer:
        """Keep the image (its size) under ``images`` in the fleet's shared storage."""
        with self._lock:
            self._pool(cmd.pool)
            volume = self.volumes.get((cmd.pool, cmd.volume))
            if volume is None:
                raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.pool}")
            size = volume[0]
            if cmd.snapshot:
                size = self.snapshots.get((cmd.pool, cmd.volume), {}).get(cmd.snapshot, -1)
                if size < 0:
                    raise NotFound(f"volume {cmd.volume} has no snapshot {cmd.snapshot}")
            images = self.fleet.shared_storage.setdefault("images", {}) if self.fleet else {}
            images[cmd.destination] = size
            return c.VolumeAnswer(
                pool=cmd.pool,
                volume=cmd.volume,
                path=cmd.destination,
                size_bytes=size,
                format=cmd.format,
            )

    # -- snapshots -------------------------------------------------------------
    def _snapshot_answer(self, cmd, size: int, details: str = "") -> c.SnapshotAnswer:
        return c.SnapshotAnswer(
            pool=cmd.pool,
            volume=cmd.volume,
            snapshot=cmd.snapshot,
            path=f"{self._pool(cmd.pool).path}/{cmd.volume}@{cmd.snapshot}",
            size_bytes=size,
            details=details,
        )

    def create_snapshot(self, cmd: c.CreateSnapshotCommand) -> c.SnapshotAnswer:
        """Snapshots work on detached volumes and on running or stopped VMs alike."""
        with self._lock:
            self._pool(cmd.pool)
            volume = self.volumes.get((cmd.pool, cmd.volume))
            if volume is None:
                raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.pool}")
            if cmd.vm_name:
                self._vm(cmd.vm_name)
            taken = self.snapshots.setdefault((cmd.pool, cmd.volume), {})
            details = "snapshot already exists" if cmd.snapshot in taken else ""
            size = taken.setdefault(cmd.snapshot, volume[0])
            return self._snapshot_answer(cmd, size, details)

    def delete_snapshot(self, cmd: c.DeleteSnapshotCommand) -> c.SnapshotAnswer:
        with self._lock:
            size = self.snapshots.get((cmd.pool, cmd.volume), {}).pop(cmd.snapshot, None)
            return self._snapshot_answer(cmd, size or 0, "" if size else "already absent")

    def revert_snapshot(self, cmd: c.RevertSnapshotCommand) -> c.SnapshotAnswer:
        with self._lock:
            volume = self.volumes.get((cmd.pool, cmd.volume))
            if volume is None:
                raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.pool}")
            size = self.snapshots.get((cmd.pool, cmd.volume), {}).get(cmd.snapshot)
            if size is None:
                raise NotFound(f"volume {cmd.volume} has no snapshot {cmd.snapshot}")
            vm = self.vms.get(cmd.vm_name) if cmd.vm_name else None
            if vm is not None and vm.state != "stopped":
                raise Conflict(f"{cmd.vm_name} is {vm.state}; stop it before reverting")
            self.volumes[(cmd.pool, cmd.volume)] = (size, volume[1])
            return self._snapshot_answer(cmd, size)

    # -- network rules -----------------------------------------------------------
    def apply_network_rules(self, cmd: c.ApplyNetworkRulesCommand) -> c.NetworkRulesAnswer:
        """Keep the network's complete rule set (replacing the previous one)."""
        with self._lock:
            self.network_rules[cmd.network_id] = cmd
            count = len(cmd.egress) + sum(
                len(ip.firewall) + len(ip.port_forwards) + bool(ip.static_nat_ip)
                for ip in cmd.public_ips
            )
            return c.NetworkRulesAnswer(rule_count=count, applied=True)

    def apply_security_groups(self, cmd: c.ApplySecurityGroupsCommand) -> c.NetworkRulesAnswer:
        """Keep the security-group rules of every VM of the host (VMs left out lose theirs)."""
        with self._lock:
            self.security_groups = {vm.vm_name: vm for vm in cmd.vms}
            count = sum(len(n.ingress) + len(n.egress) for vm in cmd.vms for n in vm.nics)
            return c.NetworkRulesAnswer(rule_count=count, applied=True)


class SimulatorFleet(Provider):
    """Many simulated hosts in one process, created lazily by host id.

    ``inventory_file`` (optional, off by default) keeps the fleet's VMs, volumes, pools and
    network rules in a JSON file across restarts (:mod:`agents.resources.simulator_state`);
    ``inventory_interval_s`` writes it at most that often, in the background, instead of
    before each answer.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = dict(options)
        self._max_hosts = int(options.get("max_hosts", 20000))
        self._hosts: dict[str, SimulatorResource] = {}
        self.shared_storage: dict[str, Any] = {}
        self._lock = threading.Lock()
        super().__init__(self.get("default"))
        inventory_file = options.get("inventory_file")
        interval = float(options.get("inventory_interval_s", 0))
        self.state = StateFile(inventory_file, interval) if inventory_file else None
        if self.state is not None:
            restored = self.state.load(self)
            log.info("simulator state: %d host(s) restored from %s", restored, inventory_file)

    def get(self, host_id: str | None) -> Resource:
        """The simulated host ``host_id`` (``None`` = the ``default`` host)."""
        key = "default" if host_id is None else host_id
        host = self._hosts.get(key)
        if host is not None:
            return host
        if not _HOST_ID_RE.match(key):
            raise InvalidCommand(f"bad host id {key!r}")
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                if len(self._hosts) >= self._max_hosts:
                    raise InsufficientCapacity(f"simulator limit of {self._max_hosts} hosts")
                host = self._hosts[key] = SimulatorResource(self._options, key, self)
            return host

    def find(self, destination: str) -> SimulatorResource | None:
        """The existing simulated host a migration destination names, if any."""
        key = destination.rstrip("/").rsplit("/hosts/", 1)[-1]
        return self._hosts.get(key)

    def reset(self) -> None:
        """Forget every simulated host and the shared storage (tests start clean)."""
        with self._lock:
            self._hosts.clear()
            self.shared_storage.clear()

    def host_count(self) -> int:
        """How many hosts have been simulated so far."""
        return len(self._hosts)

    def hosts(self) -> dict[str, SimulatorResource]:
        """A copy of the simulated hosts by id."""
        with self._lock:
            return dict(self._hosts)

    def close(self) -> None:
        """Write the state one last time (when kept) and close every host."""
        if self.state is not None:
            self.state.close(self)
        super().close()
