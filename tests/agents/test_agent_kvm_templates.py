"""createTemplate's agent side on KVM against a real libvirtd: ``create_template_from_volume``
writes a flattened qcow2 (of the volume or of one of its snapshots) to secondary storage,
only inside ``template_roots``."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from agents.protocol import PoolSpec
from agents.protocol import commands as c

pytestmark = pytest.mark.libvirt
libvirt = pytest.importorskip("libvirt")

MIB = 1024 * 1024


def _info(path) -> dict:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", str(path)], capture_output=True, check=True
    )
    return json.loads(out.stdout)


def test_template_from_volume_and_snapshot(libvirt_lab, lab_workdir, agent_server, client_for):
    pool_name = f"ci-tpl-{uuid.uuid4().hex[:6]}"
    secondary, pool_dir = lab_workdir / "secondary", lab_workdir / "pool"
    secondary.mkdir()
    options = {"uri": libvirt_lab.uri, "accel": "auto", "template_roots": [str(secondary)]}
    client = client_for(agent_server("kvm", options))
    spec = PoolSpec(name=pool_name, type="dir", path=str(pool_dir))
    try:
        assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=True)).result
        made = client.send(
            c.CreateVolumeCommand(pool=pool_name, volume="root-9", size_bytes=24 * MIB)
        )
        assert made.result, made.details
        snap = client.send(c.CreateSnapshotCommand(pool=pool_name, volume="root-9", snapshot="s1"))
        assert snap.result, snap.details

        target = secondary / "template" / "tmpl" / "2" / "9" / "t.qcow2"
        answer = client.send(
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", destination=str(target)
            )
        )
        assert answer.result, answer.details
        assert answer.path == str(target) and answer.size_bytes == 24 * MIB
        info = _info(target)
        assert info["format"] == "qcow2" and "backing-filename" not in info
        assert not list(target.parent.glob("*.part"))

        from_snap = secondary / "s.qcow2"
        answer = client.send(
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", snapshot="s1", destination=str(from_snap)
            )
        )
        assert answer.result, answer.details
        assert _info(from_snap)["virtual-size"] == 24 * MIB

        for bad in (
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", destination=str(lab_workdir / "out.qcow2")
            ),
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", snapshot="nope", destination=str(from_snap)
            ),
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="absent", destination=str(from_snap)
            ),
        ):
            refused = client.send(bad)
            assert refused.result is False, bad
        assert not (lab_workdir / "out.qcow2").exists()
    finally:
        client.send(c.ModifyStoragePoolCommand(pool=spec, add=False))


def _cdrom(libvirt_lab, vm_name: str):
    import xml.etree.ElementTree as ET

    conn = libvirt.open(libvirt_lab.uri)
    try:
        live = ET.fromstring(conn.lookupByName(vm_name).XMLDesc(0))
    finally:
        conn.close()
    return [d for d in live.findall("devices/disk") if d.get("device") == "cdrom"]


def _medium(drive) -> str | None:
    source = drive.find("source")
    return source.get("file") if source is not None else None


def test_iso_medium_changes_live_in_the_cdrom_drive(
    libvirt_lab, tiny_guest, lab_workdir, agent_server, client_for
):
    """A real guest (the tiny Linux) answers the tray requests, as a real OS does."""
    from agents.protocol import DiskSpec, VmSpec

    tag = uuid.uuid4().hex[:6]
    pool_name, vm_name = f"ci-iso-{tag}", f"i-2-{tag}-VM"
    secondary, pool_dir = lab_workdir / "secondary", lab_workdir / "pool"
    secondary.mkdir()
    isos = [secondary / "a.iso", secondary / "b.iso"]
    for iso in isos:
        iso.write_bytes(b"\0" * 2048 * 16)
    options = {"uri": libvirt_lab.uri, "accel": "auto", "template_roots": [str(secondary)]}
    client = client_for(agent_server("kvm", options))
    spec = PoolSpec(name=pool_name, type="dir", path=str(pool_dir))
    try:
        assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=True)).result
        root = c.CreateVolumeCommand(pool=pool_name, volume="root-1", size_bytes=16 * MIB)
        assert client.send(root).result
        vm = VmSpec(
            name=vm_name,
            cpus=1,
            memory_mib=256,
            disks=[DiskSpec(device_id=0, type="root", pool=pool_name, volume="root-1")],
            kernel=str(tiny_guest.kernel),
            initrd=str(tiny_guest.initrd),
            cmdline=tiny_guest.cmdline,
        )
        started = client.send(c.StartVmCommand(vm=vm))
        assert started.result and started.state == "running", started.details
        (drive,) = _cdrom(libvirt_lab, vm_name)  # every domain has an empty drive
        assert _medium(drive) is None

        for iso in isos:  # insert, then swap, while it runs
            disk = DiskSpec(device_id=25, type="iso", path=str(iso), format="iso")
            answer = client.send(c.AttachDiskCommand(vm_name=vm_name, disk=disk))
            assert answer.result, answer.details
            (drive,) = _cdrom(libvirt_lab, vm_name)
            assert _medium(drive) == str(iso)
        assert client.send(c.AttachDiskCommand(vm_name=vm_name, disk=disk)).details == "attached"

        ejected = client.send(c.DetachDiskCommand(vm_name=vm_name, disk=disk))
        assert ejected.result and ejected.state == "running", ejected.details
        (drive,) = _cdrom(libvirt_lab, vm_name)
        assert _medium(drive) is None
        again = client.send(c.DetachDiskCommand(vm_name=vm_name, disk=disk))
        assert again.details == "not attached"
    finally:
        client.send(c.DestroyVmCommand(vm_name=vm_name))
        client.send(c.DeleteVolumeCommand(pool=pool_name, volume="root-1"))
        client.send(c.ModifyStoragePoolCommand(pool=spec, add=False))
