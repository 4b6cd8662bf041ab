"""Wire protocol: every command and answer round-trips; malformed input is a typed error."""

from __future__ import annotations

import dataclasses
import json

import pytest

from agents.errors import InvalidCommand, UnknownCommand
from agents.protocol import (
    COMMANDS,
    MAX_BATCH,
    DiskSpec,
    NicSpec,
    PoolInfo,
    PoolSpec,
    VmSpec,
    VmStats,
    decode_answer,
    encode_request,
    parse_request,
)
from agents.protocol import commands as c
from agents.protocol.codec import to_dict

VM = VmSpec(
    name="i-2-42-VM",
    uuid="8e4c2b7a-0d1e-4a43-9f1b-2d5f7c1e9a10",
    cpus=2,
    cpu_speed_mhz=2000,
    memory_mib=1024,
    disks=[
        DiskSpec(device_id=0, type="root", pool="pri", volume="root-42", size_bytes=10**9),
        DiskSpec(device_id=3, type="iso", path="/isos/x.iso", format="iso"),
    ],
    nics=[
        NicSpec(
            device_id=0,
            mac="02:00:0c:00:00:2a",
            ip="10.1.1.5",
            netmask="255.255.255.0",
            gateway="10.1.1.1",
            broadcast_uri="vlan://100",
            default=True,
        )
    ],  # fmt: skip
    boot_order=["cdrom", "hd"],
    vnc_password="pw",
    user_data="#cloud-config\n",
)
DISK = DiskSpec(device_id=1, type="data", pool="pri", volume="data-7")
SAMPLES: dict[str, c.Command] = {
    "ready": c.ReadyCommand(host_id="h1"),
    "startup": c.StartupCommand(host_id="h1"),
    "ping": c.PingCommand(host_id="h1"),
    "check_health": c.CheckHealthCommand(),
    "start_vm": c.StartVmCommand(vm=VM),
    "stop_vm": c.StopVmCommand(vm_name="i-2-42-VM", forced=True, timeout_s=5),
    "reboot_vm": c.RebootVmCommand(vm_name="i-2-42-VM", forced=True),
    "destroy_vm": c.DestroyVmCommand(vm_name="i-2-42-VM"),
    "check_vm": c.CheckVmCommand(vm_name="i-2-42-VM"),
    "check_host": c.CheckHostCommand(url="http://10.0.0.7:8250/v1/health", timeout_s=3),
    "vm_stats": c.VmStatsCommand(vm_names=["a", "b"]),
    "host_stats": c.HostStatsCommand(),
    "storage_stats": c.StorageStatsCommand(pool="pri"),
    "modify_storage_pool": c.ModifyStoragePoolCommand(
        pool=PoolSpec(name="nfs1", type="nfs", host="10.0.0.9", source_path="/export/pri"), add=True
    ),
    "create_volume": c.CreateVolumeCommand(
        pool="pri", volume="root-42", size_bytes=10**9, template="tmpl-201"
    ),  # fmt: skip
    "delete_volume": c.DeleteVolumeCommand(pool="pri", volume="root-42"),
    "copy_volume": c.CopyVolumeCommand(source_pool="pri", pool="pri2", volume="data-7"),
    "create_template_from_volume": c.CreateTemplateFromVolumeCommand(
        pool="pri",
        volume="root-7",
        destination="/mnt/sec/template/tmpl/2/9/t.qcow2",
        snapshot="snap-1",
    ),  # fmt: skip
    "copy_template": c.CopyTemplateCommand(
        source="file:///sec/t.qcow2", pool="pri", volume="tmpl-201", sha256="ab" * 32
    ),  # fmt: skip
    "attach_disk": c.AttachDiskCommand(vm_name="i-2-42-VM", disk=DISK),
    "detach_disk": c.DetachDiskCommand(vm_name="i-2-42-VM", disk=DISK),
    "plug_nic": c.PlugNicCommand(
        vm_name="i-2-42-VM", nic=NicSpec(device_id=1, mac="02:00:aa:bb:cc:01", vlan=101)
    ),
    "unplug_nic": c.UnplugNicCommand(
        vm_name="i-2-42-VM", nic=NicSpec(device_id=1, mac="02:00:aa:bb:cc:01")
    ),
    "get_vnc_port": c.GetVncPortCommand(vm_name="i-2-42-VM"),
    "migrate_vm": c.MigrateVmCommand(vm_name="i-2-42-VM", destination="qemu+tls://h2/system"),
    "create_snapshot": c.CreateSnapshotCommand(
        pool="pri", volume="root-42", snapshot="snap-1", vm_name="i-2-42-VM"
    ),
    "delete_snapshot": c.DeleteSnapshotCommand(pool="pri", volume="root-42", snapshot="snap-1"),
    "revert_snapshot": c.RevertSnapshotCommand(pool="pri", volume="root-42", snapshot="snap-1"),
    "apply_network_rules": c.ApplyNetworkRulesCommand(
        network_id="net-3",
        vlan=100,
        guest_cidr="10.1.1.0/24",
        public_ips=[
            c.PublicIpRules(
                address="198.51.100.10",
                firewall=[c.RuleSpec("tcp", 22, 22, cidrs=["10.0.0.0/8"])],
                port_forwards=[c.PortForwardSpec("tcp", 2222, 2222, "10.1.1.2", 22, 22)],
            )
        ],
        egress=[c.RuleSpec("icmp")],
    ),
    "apply_security_groups": c.ApplySecurityGroupsCommand(
        vms=[
            c.VmSecurityRules(
                "i-2-3",
                [c.NicSecurityRules("02:00:aa:bb:cc:dd", "10.1.1.2", [c.RuleSpec("all")])],
            )
        ]
    ),
}


def test_every_command_has_a_sample():
    assert set(SAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_command_round_trip(name):
    cmd = SAMPLES[name]
    (parsed,), batch = parse_request(encode_request([cmd]))
    assert parsed == cmd and type(parsed) is type(cmd) and batch is False


def test_batch_round_trip_keeps_order():
    cmds = [SAMPLES["ping"], SAMPLES["start_vm"], SAMPLES["stop_vm"]]
    parsed, batch = parse_request(encode_request(cmds, batch=True))
    assert parsed == cmds and batch is True


ANSWERS = [
    c.HostInfoAnswer(
        hypervisor="kvm",
        cpus=4,
        memory_bytes=8 << 30,
        capabilities=["hvm"],
        vm_states={"a": "running", "b": "stopped"},
    ),  # fmt: skip
    c.PingAnswer(vm_states={"a": "paused"}),
    c.StartVmAnswer(vm_name="a", state="running", vnc_port=5901),
    c.VmStatsAnswer(stats={"a": VmStats(state="running", cpus=2, cpu_utilization=12.5)}),
    c.HostStatsAnswer(cpus=4, cpu_utilization=1.5, total_memory_bytes=10, free_memory_bytes=5),
    c.PoolAnswer(pool=PoolInfo(name="pri", capacity_bytes=100, used_bytes=40, available_bytes=60)),
    c.VolumeAnswer(pool="pri", volume="v", path="/p/v", size_bytes=5, format="qcow2"),
    c.VncPortAnswer(address="127.0.0.1", port=5900),
    c.VmAnswer(result=False, error="vm_not_found", details="no VM"),
]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: type(a).__name__)
def test_answer_round_trip(answer):
    name = next(n for n, cls in COMMANDS.items() if cls.answer_type is type(answer))
    answer.command = name
    wire = json.loads(json.dumps(to_dict(answer)))
    assert wire["agent_version"] and "result" in wire and "details" in wire
    assert decode_answer(wire) == answer


def test_answer_from_a_newer_agent_ignores_unknown_fields():
    answer = decode_answer({"command": "ping", "result": True, "vm_states": {}, "new": 1})
    assert isinstance(answer, c.PingAnswer) and answer.result


def test_nic_broadcast_uri_sets_the_vlan():
    assert NicSpec(device_id=0, mac="02:00:00:00:00:01", broadcast_uri="vlan://42").vlan == 42
    assert (
        NicSpec(device_id=0, mac="02:00:00:00:00:01", broadcast_uri="vlan://untagged").vlan is None
    )


def body(**kw) -> bytes:
    return json.dumps(kw).encode()


VM_ARGS = {"name": "vm1", "cpus": 1, "memory_mib": 128}
MALFORMED = {
    "not json": (b"{nope", "invalid_command"),
    "not an object": (b"[1, 2]", "invalid_command"),
    "no command": (body(args={}), "invalid_command"),
    "command not a string": (body(command=5), "invalid_command"),
    "unknown command": (body(command="format_c"), "unknown_command"),
    "unknown top-level key": (body(command="ping", extra=1), "invalid_command"),
    "unknown arg": (body(command="ping", args={"hostid": "x"}), "invalid_command"),
    "args not an object": (body(command="ping", args=[]), "invalid_command"),
    "missing field": (body(command="stop_vm", args={}), "invalid_command"),
    "string for int": (body(command="start_vm", args={"vm": {**VM_ARGS, "cpus": "2"}}),
                       "invalid_command"),
    "bool for int": (body(command="start_vm", args={"vm": {**VM_ARGS, "cpus": True}}),
                     "invalid_command"),
    "int for bool": (body(command="stop_vm", args={"vm_name": "a", "forced": 1}),
                     "invalid_command"),
    "stop timeout too long": (body(command="stop_vm", args={"vm_name": "a", "timeout_s": 10**6}),
                              "invalid_command"),
    "path in vm name": (body(command="stop_vm", args={"vm_name": "../../etc"}), "invalid_command"),
    "bad mac": (body(command="start_vm", args={"vm": {**VM_ARGS, "nics": [
        {"device_id": 0, "mac": "zz"}]}}), "invalid_command"),
    "vlan out of range": (body(command="start_vm", args={"vm": {**VM_ARGS, "nics": [
        {"device_id": 0, "mac": "02:00:00:00:00:01", "vlan": 5000}]}}), "invalid_command"),
    "bad enum": (body(command="attach_disk", args={"vm_name": "a", "disk": {
        "device_id": 1, "pool": "p", "volume": "v", "type": "floppy"}}), "invalid_command"),
    "volume without pool": (body(command="attach_disk", args={"vm_name": "a", "disk": {
        "device_id": 1, "volume": "v"}}), "invalid_command"),
    "duplicate device ids": (body(command="start_vm", args={"vm": {**VM_ARGS, "disks": [
        {"device_id": 0, "path": "/a"}, {"device_id": 0, "path": "/b"}]}}), "invalid_command"),
    "wrong protocol version": (body(protocol=2, command="ping"), "invalid_command"),
    "empty batch": (body(batch=[]), "invalid_command"),
    "huge batch": (body(batch=[{"command": "ping"}] * (MAX_BATCH + 1)), "invalid_command"),
    "bad item in batch": (body(batch=[{"command": "ping"}, {"command": "nope"}]),
                          "unknown_command"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_raises_typed_error(case):
    raw, code = MALFORMED[case]
    with pytest.raises(InvalidCommand) as info:
        parse_request(raw)
    assert info.value.code == code and info.value.details


def test_unknown_command_is_a_subclass_of_invalid_command():
    assert issubclass(UnknownCommand, InvalidCommand)


def test_answers_are_plain_json_without_java_class_names():
    wire = json.dumps(to_dict(ANSWERS[0]))
    assert "com.cloud" not in wire and "org.apache" not in wire
    fields = {f.name for f in dataclasses.fields(c.Answer)}
    assert {"result", "details", "agent_version", "error", "command"} <= fields


def test_check_host_refuses_non_http_urls():
    with pytest.raises(ValueError, match="http"):
        c.CheckHostCommand(url="file:///etc/passwd")
    with pytest.raises(ValueError, match="timeout_s"):
        c.CheckHostCommand(url="http://10.0.0.7:8250/v1/health", timeout_s=0)


@pytest.mark.parametrize(
    "destination", ["relative/t.qcow2", "/mnt/sec/../etc/passwd", "\\\\srv\\share\\..\\x"]
)
def test_create_template_destination_must_be_absolute_and_contained(destination):
    with pytest.raises(ValueError):
        c.CreateTemplateFromVolumeCommand(pool="pri", volume="root-7", destination=destination)
