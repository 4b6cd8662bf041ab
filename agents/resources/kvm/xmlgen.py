"""libvirt XML built with ElementTree (values are escaped, never formatted into strings)."""

from __future__ import annotations

import base64
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import import_module
from importlib.metadata import entry_points

from agents.protocol.specs import DiskSpec, NicSpec, PoolSpec, VmSpec

log = logging.getLogger(__name__)
METADATA_NS = "https://cloudportal.dev/agent/1"
REWRITER_GROUP = "cloudportal_agent.domain_xml"
_BOOT_DEVS = {"hd": "hd", "cdrom": "cdrom", "network": "network"}


@dataclass
class DomainOptions:
    """Host-side settings that shape the domain XML."""

    domain_type: str = "qemu"
    arch: str = "x86_64"
    machine: str = "pc"
    emulator: str = ""
    serial_log: str = ""
    bridges: list[str] = field(default_factory=list)
    rewriters: list[str] = field(default_factory=list)  # "module:function" (xml_rewriters)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def target_dev(disk: DiskSpec) -> tuple[str, str]:
    """(target dev, bus): data/root disks are virtio ``vdX``, ISOs IDE ``hdX``."""
    if disk.type == "iso":
        return "hd" + "abcd"[disk.device_id % 4], "ide"
    return "vd" + chr(ord("a") + disk.device_id), "virtio"


def disk_element(disk: DiskSpec) -> ET.Element:
    """``<disk>`` for a pool volume, a file path, or an ISO (read-only CD-ROM)."""
    is_iso = disk.type == "iso"
    kind = "volume" if disk.volume else "file"
    el = ET.Element("disk", {"type": kind, "device": "cdrom" if is_iso else "disk"})
    _sub(el, "driver", name="qemu", type="raw" if is_iso else disk.format)
    if disk.volume:
        _sub(el, "source", pool=disk.pool, volume=disk.volume)
    else:
        _sub(el, "source", file=disk.path)
    dev, bus = target_dev(disk)
    _sub(el, "target", dev=dev, bus=bus)
    if is_iso:
        _sub(el, "readonly")
    _sub(el, "serial", f"disk-{disk.device_id}")
    return el


#: The CD-ROM drive every domain gets (IDE ``hdb``): attachIso changes its medium live,
#: which IDE allows, where hot-plugging a new IDE device is refused.
CDROM_DEVICE_ID = 25


def empty_cdrom_element(device_id: int = CDROM_DEVICE_ID) -> ET.Element:
    """The CD-ROM drive without a medium."""
    el = ET.Element("disk", {"type": "file", "device": "cdrom"})
    _sub(el, "driver", name="qemu", type="raw")
    _sub(el, "target", dev="hd" + "abcd"[device_id % 4], bus="ide")
    _sub(el, "readonly")
    _sub(el, "serial", f"disk-{device_id}")  # as disk_element: a medium change keeps it
    return el


def disk_xml(disk: DiskSpec) -> str:
    """Serialised :func:`disk_element` for attach/detach."""
    return ET.tostring(disk_element(disk), encoding="unicode")


def interface_element(nic: NicSpec, bridge: str) -> ET.Element:
    """A virtio interface on ``bridge`` (domain XML, or plugged with attachDeviceFlags)."""
    iface = ET.Element("interface", type="bridge")
    _sub(iface, "mac", address=nic.mac.replace("-", ":").lower())
    _sub(iface, "source", bridge=bridge)
    _sub(iface, "model", type="virtio")
    return iface


def domain_xml(spec: VmSpec, opts: DomainOptions) -> str:
    """The complete domain definition for ``spec``."""
    dom = ET.Element("domain", {"type": opts.domain_type})
    _sub(dom, "name", spec.name)
    if spec.uuid:
        _sub(dom, "uuid", spec.uuid)
    meta = _sub(dom, "metadata")
    inst = _sub(meta, f"{{{METADATA_NS}}}instance")
    _sub(inst, f"{{{METADATA_NS}}}os-type", spec.os_type)
    if spec.user_data:
        encoded = base64.b64encode(spec.user_data.encode()).decode()
        _sub(inst, f"{{{METADATA_NS}}}user-data", encoded)
    _sub(dom, "memory", str(spec.memory_mib), unit="MiB")
    _sub(dom, "currentMemory", str(spec.memory_mib), unit="MiB")
    _sub(dom, "vcpu", str(spec.cpus))
    if spec.cpu_speed_mhz:
        tune = _sub(dom, "cputune")
        _sub(tune, "shares", str(spec.cpus * spec.cpu_speed_mhz))
    os_el = _sub(dom, "os")
    _sub(os_el, "type", "hvm", arch=opts.arch, machine=opts.machine)
    if spec.kernel:
        _sub(os_el, "kernel", spec.kernel)
        if spec.initrd:
            _sub(os_el, "initrd", spec.initrd)
        if spec.cmdline:
            _sub(os_el, "cmdline", spec.cmdline)
    else:
        for dev in spec.boot_order:
            _sub(os_el, "boot", dev=_BOOT_DEVS[dev])
    features = _sub(dom, "features")
    _sub(features, "acpi")  # without ACPI there is no PCI hot-plug and no clean shutdown
    _sub(features, "apic")
    for event, action in (("on_poweroff", "destroy"), ("on_reboot", "restart")):
        _sub(dom, event, action)
    _sub(dom, "on_crash", "destroy")
    devices = _sub(dom, "devices")
    if opts.emulator:
        _sub(devices, "emulator", opts.emulator)
    for disk in sorted(spec.disks, key=lambda d: d.device_id):
        devices.append(disk_element(disk))
    if not any(d.type == "iso" for d in spec.disks):
        devices.append(empty_cdrom_element())
    for nic, bridge in zip(sorted(spec.nics, key=lambda n: n.device_id), opts.bridges, strict=True):
        devices.append(interface_element(nic, bridge))
    if opts.serial_log:
        serial = _sub(devices, "serial", type="file")
        _sub(serial, "source", path=opts.serial_log)
        _sub(serial, "target", port="0")
    else:
        serial = _sub(devices, "serial", type="pty")
        _sub(serial, "target", port="0")
    graphics = {"type": "vnc", "port": "-1", "autoport": "yes", "listen": "127.0.0.1"}
    if spec.vnc_password:
        graphics["passwd"] = spec.vnc_password
    _sub(devices, "graphics", **graphics)
    _sub(devices, "memballoon", model="none")
    ET.register_namespace("cloudportal", METADATA_NS)
    return rewrite(ET.tostring(dom, encoding="unicode"), spec, opts.rewriters)


def rewriters(configured: list[str]) -> list[Callable[[str, dict], str]]:
    """Domain XML rewriters: the ``cloudportal_agent.domain_xml`` entry points (by name),
    then the configured ``"module:function"`` ones, in order."""
    found = [ep.load for ep in sorted(entry_points(group=REWRITER_GROUP), key=lambda e: e.name)]
    for ref in configured:
        module, _, attr = ref.partition(":")
        found.append(lambda module=module, attr=attr: getattr(import_module(module), attr))
    loaded = []
    for load in found:
        try:
            loaded.append(load())
        except Exception:
            log.exception("domain XML rewriter cannot be loaded")
    return loaded


def rewrite(xml: str, spec: VmSpec, configured: list[str] | None = None) -> str:
    """Pass ``xml`` through every rewriter ``(xml_text, vm_spec_dict) -> xml_text``; one that
    fails or returns something other than a ``<domain>`` document is skipped."""
    for func in rewriters(list(configured or [])):
        try:
            result = func(xml, asdict(spec))
            if ET.fromstring(result).tag != "domain":
                raise ValueError("the rewritten document is not a <domain>")
        except Exception:
            log.exception("domain XML rewriter %r failed; XML kept", func)
            continue
        xml = result
    return xml


def pool_xml(spec: PoolSpec, target: str) -> str:
    """Storage pool: ``dir``, ``nfs`` (netfs/nfs) or ``smb`` (netfs/cifs)."""
    kind = "dir" if spec.type == "dir" else "netfs"
    pool = ET.Element("pool", {"type": kind})
    _sub(pool, "name", spec.name)
    if spec.uuid:
        _sub(pool, "uuid", spec.uuid)
    if kind == "netfs":
        source = _sub(pool, "source")
        _sub(source, "host", name=spec.host)
        _sub(source, "dir", path=spec.source_path)
        _sub(source, "format", type="nfs" if spec.type == "nfs" else "cifs")
    tgt = _sub(pool, "target")
    _sub(tgt, "path", target)
    return ET.tostring(pool, encoding="unicode")


def volume_xml(name: str, size_bytes: int, fmt: str, backing: tuple[str, str] | None) -> str:
    """Volume definition; ``backing`` = (path, format) makes a linked clone."""
    vol = ET.Element("volume")
    _sub(vol, "name", name)
    _sub(vol, "capacity", str(size_bytes), unit="bytes")
    target = _sub(vol, "target")
    _sub(target, "format", type=fmt)
    if backing is not None:
        store = _sub(vol, "backingStore")
        _sub(store, "path", backing[0])
        _sub(store, "format", type=backing[1])
    return ET.tostring(vol, encoding="unicode")
