"""Simulator resource end to end over real HTTP, including many hosts in one process."""

from __future__ import annotations

import time

import pytest

from agents.errors import AgentCommandError
from agents.protocol import DiskSpec, PoolSpec, VmSpec
from agents.protocol import commands as c

GIB = 1024**3


def test_simulated_host_lifecycle(agent_server, client_for):
    server = agent_server("simulator", {"cpus": 8, "memory_bytes": 4 * GIB})
    client = client_for(server)
    ready = client.send(c.ReadyCommand(host_id="h1"))
    assert (ready.hypervisor, ready.cpus, ready.memory_bytes) == ("simulator", 8, 4 * GIB)

    tmpl = client.send(c.CopyTemplateCommand(source="nfs://sec/t.qcow2", pool="primary",
                                             volume="tmpl-1"))  # fmt: skip
    assert tmpl.result and tmpl.size_bytes == 2 * GIB
    vol = c.CreateVolumeCommand(pool="primary", volume="root-1", size_bytes=GIB, template="tmpl-1")
    assert client.send(vol).result and client.send(vol).result  # idempotent
    other = client.send(c.CreateVolumeCommand(pool="primary", volume="root-1", size_bytes=2 * GIB))
    assert (other.result, other.error) == (False, "conflict")
    nope = client.send(c.CreateVolumeCommand(pool="nopool", volume="x", size_bytes=1))
    assert nope.error == "pool_not_found"

    disk = DiskSpec(device_id=0, pool="primary", volume="root-1")
    vm = VmSpec(name="vm-1", cpus=2, memory_mib=3072, disks=[disk])
    started = client.send(c.StartVmCommand(vm=vm))
    assert started.result and started.state == "running" and started.vnc_port >= 5900
    assert client.send(c.StartVmCommand(vm=vm)).vnc_port == started.vnc_port  # idempotent
    big = client.send(c.StartVmCommand(vm=VmSpec(name="vm-2", cpus=1, memory_mib=2048)))
    assert (big.result, big.error) == (False, "insufficient_capacity")
    lost = VmSpec(name="vm-3", cpus=1, memory_mib=64,
                  disks=[DiskSpec(device_id=0, pool="primary", volume="ghost")])  # fmt: skip
    assert client.send(c.StartVmCommand(vm=lost)).error == "volume_not_found"

    assert client.send(c.PingCommand()).vm_states == {"vm-1": "running"}
    host = client.send(c.HostStatsCommand())
    assert host.free_memory_bytes == GIB and host.vm_count == 1
    time.sleep(0.05)
    stats = client.send(c.VmStatsCommand(vm_names=["vm-1", "ghost"])).stats
    assert list(stats) == ["vm-1"] and stats["vm-1"].disk_read_bytes > 0
    pool = client.send(c.StorageStatsCommand(pool="primary")).pool
    assert pool.used_bytes == 3 * GIB and pool.available_bytes == pool.capacity_bytes - 3 * GIB

    data = DiskSpec(device_id=1, type="data", pool="primary", volume="tmpl-1")
    assert client.send(c.AttachDiskCommand(vm_name="vm-1", disk=data)).result
    assert client.send(c.AttachDiskCommand(vm_name="vm-1", disk=data)).result
    assert client.send(c.DetachDiskCommand(vm_name="vm-1", disk=data)).result

    assert client.send(c.StopVmCommand(vm_name="vm-1")).state == "stopped"
    assert client.send(c.StopVmCommand(vm_name="vm-1")).result
    assert client.send(c.StopVmCommand(vm_name="never")).result
    assert client.send(c.GetVncPortCommand(vm_name="vm-1")).error == "conflict"
    assert client.send(c.DestroyVmCommand(vm_name="vm-1")).result
    assert client.send(c.DestroyVmCommand(vm_name="vm-1")).result
    assert client.send(c.CheckVmCommand(vm_name="vm-1")).error == "vm_not_found"
    assert client.send(c.DeleteVolumeCommand(pool="primary", volume="root-1")).result
    assert client.send(c.DeleteVolumeCommand(pool="primary", volume="root-1")).result

    spec = PoolSpec(name="nfs-2", type="nfs", host="10.0.0.2", source_path="/export")
    assert client.send(c.ModifyStoragePoolCommand(pool=spec)).pool.name == "nfs-2"
    assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=False)).result
    assert client.send(c.StorageStatsCommand(pool="nfs-2")).error == "pool_not_found"


def test_one_process_simulates_many_hosts(agent_server, client_for):
    server = agent_server("simulator", {"cpus": 4})
    base = client_for(server)
    hosts = [client_for(server, host_id=f"host-{i}", session=base._session) for i in range(300)]
    vm = VmSpec(name="only-on-host-7", cpus=1, memory_mib=128)
    assert hosts[7].send(c.StartVmCommand(vm=vm)).result
    t0 = time.monotonic()
    for client in hosts:
        client.send(c.PingCommand())
    elapsed = time.monotonic() - t0
    assert hosts[7].send(c.PingCommand()).vm_states == {"only-on-host-7": "running"}
    assert hosts[8].send(c.PingCommand()).vm_states == {}
    assert base.send(c.PingCommand()).vm_states == {}
    assert hosts[3].health()["host_id"] == "host-3"
    assert server.provider.host_count() == 301  # 300 + the default host
    assert elapsed < 15, f"300 pings took {elapsed:.1f}s"
    print(f"simulator: {300 / elapsed:.0f} signed pings/s over HTTP")


def test_simulator_rejects_bad_host_ids_and_caps_hosts(agent_server, client_for):
    server = agent_server("simulator", {"max_hosts": 3})
    with pytest.raises(AgentCommandError) as bad:
        client_for(server, host_id="bad$id").send(c.PingCommand())
    assert (bad.value.status, bad.value.error) == (400, "invalid_command")
    for i in range(2):
        assert client_for(server, host_id=f"h{i}").send(c.PingCommand()).result
    with pytest.raises(AgentCommandError) as over:
        client_for(server, host_id="h-too-many").send(c.PingCommand())
    assert over.value.error == "insufficient_capacity"


def test_migration_moves_the_vm_between_simulated_hosts(agent_server, client_for):
    server = agent_server("simulator", {"memory_bytes": 2 * GIB})
    src, dst = (client_for(server, host_id=h) for h in ("src-1", "dst-1"))
    dst.send(c.PingCommand())
    assert src.send(c.StartVmCommand(vm=VmSpec(name="m1", cpus=1, memory_mib=1024))).result
    moved = src.send(c.MigrateVmCommand(vm_name="m1", destination=f"{server.url}/hosts/dst-1"))
    assert moved.result, moved.details
    assert src.send(c.PingCommand()).vm_states == {}
    assert dst.send(c.PingCommand()).vm_states == {"m1": "running"}
    self_move = dst.send(c.MigrateVmCommand(vm_name="m1", destination="dst-1"))
    assert (self_move.result, self_move.error) == (False, "migration_failed")
    assert src.send(c.StartVmCommand(vm=VmSpec(name="big", cpus=1, memory_mib=1536))).result
    full = dst.send(c.MigrateVmCommand(vm_name="m1", destination="src-1"))
    assert (full.result, full.error) == (False, "insufficient_capacity")
    assert dst.send(c.PingCommand()).vm_states == {"m1": "running"}  # stayed put
