"""create_snapshot / delete_snapshot / revert_snapshot on every resource, over signed HTTP:
the simulator, KVM (qemu-img on a real qcow2; libvirt's test driver for the refusals) and
Hyper-V through the WS-Management double."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from agents.protocol import DiskSpec, VmSpec
from agents.protocol import commands as c
from agents.resources.hyperv.scripts import BODIES, build_script
from tests.fakes.hyperv import FakeHyperV
from tests.fakes.wsman import WsmanServer, write_ntlm_user_file

MIB = 1024**2


def test_snapshot_commands_are_part_of_protocol_version_1():
    names = c.command_names()
    assert {"create_snapshot", "delete_snapshot", "revert_snapshot"} <= set(names)
    for bad in ("../etc", "a b", ""):
        with pytest.raises(ValueError):
            c.CreateSnapshotCommand(pool="p", volume="v", snapshot=bad)
    with pytest.raises(ValueError):
        c.RevertSnapshotCommand(pool="p", volume="v", snapshot="s", vm_name="$(x)")


def test_simulator_snapshot_cycle(agent_server, client_for):
    sim = client_for(agent_server("simulator", {}))
    assert sim.send(c.CreateVolumeCommand(pool="primary", volume="v1", size_bytes=MIB)).result
    missing = sim.send(c.CreateSnapshotCommand(pool="primary", volume="nope", snapshot="s1"))
    assert (missing.result, missing.error) == (False, "volume_not_found")
    made = sim.send(c.CreateSnapshotCommand(pool="primary", volume="v1", snapshot="s1"))
    assert made.result and made.size_bytes == MIB and made.snapshot == "s1"
    again = sim.send(c.CreateSnapshotCommand(pool="primary", volume="v1", snapshot="s1"))
    assert again.result and again.details == "snapshot already exists"
    spec = VmSpec(
        name="i-2-9-VM",
        cpus=1,
        memory_mib=64,
        disks=[DiskSpec(device_id=1, type="data", pool="primary", volume="v1")],
    )
    assert sim.send(c.StartVmCommand(vm=spec)).result
    busy = sim.send(
        c.RevertSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-9-VM")
    )
    assert (busy.result, busy.error) == (False, "conflict")
    assert sim.send(c.StopVmCommand(vm_name="i-2-9-VM", forced=True)).result
    unknown = sim.send(c.RevertSnapshotCommand(pool="primary", volume="v1", snapshot="s9"))
    assert (unknown.result, unknown.error) == (False, "not_found")
    reverted = sim.send(
        c.RevertSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-9-VM")
    )
    assert reverted.result, reverted.details
    assert sim.send(c.DeleteSnapshotCommand(pool="primary", volume="v1", snapshot="s1")).result
    gone = sim.send(c.DeleteSnapshotCommand(pool="primary", volume="v1", snapshot="s1"))
    assert gone.result and gone.details == "already absent"


def _snapshot_tags(path: Path) -> list[str]:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", "-U", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    return [s["name"] for s in json.loads(out).get("snapshots", [])]


@pytest.mark.libvirt
def test_kvm_qemu_img_snapshots_on_a_real_dir_pool(
    libvirt_lab, lab_workdir, agent_server, client_for
):
    from agents.protocol import PoolSpec

    tag = uuid.uuid4().hex[:6]
    pool, pool_dir = f"snap-pool-{tag}", lab_workdir / "pool"
    kvm = client_for(agent_server("kvm", {"uri": libvirt_lab.uri, "manage_bridges": False}))
    added = kvm.send(c.ModifyStoragePoolCommand(pool=PoolSpec(name=pool, path=str(pool_dir))))
    assert added.result, added.details
    try:
        vol = kvm.send(c.CreateVolumeCommand(pool=pool, volume="vol1", size_bytes=16 * MIB))
        assert vol.result, vol.details
        path = Path(vol.path)
        made = kvm.send(c.CreateSnapshotCommand(pool=pool, volume="vol1", snapshot="s1"))
        assert made.result, made.details
        assert (made.path, made.size_bytes) == (str(path), 16 * MIB)
        assert _snapshot_tags(path) == ["s1"]
        again = kvm.send(c.CreateSnapshotCommand(pool=pool, volume="vol1", snapshot="s1"))
        assert again.result and again.details == "snapshot already exists"
        # write into the image after the snapshot, then revert: the data is gone again
        subprocess.run(
            ["qemu-io", "-c", "write -P 0xab 0 64k", str(path)],
            capture_output=True, check=True, timeout=30,
        )  # fmt: skip
        written = subprocess.run(
            ["qemu-io", "-c", "read -P 0xab 0 64k", str(path)],
            capture_output=True, text=True, timeout=30,
        ).stdout  # fmt: skip
        assert "Pattern verification failed" not in written
        reverted = kvm.send(c.RevertSnapshotCommand(pool=pool, volume="vol1", snapshot="s1"))
        assert reverted.result, reverted.details
        after = subprocess.run(
            ["qemu-io", "-c", "read -P 0 0 64k", str(path)],
            capture_output=True, text=True, timeout=30,
        ).stdout  # fmt: skip
        assert "Pattern verification failed" not in after, after
        unknown = kvm.send(c.RevertSnapshotCommand(pool=pool, volume="vol1", snapshot="s9"))
        assert (unknown.result, unknown.error) == (False, "not_found")
        assert kvm.send(c.DeleteSnapshotCommand(pool=pool, volume="vol1", snapshot="s1")).result
        assert _snapshot_tags(path) == []
        gone = kvm.send(c.DeleteSnapshotCommand(pool=pool, volume="vol1", snapshot="s1"))
        assert gone.result and gone.details == "already absent"
        assert kvm.send(c.DeleteVolumeCommand(pool=pool, volume="vol1")).result
    finally:
        kvm.send(c.ModifyStoragePoolCommand(pool=PoolSpec(name=pool), add=False))


def test_kvm_refuses_volumes_open_in_a_running_vm_and_raw_volumes(agent_server, client_for):
    pytest.importorskip("libvirt")
    kvm = client_for(agent_server("kvm", {"uri": "test:///default", "manage_bridges": False}))
    tag = uuid.uuid4().hex[:6]
    vol, raw, vm = f"v-{tag}", f"r-{tag}", f"i-2-{tag}-VM"
    assert kvm.send(c.CreateVolumeCommand(pool="default-pool", volume=vol, size_bytes=MIB)).result
    made_raw = kvm.send(
        c.CreateVolumeCommand(pool="default-pool", volume=raw, size_bytes=MIB, format="raw")
    )
    assert made_raw.result
    refused = kvm.send(c.CreateSnapshotCommand(pool="default-pool", volume=raw, snapshot="s1"))
    assert (refused.result, refused.error) == (False, "unsupported_command")
    assert "qcow2" in refused.details
    disk = DiskSpec(device_id=1, type="data", pool="default-pool", volume=vol)
    started = kvm.send(c.StartVmCommand(vm=VmSpec(name=vm, cpus=1, memory_mib=64, disks=[disk])))
    assert started.result, started.details
    for command in (c.CreateSnapshotCommand, c.DeleteSnapshotCommand):
        answer = kvm.send(command(pool="default-pool", volume=vol, snapshot="s1", vm_name=vm))
        assert (answer.result, answer.error) == (False, "unsupported_command"), answer.details
        assert "running VM" in answer.details
    revert = kvm.send(
        c.RevertSnapshotCommand(pool="default-pool", volume=vol, snapshot="s1", vm_name=vm)
    )
    assert (revert.result, revert.error) == (False, "conflict")
    assert kvm.send(c.DestroyVmCommand(vm_name=vm)).result
    absent = kvm.send(c.DeleteSnapshotCommand(pool="default-pool", volume="nope", snapshot="s1"))
    assert absent.result and absent.details == "already absent"


ADMIN, PASSWORD = "Administrator", "Passw0rd!"


@pytest.fixture
def hyperv(tmp_path, agent_server, client_for):
    """(agent client, fake Hyper-V) with pool ``primary`` mapped to a local directory."""
    write_ntlm_user_file(str(tmp_path / "ntlm-users"), "TESTLAB", ADMIN, PASSWORD)
    pool_dir = tmp_path / "primary"
    pool_dir.mkdir()
    fake = FakeHyperV(shares={"\\\\fs\\primary": pool_dir})
    server = WsmanServer(fake, {ADMIN: PASSWORD}).start()
    options = {
        "winrm_url": server.url,
        "username": f"TESTLAB\\{ADMIN}",
        "password": PASSWORD,
        "transport": "ntlm",
        "pools": {"primary": "\\\\fs\\primary"},
    }
    yield client_for(agent_server("hyperv", options)), fake, pool_dir
    server.stop()


def test_hyperv_snapshots_are_vm_checkpoints(hyperv):
    client, fake, pool_dir = hyperv
    assert client.send(c.CreateVolumeCommand(pool="primary", volume="v1", size_bytes=MIB)).result
    detached = client.send(c.CreateSnapshotCommand(pool="primary", volume="v1", snapshot="s1"))
    assert (detached.result, detached.error) == (False, "unsupported_command")
    disk = DiskSpec(device_id=0, pool="primary", volume="v1", format="vhdx")
    vm = VmSpec(name="i-2-7-VM", cpus=1, memory_mib=256, disks=[disk])
    assert client.send(c.StartVmCommand(vm=vm)).result
    other = client.send(
        c.CreateSnapshotCommand(pool="primary", volume="v2", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert (other.result, other.error) == (False, "hypervisor_error")
    assert "not attached" in other.details
    made = client.send(
        c.CreateSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert made.result, made.details
    checkpoint = fake.vms["i-2-7-VM"]["checkpoints"]["s1"]
    assert made.path == f"checkpoint:{checkpoint['id']}" and made.size_bytes == MIB
    again = client.send(
        c.CreateSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert again.result and again.details == "snapshot already exists"
    (pool_dir / "v1").write_bytes(b"changed after the checkpoint")
    running = client.send(
        c.RevertSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert (running.result, running.error) == (False, "conflict")
    assert client.send(c.StopVmCommand(vm_name="i-2-7-VM", forced=True)).result
    reverted = client.send(
        c.RevertSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert reverted.result, reverted.details
    assert (pool_dir / "v1").read_bytes().startswith(b"vhdxfile")
    deleted = client.send(
        c.DeleteSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert deleted.result and deleted.details == ""
    assert fake.vms["i-2-7-VM"]["checkpoints"] == {}
    twice = client.send(
        c.DeleteSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-7-VM")
    )
    assert twice.result and twice.details == "already absent"
    no_vm = client.send(
        c.DeleteSnapshotCommand(pool="primary", volume="v1", snapshot="s1", vm_name="i-2-8-VM")
    )
    assert no_vm.result and no_vm.details == "already absent"
    ops = [op for op, _ in fake.calls]
    assert {"checkpoint_vm", "restore_checkpoint", "remove_checkpoint"} <= set(ops)


def test_hyperv_checkpoint_scripts_are_constant():
    hostile = {"name": "x'; Remove-VM *", "path": "$(Stop-Computer)", "snapshot": "s"}
    for op in ("checkpoint_vm", "remove_checkpoint", "restore_checkpoint"):
        script = build_script(op, hostile)
        assert script.endswith(BODIES[op]) and "Stop-Computer" not in script
