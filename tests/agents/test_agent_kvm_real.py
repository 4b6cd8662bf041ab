"""KVM agent against a real libvirtd + QEMU (TCG), driven through the agent's HTTP API."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agents.protocol import DiskSpec, NicSpec, PoolSpec, VmSpec
from agents.protocol import commands as c
from agents.resources.kvm.bridges import delete_bridge

pytestmark = pytest.mark.libvirt
libvirt = pytest.importorskip("libvirt")

MIB = 1024 * 1024


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_directory(path: Path) -> Iterator[str]:
    """A static HTTP server for ``path`` on 127.0.0.1 (stands in for an HTTP template store)."""
    handler = functools.partial(_QuietHandler, directory=str(path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for(path: Path, text: str, timeout: float) -> float:
    """Seconds until ``text`` appears in the file ``path``; fails after ``timeout``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if path.exists() and text in path.read_text(errors="replace"):
            return time.monotonic() - t0
        time.sleep(0.2)
    tail = path.read_text(errors="replace")[-2000:] if path.exists() else "<no log>"
    raise AssertionError(f"{text!r} not seen in {path} after {timeout}s; log tail:\n{tail}")


def test_vm_lifecycle_through_http(
    libvirt_lab, tiny_guest, lab_workdir, agent_server, client_for, record_property
):
    tag = uuid.uuid4().hex[:6]
    pool_name, vm_name, vlan = f"ci-pool-{tag}", f"i-2-{tag}-VM", 3000 + int(tag[:3], 16) % 900
    secondary, pool_dir, serial_dir = (lab_workdir / d for d in ("secondary", "pool", "serial"))
    for d in (secondary, serial_dir):
        d.mkdir()
    template = secondary / "template-201.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", str(template), "32M"], check=True, timeout=30
    )
    options = {
        "uri": libvirt_lab.uri,
        "accel": "auto",
        "template_roots": [str(secondary)],
        "serial_log_dir": str(serial_dir),
        "bridge_prefix": "brci",
    }
    server = agent_server("kvm", options)
    assert server.provider.get(None).domain_type == "qemu"  # kvm-pvm here: must pick TCG
    client = client_for(server)
    try:
        ready = client.send(c.ReadyCommand())
        assert ready.result and ready.hypervisor == "kvm" and ready.cpus >= 1
        assert "qemu" in ready.capabilities

        spec = PoolSpec(name=pool_name, type="dir", path=str(pool_dir))
        pool = client.send(c.ModifyStoragePoolCommand(pool=spec, add=True))
        assert pool.result, pool.details
        assert pool.pool.capacity_bytes > 0 and pool_dir.is_dir()
        assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=True)).result  # idempotent

        copied = client.send(
            c.CopyTemplateCommand(source=template.as_uri(), pool=pool_name, volume="tmpl-201")
        )
        assert copied.result, copied.details
        assert copied.size_bytes == 32 * MIB and Path(copied.path).parent == pool_dir

        with serve_directory(secondary) as base_url:
            digest = hashlib.sha256(template.read_bytes()).hexdigest()
            url = f"{base_url}/{template.name}"
            bad = client.send(c.CopyTemplateCommand(source=url, pool=pool_name, volume="tmpl-http",
                                                    sha256="0" * 64))  # fmt: skip
            assert (bad.result, bad.error) == (False, "storage_error")
            assert sorted(p.name for p in pool_dir.iterdir()) == ["tmpl-201"]  # no .part left
            good = c.CopyTemplateCommand(
                source=url, pool=pool_name, volume="tmpl-http", sha256=digest
            )
            http = client.send(good)
            assert http.result, http.details
            assert (pool_dir / "tmpl-http").read_bytes() == template.read_bytes()

        root = client.send(
            c.CreateVolumeCommand(
                pool=pool_name, volume="root-42", size_bytes=64 * MIB, template="tmpl-201"
            )
        )
        assert root.result, root.details
        data = client.send(
            c.CreateVolumeCommand(pool=pool_name, volume="data-43", size_bytes=16 * MIB)
        )
        assert data.result, data.details

        vm = VmSpec(
            name=vm_name,
            cpus=1,
            memory_mib=256,
            disks=[DiskSpec(device_id=0, type="root", pool=pool_name, volume="root-42")],
            nics=[NicSpec(device_id=0, mac="02:00:0c:00:00:2a", broadcast_uri=f"vlan://{vlan}")],
            vnc_password="s3cret",
            kernel=str(tiny_guest.kernel),
            initrd=str(tiny_guest.initrd),
            cmdline=tiny_guest.cmdline,
        )
        t0 = time.monotonic()
        started = client.send(c.StartVmCommand(vm=vm))
        assert started.result, started.details
        start_s = time.monotonic() - t0
        assert started.state == "running" and started.vnc_port >= 5900
        serial = serial_dir / f"{vm_name}.serial.log"
        wait_for(serial, "CI-MARKER-BOOTED", timeout=90)
        boot_s = time.monotonic() - t0
        record_property("vm_boot_seconds", round(boot_s, 2))
        print(f"start_vm answered after {start_s:.1f}s; serial marker after {boot_s:.1f}s")
        wait_for(serial, "CI-MARKER-DISK /dev/vda", timeout=10)

        assert client.send(c.StartVmCommand(vm=vm)).result  # starting a running VM succeeds
        bridge = subprocess.run(["ip", "-d", "link", "show", f"brci{vlan}"], capture_output=True)
        assert bridge.returncode == 0 and b"bridge" in bridge.stdout  # one bridge per VLAN
        conn = libvirt.open(libvirt_lab.uri)
        try:
            live = ET.fromstring(conn.lookupByName(vm_name).XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
        finally:
            conn.close()
        assert live.get("type") == "qemu"
        graphics = live.find("devices/graphics")
        assert (graphics.get("listen"), graphics.get("passwd")) == ("127.0.0.1", "s3cret")
        assert live.find("devices/interface/source").get("bridge") == f"brci{vlan}"
        assert client.send(c.PingCommand()).vm_states[vm_name] == "running"
        vnc = client.send(c.GetVncPortCommand(vm_name=vm_name))
        assert vnc.address == "127.0.0.1" and vnc.port == started.vnc_port

        disk2 = DiskSpec(device_id=1, type="data", pool=pool_name, volume="data-43")
        attached = client.send(c.AttachDiskCommand(vm_name=vm_name, disk=disk2))
        assert attached.result, attached.details
        wait_for(serial, "CI-MARKER-DISK /dev/vdb", timeout=30)  # the guest saw the hot-plug
        assert client.send(c.AttachDiskCommand(vm_name=vm_name, disk=disk2)).result

        stats = client.send(c.VmStatsCommand(vm_names=[vm_name, "absent-vm"]))
        assert set(stats.stats) == {vm_name}
        assert stats.stats[vm_name].disk_read_bytes > 0 and stats.stats[vm_name].cpus == 1

        stopped = client.send(c.StopVmCommand(vm_name=vm_name, forced=True))
        assert stopped.result and stopped.state == "stopped"
        assert client.send(c.StopVmCommand(vm_name=vm_name, forced=True)).result
        assert client.send(c.CheckVmCommand(vm_name=vm_name)).state == "stopped"
        assert client.send(c.DestroyVmCommand(vm_name=vm_name)).result
        missing = client.send(c.CheckVmCommand(vm_name=vm_name))
        assert not missing.result and missing.error == "vm_not_found"
        assert client.send(c.DestroyVmCommand(vm_name=vm_name)).result

        for vol in ("root-42", "data-43", "tmpl-201", "tmpl-http"):
            assert client.send(c.DeleteVolumeCommand(pool=pool_name, volume=vol)).result
        assert sorted(p.name for p in pool_dir.iterdir()) == []
    finally:
        client.send(c.DestroyVmCommand(vm_name=vm_name))
        for vol in ("root-42", "data-43", "tmpl-201", "tmpl-http"):
            client.send(c.DeleteVolumeCommand(pool=pool_name, volume=vol))
        client.send(c.ModifyStoragePoolCommand(pool=PoolSpec(name=pool_name), add=False))
        delete_bridge(f"brci{vlan}")
