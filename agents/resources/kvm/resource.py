"""KVM resource: VM lifecycle, stats and console through libvirt-python."""

from __future__ import annotations

import os
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

import libvirt

from agents.errors import Conflict, MigrationFailed, VmNotFound
from agents.protocol import commands as c
from agents.protocol.specs import PowerState, VmStats
from agents.resources.base import Resource
from agents.resources.kvm import accel, bridges
from agents.resources.kvm.conn import Connection, mapped_errors
from agents.resources.kvm.firewall import KvmFirewall
from agents.resources.kvm.nics import KvmNics
from agents.resources.kvm.snapshots import KvmSnapshots
from agents.resources.kvm.xmlgen import (
    DomainOptions,
    disk_element,
    domain_xml,
    empty_cdrom_element,
    target_dev,
)

_STATES: dict[int, PowerState] = {
    libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "running",
    libvirt.VIR_DOMAIN_SHUTDOWN: "running",
    libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_PMSUSPENDED: "paused",
    libvirt.VIR_DOMAIN_SHUTOFF: "stopped",
    libvirt.VIR_DOMAIN_CRASHED: "stopped",
}


class KvmResource(KvmFirewall, KvmSnapshots, KvmNics, Resource):
    """Options: ``uri``, ``accel`` (auto|kvm|tcg), ``emulator``, ``machine``, ``arch``,
    ``default_bridge``, ``bridge_prefix``, ``vlan_bridges``, ``manage_bridges``,
    ``serial_log_dir``, ``template_roots``, ``mount_root``, ``stop_timeout_s``, ``qemu_img``,
    ``snapshot_timeout_s``, ``manage_firewall``, ``nft``, ``firewall_netns``."""

    hypervisor = "kvm"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self.options = options
        self.virt = Connection(options.get("uri", "qemu:///system"))
        self.domain_type = accel.domain_type(options.get("accel", "auto"))
        self._samples: dict[str, tuple[float, int]] = {}
        self._host_sample: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.virt.close()

    # -- helpers ---------------------------------------------------------------
    def _domain(self, name: str) -> libvirt.virDomain:
        with mapped_errors(f"VM {name}"):
            return self.virt.get().lookupByName(name)

    def _find(self, name: str) -> libvirt.virDomain | None:
        try:
            return self._domain(name)
        except VmNotFound:
            return None

    @staticmethod
    def _state(dom: libvirt.virDomain) -> PowerState:
        with mapped_errors(f"state of {dom.name()}"):
            return _STATES.get(dom.state()[0], "unknown")

    def _all_states(self) -> dict[str, PowerState]:
        with mapped_errors("list domains"):
            doms = self.virt.get().listAllDomains(0)
            return {d.name(): _STATES.get(d.state()[0], "unknown") for d in doms}

    def _domain_options(self, cmd: c.StartVmCommand) -> DomainOptions:
        names = [
            bridges.bridge_for(n, self.options)
            for n in sorted(cmd.vm.nics, key=lambda n: n.device_id)
        ]
        if self.options.get("manage_bridges", True):
            for name in names:
                bridges.ensure_bridge(name)
        log_dir = self.options.get("serial_log_dir", "")
        return DomainOptions(
            domain_type=self.domain_type,
            arch=self.options.get("arch", "x86_64"),
            machine=self.options.get("machine", "pc"),
            emulator=self.options.get("emulator", ""),
            serial_log=os.path.join(log_dir, f"{cmd.vm.name}.serial.log") if log_dir else "",
            bridges=names,
            rewriters=list(self.options.get("xml_rewriters", [])),
        )

    @staticmethod
    def _vnc_port(dom: libvirt.virDomain) -> int:
        graphics = ET.fromstring(dom.XMLDesc(0)).find("devices/graphics[@type='vnc']")
        return int(graphics.get("port", "-1")) if graphics is not None else -1

    # -- host ------------------------------------------------------------------
    def _host_info(self) -> c.HostInfoAnswer:
        with mapped_errors("host info"):
            conn = self.virt.get()
            _, mem_mib, cpus, mhz, _, sockets, _, _ = conn.getInfo()
            version = conn.getLibVersion()
            hostname = conn.getHostname()
        caps = ["hvm", self.domain_type, "snapshot", "hotplug_disk", "live_migration"]
        return c.HostInfoAnswer(
            hypervisor="kvm",
            hypervisor_version=f"{version // 1000000}.{version // 1000 % 1000}.{version % 1000}",
            hostname=hostname,
            cpus=cpus,
            cpu_sockets=sockets,
            cpu_speed_mhz=mhz,
            memory_bytes=mem_mib * 1024 * 1024,
            capabilities=caps,
            vm_states=self._all_states(),
        )

    def ready(self, cmd: c.ReadyCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def startup(self, cmd: c.StartupCommand) -> c.HostInfoAnswer:
        return self._host_info()

    def ping(self, cmd: c.PingCommand) -> c.PingAnswer:
        return c.PingAnswer(vm_states=self._all_states())

    def check_health(self, cmd: c.CheckHealthCommand) -> c.Answer:
        with mapped_errors("health"):
            self.virt.get().getLibVersion()
        return c.Answer(details="resource is alive")

    def host_stats(self, cmd: c.HostStatsCommand) -> c.HostStatsAnswer:
        with mapped_errors("host stats"):
            conn = self.virt.get()
            info = conn.getInfo()
            free = conn.getFreeMemory()
            cpu = conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS, 0)
            count = len(conn.listAllDomains(0))
        busy = sum(v for k, v in cpu.items() if k != "idle")
        total = busy + cpu.get("idle", 0)
        util = 0.0
        with self._lock:
            if self._host_sample is not None and total > self._host_sample[1]:
                util = 100.0 * (busy - self._host_sample[0]) / (total - self._host_sample[1])
            self._host_sample = (busy, total)
        return c.HostStatsAnswer(
            cpus=info[2],
            cpu_utilization=round(max(0.0, min(util, 100.0)), 2),
            total_memory_bytes=info[1] * 1024 * 1024,
            free_memory_bytes=free,
            vm_count=count,
        )

    # -- VM lifecycle ----------------------------------------------------------
    def start_vm(self, cmd: c.StartVmCommand) -> c.StartVmAnswer:
        name = cmd.vm.name
        dom = self._find(name)
        if dom is not None and self._state(dom) == "running":
            return c.StartVmAnswer(vm_name=name, state="running", vnc_port=self._vnc_port(dom))
        xml = domain_xml(cmd.vm, self._domain_options(cmd))
        conn = self.virt.get()
        with mapped_errors(f"start {name}"):
            if dom is not None:
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            dom = conn.defineXML(xml)
            try:
                dom.create()
            except libvirt.libvirtError:
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)  # rollback
                raise
            return c.StartVmAnswer(
                vm_name=name, state=self._state(dom), vnc_port=self._vnc_port(dom)
            )

    def stop_vm(self, cmd: c.StopVmCommand) -> c.VmAnswer:
        dom = self._find(cmd.vm_name)
        if dom is None:
            return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details="VM is absent")
        with mapped_errors(f"stop {cmd.vm_name}"):
            if dom.isActive() and not cmd.forced:
                dom.shutdown()
                deadline = time.monotonic() + cmd.timeout_s
                while dom.isActive() and time.monotonic() < deadline:
                    time.sleep(0.5)
            if dom.isActive():
                dom.destroy()  # forced, or the guest ignored the ACPI request
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def reboot_vm(self, cmd: c.RebootVmCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        with mapped_errors(f"reboot {cmd.vm_name}"):
            if not dom.isActive():
                raise Conflict(f"{cmd.vm_name} is not running")
            if cmd.forced:
                dom.reset(0)
            else:
                dom.reboot(0)
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def destroy_vm(self, cmd: c.DestroyVmCommand) -> c.VmAnswer:
        dom = self._find(cmd.vm_name)
        if dom is not None:
            with mapped_errors(f"destroy {cmd.vm_name}"):
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        self._samples.pop(cmd.vm_name, None)
        return c.VmAnswer(vm_name=cmd.vm_name, state="stopped")

    def check_vm(self, cmd: c.CheckVmCommand) -> c.VmAnswer:
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(self._domain(cmd.vm_name)))

    def get_vnc_port(self, cmd: c.GetVncPortCommand) -> c.VncPortAnswer:
        dom = self._domain(cmd.vm_name)
        with mapped_errors(f"console of {cmd.vm_name}"):
            if not dom.isActive():
                raise Conflict(f"{cmd.vm_name} is not running")
            return c.VncPortAnswer(address="127.0.0.1", port=self._vnc_port(dom))

    def migrate_vm(self, cmd: c.MigrateVmCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        flags = (
            libvirt.VIR_MIGRATE_PEER2PEER
            | libvirt.VIR_MIGRATE_PERSIST_DEST
            | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
        )
        if cmd.live:
            flags |= libvirt.VIR_MIGRATE_LIVE
        with mapped_errors(f"migrate {cmd.vm_name}", MigrationFailed):
            try:
                dom.migrateToURI3(cmd.destination, {}, flags)
            except libvirt.libvirtError as exc:
                raise MigrationFailed(f"migrate {cmd.vm_name}: {exc.get_error_message()}") from exc
        return c.VmAnswer(vm_name=cmd.vm_name, state="stopped", details=cmd.destination)

    # -- disks -----------------------------------------------------------------
    def _disk_flags(self, dom: libvirt.virDomain) -> int:
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        return flags | libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else flags

    @staticmethod
    def _existing_disk(dom: libvirt.virDomain, dev: str) -> ET.Element | None:
        root = ET.fromstring(dom.XMLDesc(0))
        for disk in root.findall("devices/disk"):
            target = disk.find("target")
            if target is not None and target.get("dev") == dev:
                return disk
        return None

    def _change_medium(self, dom: libvirt.virDomain, cmd, element: ET.Element) -> c.VmAnswer:
        """Put ``element``'s medium (or none) into the CD-ROM drive, live when running.
        QEMU may not have opened the tray yet right after a change (the firmware polls the
        drive): that refusal is retried a few times, 0.5 s apart."""
        xml = ET.tostring(element, encoding="unicode")
        with mapped_errors(f"change the CD-ROM medium of {cmd.vm_name}"):
            for attempt in range(5):
                try:
                    dom.updateDeviceFlags(xml, self._disk_flags(dom))
                    break
                except libvirt.libvirtError as exc:
                    if "Tray" not in str(exc) or attempt == 4:
                        raise
                    time.sleep(0.5)
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def attach_disk(self, cmd: c.AttachDiskCommand) -> c.VmAnswer:
        """Volumes are attached (hot-plugged when running); an ISO goes into the domain's
        CD-ROM drive as a medium change."""
        dom = self._domain(cmd.vm_name)
        wanted = disk_element(cmd.disk)
        with mapped_errors(f"attach disk to {cmd.vm_name}"):
            current = self._existing_disk(dom, target_dev(cmd.disk)[0])
            if cmd.disk.type == "iso" and current is not None and current.get("device") == "cdrom":
                medium = current.find("source")
                if medium is None or medium.get("file") != cmd.disk.path:
                    if medium is not None and medium.get("file"):  # eject first: QEMU
                        # refuses to swap a medium in one step while the tray is closed
                        self._change_medium(dom, cmd, empty_cdrom_element(cmd.disk.device_id))
                    return self._change_medium(dom, cmd, wanted)
            if current is not None:
                src, want = current.find("source"), wanted.find("source")
                keys = ("pool", "volume", "file")
                if (
                    src is not None
                    and want is not None
                    and all(src.get(k) == want.get(k) for k in keys)
                ):
                    return c.VmAnswer(
                        vm_name=cmd.vm_name, state=self._state(dom), details="attached"
                    )
                raise Conflict(f"{target_dev(cmd.disk)[0]} of {cmd.vm_name} holds another disk")
            dom.attachDeviceFlags(ET.tostring(wanted, encoding="unicode"), self._disk_flags(dom))
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def detach_disk(self, cmd: c.DetachDiskCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        with mapped_errors(f"detach disk from {cmd.vm_name}"):
            current = self._existing_disk(dom, target_dev(cmd.disk)[0])
            medium = current.find("source") if current is not None else None
            # an empty drive has no source, or (live, libvirt >= 7) one with only an index
            empty = current is not None and (medium is None or not medium.get("file"))
            if current is None or empty:
                return c.VmAnswer(
                    vm_name=cmd.vm_name, state=self._state(dom), details="not attached"
                )
            if cmd.disk.type == "iso" and current.get("device") == "cdrom":
                return self._change_medium(dom, cmd, empty_cdrom_element(cmd.disk.device_id))
            dom.detachDeviceFlags(ET.tostring(current, encoding="unicode"), self._disk_flags(dom))
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    # -- stats -----------------------------------------------------------------
    def _stats(self, dom: libvirt.virDomain) -> VmStats:
        state, _, mem_kib, vcpus, cpu_ns = dom.info()
        stats = VmStats(state=_STATES.get(state, "unknown"), cpus=vcpus, memory_kib=mem_kib)
        now = time.monotonic()
        prev = self._samples.get(dom.name())
        if prev is not None and now > prev[0] and vcpus:
            pct = 100.0 * (cpu_ns - prev[1]) / ((now - prev[0]) * 1e9 * vcpus)
            stats.cpu_utilization = round(max(0.0, min(pct, 100.0)), 2)
        self._samples[dom.name()] = (now, cpu_ns)
        if not dom.isActive():
            return stats
        root = ET.fromstring(dom.XMLDesc(0))
        for target in root.findall("devices/disk/target"):
            try:
                _, rd, _, wr, _ = dom.blockStats(target.get("dev", ""))
            except libvirt.libvirtError:
                continue
            stats.disk_read_bytes += max(rd, 0)
            stats.disk_write_bytes += max(wr, 0)
        for target in root.findall("devices/interface/target"):
            try:
                rx, _, _, _, tx, _, _, _ = dom.interfaceStats(target.get("dev", ""))
            except libvirt.libvirtError:
                continue
            stats.net_rx_bytes += max(rx, 0)
            stats.net_tx_bytes += max(tx, 0)
        return stats

    def vm_stats(self, cmd: c.VmStatsCommand) -> c.VmStatsAnswer:
        names = cmd.vm_names or list(self._all_states())
        result = {}
        for name in names:
            dom = self._find(name)
            if dom is None:
                continue
            with mapped_errors(f"stats of {name}"):
                result[name] = self._stats(dom)
        return c.VmStatsAnswer(stats=result)
