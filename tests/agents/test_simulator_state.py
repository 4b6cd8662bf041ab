"""The simulator's optional state file: a restarted agent remembers its hosts' VMs, volumes,
templates and rules (the demo cloud survives `make run` restarts)."""

from __future__ import annotations

import json
import stat
import time

from agents.protocol import DiskSpec, VmSpec
from agents.protocol import commands as c

GIB = 1024**3


def _deploy(client) -> None:
    """What a deploy does on a simulated host: template copy, root volume, start."""
    assert client.send(c.CopyTemplateCommand(source="nfs://s/t.qcow2", pool="primary",
                                             volume="tmpl-1")).result  # fmt: skip
    assert client.send(c.CreateVolumeCommand(pool="primary", volume="root-1", size_bytes=GIB,
                                             template="tmpl-1")).result  # fmt: skip
    disk = DiskSpec(device_id=0, pool="primary", volume="root-1")
    started = client.send(c.StartVmCommand(vm=VmSpec(name="vm-1", cpus=1, memory_mib=512,
                                                     disks=[disk])))  # fmt: skip
    assert started.result, started.details
    assert client.send(c.CreateSnapshotCommand(pool="primary", volume="root-1",
                                               snapshot="s1")).result  # fmt: skip
    rules = c.ApplyNetworkRulesCommand(network_id="net-7", guest_cidr="10.1.1.0/24")
    assert client.send(rules).result


def test_restarted_simulator_remembers_vms_volumes_and_templates(
    agent_server, client_for, tmp_path
):
    state = tmp_path / "state" / "simulator.json"
    first = agent_server("simulator", {"inventory_file": str(state)})
    _deploy(client_for(first, host_id="sim-host-1"))
    vnc = client_for(first, host_id="sim-host-1").send(c.GetVncPortCommand(vm_name="vm-1")).port
    first.stop()  # like SIGTERM: the fleet writes its state a last time
    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # VM specs may carry passwords
    assert [p.name for p in state.parent.iterdir()] == ["simulator.json"]  # no temp file left

    second = agent_server("simulator", {"inventory_file": str(state)})
    host = client_for(second, host_id="sim-host-1")
    assert host.send(c.PingCommand()).vm_states == {"vm-1": "running"}
    assert host.send(c.GetVncPortCommand(vm_name="vm-1")).port == vnc
    # The template is still in the pool: a second deploy from it works.
    again = c.CreateVolumeCommand(
        pool="primary", volume="root-2", size_bytes=GIB, template="tmpl-1"
    )
    assert host.send(again).result
    pool = host.send(c.StorageStatsCommand(pool="primary")).pool
    assert pool.used_bytes == 2 * GIB + GIB + GIB  # template + two roots
    # Shared pools: another host of the fleet sees the same volumes.
    other = client_for(second, host_id="sim-host-2")
    assert other.send(c.CreateVolumeCommand(pool="primary", volume="root-3", size_bytes=GIB,
                                            template="tmpl-1")).result  # fmt: skip
    snap = c.RevertSnapshotCommand(pool="primary", volume="root-1", snapshot="s1", vm_name="")
    assert host.send(snap).result  # the snapshot survived too
    restored = second.provider.get("sim-host-1")
    assert restored.network_rules["net-7"].guest_cidr == "10.1.1.0/24"
    # Each change was written when it was answered, not only at the end.
    assert len(json.loads(state.read_text())["volumes"]) == 4


def test_stopped_vm_and_destroyed_vm_stay_that_way(agent_server, client_for, tmp_path):
    state = tmp_path / "sim.json"
    first = agent_server("simulator", {"inventory_file": str(state)})
    client = client_for(first, host_id="h1")
    _deploy(client)
    assert client.send(c.StopVmCommand(vm_name="vm-1")).result
    assert client.send(c.StartVmCommand(vm=VmSpec(name="vm-2", cpus=1, memory_mib=64))).result
    assert client.send(c.DestroyVmCommand(vm_name="vm-2")).result
    first.provider.state = None  # a crash: no last write at stop, only the per-answer ones
    first.stop()

    second = agent_server("simulator", {"inventory_file": str(state)})
    assert client_for(second, host_id="h1").send(c.PingCommand()).vm_states == {"vm-1": "stopped"}


def test_reads_do_not_write_and_persistence_is_off_by_default(agent_server, client_for, tmp_path):
    state = tmp_path / "sim.json"
    server = agent_server("simulator", {"inventory_file": str(state)})
    client = client_for(server, host_id="h1")
    assert client.send(c.CopyTemplateCommand(source="nfs://s/t", pool="primary",
                                             volume="t")).result  # fmt: skip
    writes = server.provider.state.writes
    for cmd in (c.PingCommand(), c.HostStatsCommand(), c.StorageStatsCommand(pool="primary")):
        assert client.send(cmd).result
    assert server.provider.state.writes == writes
    failed = client.send(c.CreateVolumeCommand(pool="nopool", volume="x", size_bytes=1))
    assert failed.error == "pool_not_found" and server.provider.state.writes == writes

    plain = agent_server("simulator", {})
    assert plain.provider.state is None
    assert client_for(plain).send(c.CopyTemplateCommand(source="nfs://s/t", pool="primary",
                                                        volume="t")).result  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["sim.json"]


def test_write_behind_interval_gathers_changes(agent_server, client_for, tmp_path):
    state = tmp_path / "sim.json"
    server = agent_server("simulator", {"inventory_file": str(state), "inventory_interval_s": 0.3})
    client = client_for(server, host_id="h1")
    for number in range(20):
        assert client.send(c.CopyTemplateCommand(source="nfs://s/t", pool="primary",
                                                 volume=f"t{number}")).result  # fmt: skip
    deadline = time.monotonic() + 10
    while not state.exists() or len(json.loads(state.read_text())["volumes"]) < 20:
        assert time.monotonic() < deadline, "the background writer never wrote all changes"
        time.sleep(0.05)
    assert 1 <= server.provider.state.writes < 20  # gathered, not one write per command
    assert client.send(c.DeleteVolumeCommand(pool="primary", volume="t0")).result
    server.stop()  # whatever the interval has not written yet is written at close
    assert len(json.loads(state.read_text())["volumes"]) == 19
