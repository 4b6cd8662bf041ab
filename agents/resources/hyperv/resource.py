"""Hyper-V resource: each command is one constant PowerShell script over WinRM."""

from __future__ import annotations

import logging
import threading
from typing import Any

from agents.errors import (
    AgentError,
    Conflict,
    HypervisorError,
    PoolNotFound,
    StorageError,
    UnsupportedCommand,
    VmNotFound,
    VolumeNotFound,
)
from agents.protocol import commands as c
from agents.protocol.specs import DiskSpec, PoolInfo, PowerState, VmStats
from agents.resources.base import Resource
from agents.resources.hyperv.powershell import PowerShell
from agents.resources.hyperv.smb import SmbStorage, to_unc

log = logging.getLogger(__name__)
SnapshotCommand = c.CreateSnapshotCommand | c.DeleteSnapshotCommand | c.RevertSnapshotCommand

# Windows PowerShell 5.1 serialises enums as integers, PowerShell 7 as names.
_STATES: dict[str, PowerState] = {
    "running": "running",
    "2": "running",
    "off": "stopped",
    "3": "stopped",
    "saved": "stopped",
    "6": "stopped",
    "paused": "paused",
    "9": "paused",
}


def power_state(value: Any) -> PowerState:
    """Map a Hyper-V VM state (name or number) to the protocol's power state."""
    return _STATES.get(str(value).lower(), "unknown")


class HypervResource(Resource):
    """Options: WinRM settings (see :class:`PowerShell`), ``smb`` (see :class:`SmbStorage`),
    ``pools`` (name → UNC root), ``default_switch``, ``vm_path``, ``generation``."""

    hypervisor = "hyperv"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self.options = options
        self.ps = PowerShell(options)
        self.smb = SmbStorage(options.get("smb", {}))
        self.pools: dict[str, str] = {k: to_unc(v) for k, v in options.get("pools", {}).items()}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.ps.close()
        self.smb.close()

    # -- helpers ---------------------------------------------------------------
    def _root(self, pool: str) -> str:
        with self._lock:
            root = self.pools.get(pool)
        if root is None:
            raise PoolNotFound(f"no pool named {pool}")
        return root

    def _path(self, disk: DiskSpec) -> str:
        if disk.volume:
            return f"{self._root(disk.pool)}\\{disk.volume}"
        return disk.path

    def _vm(self, name: str) -> dict[str, Any] | None:
        try:
            return self.ps.run("get_vm", {"name": name})
        except VmNotFound:
            return None

    def _answer(self, name: str) -> c.VmAnswer:
        vm = self._vm(name)
        return c.VmAnswer(vm_name=name, state=power_state(vm["state"]) if vm else "stopped")

    # -- host ------------------------------------------------------------------
    def _host_info(self) -> c.HostInfoAnswer:
        host = self.ps.run("host_info", {})
        vms = self.ps.run("list_vms", {}) or []
        return c.HostInfoAnswer(
            hypervisor="hyperv",
            hypervisor_version=str(host.get("version", "")),
            hostname=str(host.get("name", "")),
            cpus=int(host.get("cpus", 0)),
            cpu_sockets=int(host.get("sockets", 0)),
            cpu_speed_mhz=int(host.get("speed_mhz", 0)),
            memory_bytes=int(host.get("memory_bytes", 0)),
            capabilities=["hvm", "hyperv", "live_migration"],
            vm_states={v["name"]: power_state(v["state"]) for v in vms},
        )

    def ready(self, cmd: c.ReadyCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def startup(self, cmd: c.StartupCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def ping(self, cmd: c.PingCommand) -> c.PingAnswer:
        vms = self.ps.run("list_vms", {}) or []
        return c.PingAnswer(vm_states={v["name"]: power_state(v["state"]) for v in vms})

    def check_health(self, cmd: c.CheckHealthCommand) -> c.Answer:
        self.ps.run("list_vms", {})
        return c.Answer(details="resource is alive")

    def host_stats(self, cmd: c.HostStatsCommand) -> c.HostStatsAnswer:
        host = self.ps.run("host_info", {})
        vms = self.ps.run("list_vms", {}) or []
        return c.HostStatsAnswer(
            cpus=int(host.get("cpus", 0)),
            cpu_utilization=float(host.get("cpu_load") or 0.0),
            total_memory_bytes=int(host.get("memory_bytes", 0)),
            free_memory_bytes=int(host.get("free_bytes", 0)),
            vm_count=len(vms),
        )

    # -- VM lifecycle ----------------------------------------------------------
    def _create_params(self, cmd: c.StartVmCommand) -> dict[str, Any]:
        spec = cmd.vm
        disks = [
            {"path": self._path(d), "iso": d.type == "iso"}
            for d in sorted(spec.disks, key=lambda d: d.device_id)
        ]
        nics = [
            {
                "name": f"nic{n.device_id}",
                "mac": n.mac.replace(":", "").replace("-", "").upper(),
                "switch": n.bridge or self.options.get("default_switch", "vSwitch"),
                "vlan": n.vlan or 0,
            }
            for n in sorted(spec.nics, key=lambda n: n.device_id)
        ]
        return {
            "name": spec.name,
            "cpus": spec.cpus,
            "memory_bytes": spec.memory_mib * 1024 * 1024,
            "generation": int(self.options.get("generation", 2)),
            "path": self.options.get("vm_path", "C:\\ProgramData\\cloudportal\\vms"),
            "disks": disks,
            "nics": nics,
        }

    def start_vm(self, cmd: c.StartVmCommand) -> c.StartVmAnswer:
        name = cmd.vm.name
        vm = self._vm(name)
        if vm is not None and power_state(vm["state"]) == "running":
            return c.StartVmAnswer(vm_name=name, state="running", vnc_port=-9)
        if vm is not None:  # defined but off: recreate from the (possibly changed) spec
            self.ps.run("remove_vm", {"name": name})
        params = self._create_params(cmd)
        try:
            self.ps.run("create_vm", params)
            self.ps.run("start_vm", {"name": name})
        except AgentError as exc:
            try:  # roll back the half-made VM, as CloudStack's hyperv.py does
                self.ps.run("remove_vm", {"name": name})
            except AgentError:
                log.exception("rollback of %s failed", name)
            raise HypervisorError(
                f"start {name} failed and was rolled back: {exc.details}"
            ) from exc
        return c.StartVmAnswer(vm_name=name, state=self._answer(name).state, vnc_port=-9)

    def stop_vm(self, cmd: c.StopVmCommand) -> c.VmAnswer:
        vm = self._vm(cmd.vm_name)
        if vm is None:
            return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details="VM is absent")
        if power_state(vm["state"]) != "stopped":
            params = {"name": cmd.vm_name, "forced": cmd.forced, "timeout_s": cmd.timeout_s}
            self.ps.run("stop_vm", params)
        return self._answer(cmd.vm_name)

    def reboot_vm(self, cmd: c.RebootVmCommand) -> c.VmAnswer:
        vm = self._vm(cmd.vm_name)
        if vm is None:
            raise VmNotFound(f"no VM named {cmd.vm_name}")
        if power_state(vm["state"]) != "running":
            raise Conflict(f"{cmd.vm_name} is not running")
        self.ps.run("reboot_vm", {"name": cmd.vm_name})
        return self._answer(cmd.vm_name)

    def destroy_vm(self, cmd: c.DestroyVmCommand) -> c.VmAnswer:
        self.ps.run("remove_vm", {"name": cmd.vm_name})
        return c.VmAnswer(vm_name=cmd.vm_name, state="stopped")

    def check_vm(self, cmd: c.CheckVmCommand) -> c.VmAnswer:
        vm = self.ps.run("get_vm", {"name": cmd.vm_name})
        return c.VmAnswer(vm_name=cmd.vm_name, state=power_state(vm["state"]))

    def vm_stats(self, cmd: c.VmStatsCommand) -> c.VmStatsAnswer:
        wanted = set(cmd.vm_names)
        stats = {}
        for vm in self.ps.run("list_vms", {}) or []:
            if wanted and vm["name"] not in wanted:
                continue
            stats[vm["name"]] = VmStats(
                state=power_state(vm["state"]),
                cpus=int(vm.get("processor_count", 0)),
                cpu_utilization=float(vm.get("cpu_usage", 0)),
                memory_kib=int(vm.get("memory_assigned", 0)) // 1024,
            )
        return c.VmStatsAnswer(stats=stats)

    def get_vnc_port(self, cmd: c.GetVncPortCommand) -> c.VncPortAnswer:
        vm = self.ps.run("get_vm", {"name": cmd.vm_name})
        return c.VncPortAnswer(address=f"instanceId={vm['id']}", port=-9)  # Hyper-V has no VNC

    def migrate_vm(self, cmd: c.MigrateVmCommand) -> c.VmAnswer:
        self.ps.run("migrate_vm", {"name": cmd.vm_name, "destination": cmd.destination})
        return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details=cmd.destination)

    def attach_disk(self, cmd: c.AttachDiskCommand) -> c.VmAnswer:
        """A volume goes on the SCSI controller; an ISO into the VM's DVD drive (added
        when the VM has none)."""
        op = "attach_dvd" if cmd.disk.type == "iso" else "attach_disk"
        self.ps.run(op, {"name": cmd.vm_name, "path": self._path(cmd.disk)})
        return self._answer(cmd.vm_name)

    def detach_disk(self, cmd: c.DetachDiskCommand) -> c.VmAnswer:
        op = "detach_dvd" if cmd.disk.type == "iso" else "detach_disk"
        self.ps.run(op, {"name": cmd.vm_name, "path": self._path(cmd.disk)})
        return self._answer(cmd.vm_name)

    # -- storage (SMB shares) --------------------------------------------------
    def _pool_info(self, name: str) -> PoolInfo:
        root = self._root(name)
        total, available = self.smb.capacity(root)
        return PoolInfo(
            name=name,
            type="smb",
            path=root,
            capacity_bytes=total,
            used_bytes=total - available,
            available_bytes=available,
        )

    def storage_stats(self, cmd: c.StorageStatsCommand) -> c.PoolAnswer:
        return c.PoolAnswer(pool=self._pool_info(cmd.pool))

    def modify_storage_pool(self, cmd: c.ModifyStoragePoolCommand) -> c.PoolAnswer:
        spec = cmd.pool
        if not cmd.add:
            with self._lock:
                self.pools.pop(spec.name, None)
            return c.PoolAnswer(details=f"pool {spec.name} removed")
        if spec.type != "smb":
            raise StorageError("Hyper-V pools are SMB shares (type 'smb')")
        root = to_unc(f"smb://{spec.host}/{spec.source_path}")
        self.smb.capacity(root)  # proves the share is reachable before we keep it
        with self._lock:
            self.pools[spec.name] = root
        return c.PoolAnswer(pool=self._pool_info(spec.name))

    def create_volume(self, cmd: c.CreateVolumeCommand) -> c.VolumeAnswer:
        root = self._root(cmd.pool)
        path = f"{root}\\{cmd.volume}"
        parent = f"{root}\\{cmd.template}" if cmd.template else ""
        if parent and self.smb.size(parent) is None:
            raise VolumeNotFound(f"template {cmd.template} not in pool {cmd.pool}")
        vhd = self.ps.run("new_vhd", {"path": path, "size": cmd.size_bytes, "parent": parent})
        if int(vhd["size"]) != cmd.size_bytes and not parent:
            raise Conflict(f"volume {cmd.volume} exists with size {vhd['size']}")
        return c.VolumeAnswer(
            pool=cmd.pool, volume=cmd.volume, path=path, size_bytes=int(vhd["size"]), format="vhdx"
        )

    def delete_volume(self, cmd: c.DeleteVolumeCommand) -> c.VolumeAnswer:
        removed = self.smb.remove(f"{self._root(cmd.pool)}\\{cmd.volume}")
        return c.VolumeAnswer(
            pool=cmd.pool, volume=cmd.volume, details="" if removed else "already absent"
        )

    # -- snapshots (VM checkpoints) --------------------------------------------
    def _checkpoint_params(self, cmd: SnapshotCommand) -> dict[str, Any]:
        """Hyper-V checkpoints a whole VM: the volume must be attached to ``vm_name``."""
        if not cmd.vm_name:
            raise UnsupportedCommand(
                "Hyper-V snapshots are VM checkpoints: the volume must be attached to a VM"
            )
        path = f"{self._root(cmd.pool)}\\{cmd.volume}"
        return {"name": cmd.vm_name, "path": path, "snapshot": cmd.snapshot}

    @staticmethod
    def _snapshot_answer(cmd: SnapshotCommand, out: Any, details: str = "") -> c.SnapshotAnswer:
        out = out or {}
        return c.SnapshotAnswer(
            pool=cmd.pool,
            volume=cmd.volume,
            snapshot=cmd.snapshot,
            path=f"checkpoint:{out['id']}" if out.get("id") else "",
            size_bytes=int(out.get("size") or 0),
            details=details,
        )

    def create_snapshot(self, cmd: c.CreateSnapshotCommand) -> c.SnapshotAnswer:
        out = self.ps.run("checkpoint_vm", self._checkpoint_params(cmd))
        details = "snapshot already exists" if (out or {}).get("existed") else ""
        return self._snapshot_answer(cmd, out, details)

    def delete_snapshot(self, cmd: c.DeleteSnapshotCommand) -> c.SnapshotAnswer:
        if not cmd.vm_name:  # a detached volume has no checkpoints left
            return self._snapshot_answer(cmd, None, "already absent")
        params = self._checkpoint_params(cmd)
        try:
            out = self.ps.run("remove_checkpoint", params)
        except VmNotFound:
            return self._snapshot_answer(cmd, None, "already absent")
        return self._snapshot_answer(
            cmd, None, "" if (out or {}).get("existed") else "already absent"
        )

    def revert_snapshot(self, cmd: c.RevertSnapshotCommand) -> c.SnapshotAnswer:
        params = self._checkpoint_params(cmd)
        vm = self._vm(cmd.vm_name)
        if vm is None:
            raise VmNotFound(f"no VM named {cmd.vm_name}")
        if power_state(vm["state"]) != "stopped":
            raise Conflict(f"{cmd.vm_name} is running; stop it before reverting")
        return self._snapshot_answer(cmd, self.ps.run("restore_checkpoint", params))

    def copy_template(self, cmd: c.CopyTemplateCommand) -> c.VolumeAnswer:
        dest = f"{self._root(cmd.pool)}\\{cmd.volume}"
        size = self.smb.size(dest)
        details = "template already in the pool"
        if size is None:
            size = self.smb.copy(to_unc(cmd.source), dest, cmd.sha256)
            details = ""
        return c.VolumeAnswer(
            pool=cmd.pool,
            volume=cmd.volume,
            path=dest,
            size_bytes=size,
            format=cmd.format,
            details=details,
        )
