"""KVM resource without a daemon: accel detection, XML generation, libvirt test:///default."""

from __future__ import annotations

import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agents.errors import AgentCommandError, HypervisorError
from agents.protocol import DiskSpec, NicSpec, PoolSpec, VmSpec
from agents.protocol import commands as c
from agents.resources.kvm import accel, bridges
from agents.resources.kvm.xmlgen import DomainOptions, domain_xml, pool_xml, volume_xml


def fake_root(tmp_path: Path, *, kvm_dev=True, pvm=False, cmdline="quiet", flags="fpu vmx sse"):
    if kvm_dev:
        (tmp_path / "dev").mkdir()
        (tmp_path / "dev/kvm").touch()
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/cmdline").write_text(cmdline)
    (tmp_path / "proc/cpuinfo").write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    if pvm:
        (tmp_path / "sys/module/kvm_pvm").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({}, "kvm"),
        ({"flags": "fpu svm"}, "kvm"),
        ({"kvm_dev": False}, "qemu"),
        ({"pvm": True}, "qemu"),
        ({"cmdline": "nested_pvm=1 quiet"}, "qemu"),
        ({"flags": "fpu sse hypervisor"}, "qemu"),
    ],
)
def test_auto_accel_detects_usable_kvm(tmp_path, setup, expected):
    assert accel.domain_type("auto", fake_root(tmp_path, **setup)) == expected


def test_explicit_accel_modes(tmp_path):
    root = fake_root(tmp_path, kvm_dev=False)
    assert accel.domain_type("kvm", root) == "kvm"
    assert accel.domain_type("tcg", root) == "qemu"
    with pytest.raises(ValueError):
        accel.domain_type("xen", root)


@pytest.mark.skipif(not Path("/sys/module/kvm_pvm").exists(), reason="only on kvm-pvm hosts")
def test_this_kvm_pvm_machine_falls_back_to_tcg():
    ok, why = accel.kvm_usable()
    assert not ok and "pvm" in why
    assert accel.domain_type("auto") == "qemu"


HOSTILE = "console=ttyS0 '\"><evil/>&amp; $(reboot)"


def test_domain_xml_is_built_from_the_spec_and_escapes_values():
    spec = VmSpec(
        name="i-2-42-VM", uuid=str(uuid.uuid4()), cpus=2, cpu_speed_mhz=1000, memory_mib=512,
        disks=[DiskSpec(device_id=1, type="data", pool="p1", volume="data-1"),
               DiskSpec(device_id=0, pool="p1", volume="root-1"),
               DiskSpec(device_id=3, type="iso", path="/isos/<x>.iso", format="iso")],
        nics=[NicSpec(device_id=0, mac="02-00-0C-00-00-2A", broadcast_uri="vlan://100")],
        vnc_password="pw'\"<", kernel="/k", initrd="/i", cmdline=HOSTILE, user_data="<yaml & co>",
    )  # fmt: skip
    opts = DomainOptions(domain_type="qemu", emulator="/usr/bin/qemu-system-x86_64",
                         serial_log="/var/log/x.log", bridges=["brvlan100"])  # fmt: skip
    root = ET.fromstring(domain_xml(spec, opts))
    assert root.get("type") == "qemu" and root.findtext("name") == "i-2-42-VM"
    assert root.findtext("os/cmdline") == HOSTILE and root.find("evil") is None
    assert root.findtext("vcpu") == "2" and root.find("memory").get("unit") == "MiB"
    assert root.findtext("cputune/shares") == "2000"
    assert root.find("features/acpi") is not None  # needed for hot-plug
    disks = root.findall("devices/disk")
    assert [d.find("target").get("dev") for d in disks] == ["vda", "vdb", "hdd"]
    assert disks[0].find("source").attrib == {"pool": "p1", "volume": "root-1"}
    assert disks[2].get("device") == "cdrom" and disks[2].find("readonly") is not None
    assert disks[2].find("source").get("file") == "/isos/<x>.iso"
    iface = root.find("devices/interface")
    assert iface.find("source").get("bridge") == "brvlan100"
    assert iface.find("mac").get("address") == "02:00:0c:00:00:2a"
    graphics = root.find("devices/graphics")
    assert graphics.get("listen") == "127.0.0.1" and graphics.get("passwd") == "pw'\"<"
    assert root.find("devices/serial/source").get("path") == "/var/log/x.log"
    meta = root.find("metadata")[0]
    assert meta[1].text == "PHlhbWwgJiBjbz4="  # base64 user data


def test_boot_order_without_direct_kernel():
    spec = VmSpec(name="v", cpus=1, memory_mib=64, boot_order=["cdrom", "network", "hd"])
    root = ET.fromstring(domain_xml(spec, DomainOptions()))
    assert [b.get("dev") for b in root.findall("os/boot")] == ["cdrom", "network", "hd"]
    assert root.find("os/kernel") is None and root.find("devices/serial").get("type") == "pty"


def test_pool_and_volume_xml():
    nfs = ET.fromstring(pool_xml(PoolSpec(name="n", type="nfs", host="10.0.0.9",
                                          source_path="/export"), "/mnt/n"))  # fmt: skip
    assert nfs.get("type") == "netfs" and nfs.find("source/format").get("type") == "nfs"
    assert nfs.find("source/host").get("name") == "10.0.0.9"
    assert nfs.findtext("target/path") == "/mnt/n"
    smb = ET.fromstring(pool_xml(PoolSpec(name="s", type="smb", host="h", source_path="sh"), "/m"))
    assert smb.find("source/format").get("type") == "cifs"
    local = ET.fromstring(pool_xml(PoolSpec(name="d", path="/var/p"), "/var/p"))
    assert local.get("type") == "dir" and local.find("source") is None
    vol = ET.fromstring(volume_xml("root", 1024, "qcow2", ("/p/tmpl", "qcow2")))
    assert vol.findtext("capacity") == "1024"
    assert vol.findtext("backingStore/path") == "/p/tmpl"


def test_bridge_names():
    opts = {"vlan_bridges": {"200": "br-tenant"}, "default_bridge": "cloudbr1"}
    nic = lambda **kw: NicSpec(device_id=0, mac="02:00:00:00:00:01", **kw)  # noqa: E731
    assert bridges.bridge_for(nic(vlan=100), opts) == "brvlan100"
    assert bridges.bridge_for(nic(vlan=200), opts) == "br-tenant"
    assert bridges.bridge_for(nic(), opts) == "cloudbr1"
    assert bridges.bridge_for(nic(bridge="pub0", vlan=5), opts) == "pub0"
    with pytest.raises(HypervisorError):
        bridges.bridge_for(nic(vlan=7), {"bridge_prefix": "a-very-long-prefix"})
    with pytest.raises(HypervisorError):
        bridges.ensure_bridge("x; rm -rf /")


def test_ensure_bridge_creates_a_linux_bridge():
    name = f"brt{uuid.uuid4().hex[:8]}"
    try:
        created = bridges.ensure_bridge(name)
    except HypervisorError as exc:
        pytest.skip(f"cannot create bridges here: {exc}")
    try:
        assert created is True and bridges.ensure_bridge(name) is False
        out = subprocess.run(["ip", "-d", "link", "show", name], capture_output=True, timeout=10)
        assert b"bridge" in out.stdout and b"UP" in out.stdout
    finally:
        bridges.delete_bridge(name)


# -- the resource on libvirt's in-process test driver --------------------------------------


@pytest.fixture
def kvm(agent_server, client_for):
    pytest.importorskip("libvirt")
    server = agent_server("kvm", {"uri": "test:///default", "manage_bridges": False})
    return client_for(server)


def test_kvm_resource_on_test_driver(kvm):
    tag = uuid.uuid4().hex[:6]
    ready = kvm.send(c.ReadyCommand())
    assert ready.result and ready.hypervisor == "kvm" and ready.cpus == 16
    assert ready.memory_bytes == 3 * 1024**3 and ready.hypervisor_version.count(".") == 2

    vol = c.CreateVolumeCommand(pool="default-pool", volume=f"root-{tag}", size_bytes=64 << 20)
    assert kvm.send(vol).result and kvm.send(vol).result
    bigger = c.CreateVolumeCommand(pool="default-pool", volume=f"root-{tag}", size_bytes=65 << 20)
    assert kvm.send(bigger).error == "conflict"

    name = f"i-{tag}"
    root = DiskSpec(device_id=0, pool="default-pool", volume=f"root-{tag}")
    spec = VmSpec(name=name, cpus=1, memory_mib=128, vnc_password="pw", disks=[root])
    started = kvm.send(c.StartVmCommand(vm=spec))
    assert started.result and started.state == "running"
    assert kvm.send(c.StartVmCommand(vm=spec)).result
    assert kvm.send(c.PingCommand()).vm_states[name] == "running"
    assert kvm.send(c.VmStatsCommand(vm_names=[name])).stats[name].memory_kib == 128 * 1024
    assert kvm.send(c.HostStatsCommand()).cpus == 16

    unsupported = kvm.send(c.AttachDiskCommand(vm_name=name, disk=DiskSpec(
        device_id=1, pool="default-pool", volume=f"root-{tag}")))  # fmt: skip
    assert (unsupported.result, unsupported.error) == (False, "unsupported_command")
    migrated = kvm.send(c.MigrateVmCommand(vm_name=name, destination="qemu+tcp://h2/system"))
    assert (migrated.result, migrated.error) == (False, "migration_failed")
    assert kvm.send(c.DetachDiskCommand(vm_name=name, disk=DiskSpec(
        device_id=5, pool="default-pool", volume="x"))).details == "not attached"  # fmt: skip

    assert kvm.send(c.StopVmCommand(vm_name=name, forced=True)).state == "stopped"
    assert kvm.send(c.StopVmCommand(vm_name=name)).result
    assert kvm.send(c.GetVncPortCommand(vm_name=name)).error == "conflict"
    assert kvm.send(c.DestroyVmCommand(vm_name=name)).result
    assert kvm.send(c.DestroyVmCommand(vm_name=name)).result
    assert kvm.send(c.StopVmCommand(vm_name=name)).details == "VM is absent"
    assert kvm.send(c.CheckVmCommand(vm_name=name)).error == "vm_not_found"
    assert kvm.send(c.RebootVmCommand(vm_name=name)).error == "vm_not_found"
    gone = c.DeleteVolumeCommand(pool="default-pool", volume=f"root-{tag}")
    assert kvm.send(gone).result and kvm.send(gone).details == "already absent"
    assert kvm.send(c.StorageStatsCommand(pool="nope")).error == "pool_not_found"
    pool = kvm.send(c.StorageStatsCommand(pool="default-pool")).pool
    assert pool.capacity_bytes > 0 and pool.type == "dir"


def test_copy_template_refuses_paths_outside_template_roots(agent_server, client_for, tmp_path):
    pytest.importorskip("libvirt")
    server = agent_server("kvm", {"uri": "test:///default", "template_roots": [str(tmp_path)]})
    kvm = client_for(server)
    tag = uuid.uuid4().hex[:6]
    outside = kvm.send(c.CopyTemplateCommand(source="/etc/shadow", pool="default-pool",
                                             volume=f"t-{tag}"))  # fmt: skip
    assert (outside.result, outside.error) == (False, "storage_error")
    assert "template_roots" in outside.details
    sneaky = kvm.send(c.CopyTemplateCommand(source=f"file://{tmp_path}/../../etc/passwd",
                                            pool="default-pool", volume=f"t-{tag}"))  # fmt: skip
    assert sneaky.error == "storage_error"
    scheme = kvm.send(c.CopyTemplateCommand(source="ftp://x/y", pool="default-pool",
                                            volume=f"t-{tag}"))  # fmt: skip
    assert scheme.error == "storage_error"


def test_single_host_agent_has_no_per_host_paths(agent_server, client_for):
    pytest.importorskip("libvirt")
    server = agent_server("kvm", {"uri": "test:///default", "manage_bridges": False})
    with pytest.raises(AgentCommandError) as info:
        client_for(server, host_id="other-host").send(c.PingCommand())
    assert (info.value.status, info.value.error) == (404, "not_found")
    assert client_for(server).health()["resource"] == "kvm"


def test_concurrent_starts_of_one_vm_are_serialised(agent_server, client_for):
    pytest.importorskip("libvirt")
    from concurrent.futures import ThreadPoolExecutor

    server = agent_server("kvm", {"uri": "test:///default", "manage_bridges": False})
    name = f"race-{uuid.uuid4().hex[:6]}"
    spec = VmSpec(name=name, cpus=1, memory_mib=64)
    clients = [client_for(server) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda cl: cl.send(c.StartVmCommand(vm=spec)), clients))
    assert [a.result for a in answers] == [True] * 6, [a.details for a in answers]
    assert clients[0].send(c.PingCommand()).vm_states[name] == "running"
    assert clients[0].send(c.DestroyVmCommand(vm_name=name)).result


def test_graceful_stop_on_test_driver(kvm):
    name = f"g-{uuid.uuid4().hex[:6]}"
    assert kvm.send(c.StartVmCommand(vm=VmSpec(name=name, cpus=1, memory_mib=64))).result
    t0 = time.monotonic()
    stopped = kvm.send(c.StopVmCommand(vm_name=name, forced=False, timeout_s=30))
    assert stopped.result and stopped.state == "stopped"
    assert time.monotonic() - t0 < 10  # the guest honoured the ACPI request: no timeout wait
    assert kvm.send(c.DestroyVmCommand(vm_name=name)).result
