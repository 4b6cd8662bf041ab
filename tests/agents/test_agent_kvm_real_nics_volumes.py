"""KVM agent against a real libvirtd + QEMU (TCG): copy_volume between two directory pools
(migrateVolume) and plug_nic/unplug_nic on a running and a stopped domain
(addNicToVirtualMachine/removeNicFromVirtualMachine)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from agents.protocol import DiskSpec, NicSpec, PoolSpec, VmSpec
from agents.protocol import commands as c
from agents.resources.kvm.bridges import delete_bridge

pytestmark = pytest.mark.libvirt
libvirt = pytest.importorskip("libvirt")

MIB = 1024 * 1024


def _macs(uri: str, vm_name: str, flags: int = 0) -> list[str]:
    conn = libvirt.open(uri)
    try:
        xml = ET.fromstring(conn.lookupByName(vm_name).XMLDesc(flags))
    finally:
        conn.close()
    return [i.find("mac").get("address") for i in xml.findall("devices/interface")]


def test_copy_volume_and_nic_hotplug(
    libvirt_lab, tiny_guest, lab_workdir, agent_server, client_for
):
    tag = uuid.uuid4().hex[:6]
    pools = [f"ci-a-{tag}", f"ci-b-{tag}"]
    vm_name, vlan = f"i-2-{tag}-VM", 3000 + int(tag[:3], 16) % 900
    server = agent_server("kvm", {"uri": libvirt_lab.uri, "accel": "auto", "bridge_prefix": "brcn"})
    client = client_for(server)
    try:
        for name in pools:
            spec = PoolSpec(name=name, type="dir", path=str(lab_workdir / name))
            assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=True)).result
        made = client.send(
            c.CreateVolumeCommand(pool=pools[0], volume="data-7", size_bytes=16 * MIB)
        )
        assert made.result, made.details
        copied = client.send(
            c.CopyVolumeCommand(source_pool=pools[0], pool=pools[1], volume="data-7")
        )
        assert copied.result, copied.details
        assert copied.size_bytes == 16 * MIB and copied.path.startswith(str(lab_workdir / pools[1]))
        again = client.send(
            c.CopyVolumeCommand(source_pool=pools[0], pool=pools[1], volume="data-7")
        )
        assert again.result and again.path == copied.path  # idempotent
        absent = client.send(
            c.CopyVolumeCommand(source_pool=pools[0], pool=pools[1], volume="nope")
        )
        assert not absent.result and absent.error == "volume_not_found"

        root = client.send(
            c.CreateVolumeCommand(pool=pools[1], volume="root-7", size_bytes=32 * MIB)
        )
        assert root.result, root.details
        first = NicSpec(device_id=0, mac="02:00:0c:00:01:01", broadcast_uri=f"vlan://{vlan}")
        vm = VmSpec(
            name=vm_name,
            cpus=1,
            memory_mib=128,
            disks=[DiskSpec(device_id=0, type="root", pool=pools[1], volume="root-7")],
            nics=[first],
            kernel=str(tiny_guest.kernel),
            initrd=str(tiny_guest.initrd),
            cmdline=tiny_guest.cmdline,
        )
        started = client.send(c.StartVmCommand(vm=vm))
        assert started.result, started.details
        second = NicSpec(device_id=1, mac="02:00:0c:00:01:02", broadcast_uri=f"vlan://{vlan}")
        plugged = client.send(c.PlugNicCommand(vm_name=vm_name, nic=second))
        assert plugged.result, plugged.details
        assert _macs(libvirt_lab.uri, vm_name) == [first.mac, second.mac]  # live
        inactive = libvirt.VIR_DOMAIN_XML_INACTIVE
        assert second.mac in _macs(libvirt_lab.uri, vm_name, inactive)  # and in the definition
        assert client.send(c.PlugNicCommand(vm_name=vm_name, nic=second)).details == "plugged"
        unplugged = client.send(c.UnplugNicCommand(vm_name=vm_name, nic=second))
        assert unplugged.result, unplugged.details
        assert second.mac not in _macs(libvirt_lab.uri, vm_name, inactive)
        assert client.send(c.UnplugNicCommand(vm_name=vm_name, nic=second)).details == "absent"
        missing = client.send(c.PlugNicCommand(vm_name="i-2-none-VM", nic=second))
        assert not missing.result and missing.error == "vm_not_found"
    finally:
        client.send(c.DestroyVmCommand(vm_name=vm_name))
        for pool, vol in ((pools[0], "data-7"), (pools[1], "data-7"), (pools[1], "root-7")):
            client.send(c.DeleteVolumeCommand(pool=pool, volume=vol))
        for name in pools:
            client.send(c.ModifyStoragePoolCommand(pool=PoolSpec(name=name), add=False))
        delete_bridge(f"brcn{vlan}")
