"""Hyper-V resource through pywinrm's real client against the WS-Man double + real Samba."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents.protocol import DiskSpec, NicSpec, PoolSpec, VmSpec
from agents.protocol import commands as c
from agents.resources.hyperv.resource import power_state
from agents.resources.hyperv.scripts import BODIES, build_script
from tests.fakes.hyperv import FakeHyperV
from tests.fakes.wsman import WsmanServer, write_ntlm_user_file
from tests.lab.certs import self_signed

ADMIN, PASSWORD = "Administrator", "Passw0rd!"
GIB = 1024**3


@pytest.fixture
def wsman(tmp_path: Path, request: pytest.FixtureRequest):
    """(server, fake) with NTLM credentials TESTLAB\\Administrator; shares mapped if Samba runs."""
    shares = getattr(request, "param", None) or {}
    write_ntlm_user_file(str(tmp_path / "ntlm-users"), "TESTLAB", ADMIN, PASSWORD)
    fake = FakeHyperV(shares=shares)
    server = WsmanServer(fake, {ADMIN: PASSWORD}).start()
    yield server, fake
    server.stop()


def options(server: WsmanServer, **extra) -> dict:
    opts = {
        "winrm_url": server.url,
        "username": f"TESTLAB\\{ADMIN}",
        "password": PASSWORD,
        "transport": "ntlm",  # over http: every message sealed (MS-WSMV)
        "read_timeout_s": 30,
        "operation_timeout_s": 20,
        "default_switch": "vSwitch0",
    }
    opts.update(extra)
    return opts


def test_script_bodies_are_constant_and_params_are_base64_json():
    hostile = {"name": "x'@\n\"; Remove-VM * -Force; #", "path": "$(Stop-Computer)"}
    script = build_script("get_vm", hostile)
    assert "Remove-VM" not in script and "Stop-Computer" not in script
    assert script.endswith(BODIES["get_vm"])
    assert script.startswith("# cloudportal-op: get_vm\n")


@pytest.mark.parametrize(
    ("value", "state"),
    [("Running", "running"), (2, "running"), ("Off", "stopped"), (3, "stopped"),
     ("Saved", "stopped"), (9, "paused"), ("Starting", "unknown"), (10, "unknown")],
)  # fmt: skip
def test_power_state_names_and_ps51_integers(value, state):
    assert power_state(value) == state


def test_lifecycle_through_agent_http_and_winrm(wsman, agent_server, client_for):
    server, fake = wsman
    agent = agent_server("hyperv", options(server))
    client = client_for(agent)

    ready = client.send(c.ReadyCommand())
    assert ready.result, ready.details
    assert (ready.hypervisor, ready.cpus, ready.memory_bytes) == ("hyperv", 8, 32 * GIB)

    vm = VmSpec(
        name="i-2-42-VM",
        cpus=2,
        memory_mib=1024,
        disks=[DiskSpec(device_id=0, path="C:\\vhd\\root.vhdx", format="vhdx")],
        nics=[
            NicSpec(device_id=0, mac="02:00:0c:00:00:2a", broadcast_uri="vlan://100"),
            NicSpec(device_id=1, mac="02-00-0c-00-00-2b", bridge="Public"),
        ],
    )
    started = client.send(c.StartVmCommand(vm=vm))
    assert started.result, started.details
    assert started.state == "running" and started.vnc_port == -9
    made = fake.vms["i-2-42-VM"]
    assert (made["state"], made["cpus"], made["memory_bytes"]) == ("Running", 2, GIB)
    assert made["disks"] == ["C:\\vhd\\root.vhdx"]
    assert made["nics"] == [
        {"name": "nic0", "mac": "02000C00002A", "switch": "vSwitch0", "vlan": 100},
        {"name": "nic1", "mac": "02000C00002B", "switch": "Public", "vlan": 0},
    ]
    assert client.send(c.StartVmCommand(vm=vm)).result  # already running: succeeds
    assert client.send(c.PingCommand()).vm_states == {"i-2-42-VM": "running"}
    stats = client.send(c.VmStatsCommand(vm_names=["i-2-42-VM"])).stats["i-2-42-VM"]
    assert (stats.cpus, stats.memory_kib) == (2, GIB // 1024)
    console = client.send(c.GetVncPortCommand(vm_name="i-2-42-VM"))
    assert console.address == f"instanceId={made['id']}" and console.port == -9
    assert client.send(c.RebootVmCommand(vm_name="i-2-42-VM")).result
    assert made["reboots"] == 1

    stopped = client.send(c.StopVmCommand(vm_name="i-2-42-VM", forced=True))
    assert stopped.result and stopped.state == "stopped" and made["turned_off"] is True
    assert client.send(c.StopVmCommand(vm_name="i-2-42-VM")).result  # already stopped
    assert client.send(c.StopVmCommand(vm_name="never-made")).result  # absent
    missing = client.send(c.RebootVmCommand(vm_name="never-made"))
    assert (missing.result, missing.error) == (False, "vm_not_found")

    migrate = client.send(c.MigrateVmCommand(vm_name="i-2-42-VM", destination="HV02"))
    assert (migrate.result, migrate.error) == (False, "hypervisor_error")
    assert client.send(c.DestroyVmCommand(vm_name="i-2-42-VM")).result
    assert "i-2-42-VM" not in fake.vms
    assert client.send(c.DestroyVmCommand(vm_name="i-2-42-VM")).result  # idempotent

    # every run_ps was a full, sealed WS-Man exchange
    assert server.sealed_requests >= 5 * len(fake.calls)
    assert server.actions()[:5] == ["Create", "Command", "Receive", "Signal", "Delete"]


def test_values_travel_as_json_data_never_as_script_text(wsman, agent_server, client_for):
    server, fake = wsman
    client = client_for(agent_server("hyperv", options(server)))
    evil_path = "C:\\vhd\\x'@\n$(Remove-Item C:\\ -Recurse)\"; Stop-Computer; '.vhdx"
    evil_dest = "HV02'; Remove-VM -Name * -Force; '"
    vm = VmSpec(
        name="i-3-1-VM", cpus=1, memory_mib=512, disks=[DiskSpec(device_id=0, path=evil_path)]
    )
    assert client.send(c.StartVmCommand(vm=vm)).result
    client.send(c.MigrateVmCommand(vm_name="i-3-1-VM", destination=evil_dest))
    vm2 = VmSpec(name="i-3-2-VM", cpus=4, memory_mib=2048)
    assert client.send(c.StartVmCommand(vm=vm2)).result

    assert fake.vms["i-3-1-VM"]["disks"] == [evil_path]  # arrived intact, as data
    assert ("migrate_vm", {"name": "i-3-1-VM", "destination": evil_dest}) in fake.calls
    for bodies in fake.bodies.values():
        assert len(bodies) == 1  # same constant script whatever the parameters
        (body,) = bodies
        assert "Remove-Item" not in body and "Stop-Computer" not in body
        assert "i-3-1-VM" not in body and "HV02" not in body


def test_failed_start_rolls_back_the_half_made_vm(wsman, agent_server, client_for):
    server, fake = wsman
    client = client_for(agent_server("hyperv", options(server)))
    fake.fail["Start-VM"] = "The virtual machine could not be started: not enough memory."
    answer = client.send(c.StartVmCommand(vm=VmSpec(name="i-4-1-VM", cpus=1, memory_mib=512)))
    assert (answer.result, answer.error) == (False, "hypervisor_error")
    assert "not enough memory" in answer.details and "rolled back" in answer.details
    assert fake.vms == {}
    assert [op for op, _ in fake.calls][-3:] == ["create_vm", "start_vm", "remove_vm"]


def test_receive_timeouts_are_retried_and_basic_auth_works(wsman, agent_server, client_for):
    server, fake = wsman
    opts = options(server, transport="basic", username=ADMIN, message_encryption="never")
    client = client_for(agent_server("hyperv", opts))
    server.receive_timeouts = 2
    assert client.send(c.PingCommand()).result
    assert server.actions().count("Fault:2150858793") == 2
    assert server.sealed_requests == 0


def test_ntlm_over_https_with_certificate_validation(tmp_path, agent_server, client_for):
    """CloudStack's hyperv.py setup: NTLM over HTTPS, server certificate validated."""
    _, _, pem = self_signed(tmp_path, "wsman")
    write_ntlm_user_file(str(tmp_path / "ntlm-users"), "TESTLAB", ADMIN, PASSWORD)
    fake = FakeHyperV()
    server = WsmanServer(fake, {ADMIN: PASSWORD}, certfile=pem).start()
    try:
        assert server.url.startswith("https://")
        trusted = options(server, server_cert_validation="validate", ca_trust_path=pem)
        answer = client_for(agent_server("hyperv", trusted)).send(c.ReadyCommand())
        assert answer.result, answer.details
        assert server.sealed_requests == 0  # TLS protects the messages; no MS-WSMV sealing
        untrusted = options(server, server_cert_validation="validate", ca_trust_path="")
        refused = client_for(agent_server("hyperv", untrusted)).send(c.ReadyCommand())
        assert (refused.result, refused.error) == (False, "hypervisor_error")
    finally:
        server.stop()


def test_graceful_stop_is_bounded_and_falls_back_to_turn_off(wsman, agent_server, client_for):
    server, fake = wsman
    client = client_for(agent_server("hyperv", options(server)))
    assert client.send(c.StartVmCommand(vm=VmSpec(name="g1", cpus=1, memory_mib=256))).result
    fake.guest_ignores_shutdown = True
    stopped = client.send(c.StopVmCommand(vm_name="g1", timeout_s=7))
    assert stopped.result and stopped.state == "stopped"
    assert fake.vms["g1"]["turned_off"] is True
    assert ("stop_vm", {"name": "g1", "forced": False, "timeout_s": 7}) in fake.calls


def test_parallel_commands_each_get_their_own_winrm_session(wsman, agent_server, client_for):
    from concurrent.futures import ThreadPoolExecutor

    server, fake = wsman
    agent = agent_server("hyperv", options(server, max_parallel=4))
    clients = [client_for(agent) for _ in range(8)]
    names = [f"p{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda pair: pair[0].send(
                    c.StartVmCommand(vm=VmSpec(name=pair[1], cpus=1, memory_mib=128))
                ),
                zip(clients, names, strict=True),
            )
        )
    assert [a.result for a in answers] == [True] * 8, [a.details for a in answers]
    assert sorted(fake.vms) == names and server.sealed_requests > 0


def test_a_hung_command_hits_the_deadline(wsman, agent_server, client_for):
    server, _ = wsman
    client = client_for(agent_server("hyperv", options(server, command_timeout_s=1)))
    server.receive_timeouts = 10**9  # Receive never completes; pywinrm would poll forever
    try:
        t0 = time.monotonic()
        answer = client.send(c.PingCommand())
        assert (answer.result, answer.error) == (False, "timeout")
        assert time.monotonic() - t0 < 10
    finally:
        server.receive_timeouts = 0  # let the abandoned poll finish


def test_wrong_winrm_password_is_a_typed_error(wsman, agent_server, client_for):
    server, _ = wsman
    client = client_for(agent_server("hyperv", options(server, password="wrong")))
    answer = client.send(c.CheckHealthCommand())
    assert (answer.result, answer.error) == (False, "hypervisor_error")
    assert "rejected the credentials" in answer.details


def test_unreachable_winrm_is_a_typed_error(agent_server, client_for):
    opts = {"winrm_url": "http://127.0.0.1:9/wsman", "username": "a", "password": "b",
            "transport": "basic", "message_encryption": "never", "read_timeout_s": 5,
            "operation_timeout_s": 3}  # fmt: skip
    client = client_for(agent_server("hyperv", opts))
    answer = client.send(c.PingCommand())
    assert (answer.result, answer.error) == (False, "hypervisor_error")


# -- SMB storage against a real Samba server --------------------------------------------


@dataclass
class SmbLab:
    """A private folder on each real Samba share (other sessions may use the shares too)."""

    server: WsmanServer
    fake: FakeHyperV
    samba: Any
    sub: str

    def local(self, share: str) -> Path:
        return self.samba.share_dir(share) / self.sub

    def unc(self, share: str) -> str:
        return f"{self.samba.unc(share)}\\{self.sub}"


@pytest.fixture
def smb_lab(samba_server, tmp_path):
    """A WS-Man double whose VHDs land on the shares, and a private folder per share."""
    shares = {samba_server.unc(n): samba_server.share_dir(n) for n in ("primary", "secondary")}
    sub = f"t-{uuid.uuid4().hex[:8]}"
    for path in shares.values():
        (path / sub).mkdir()
        shutil.chown(path / sub, samba_server.user)
    write_ntlm_user_file(str(tmp_path / "ntlm-users"), "TESTLAB", ADMIN, PASSWORD)
    fake = FakeHyperV(shares=shares)
    server = WsmanServer(fake, {ADMIN: PASSWORD}).start()
    yield SmbLab(server, fake, samba_server, sub)
    server.stop()
    for path in shares.values():
        shutil.rmtree(path / sub, ignore_errors=True)


def smb_options(lab: SmbLab, **smb) -> dict:
    samba = lab.samba
    creds = {"username": samba.user, "password": samba.password, "port": samba.port}
    creds.update(smb)
    return options(lab.server, smb=creds, pools={"primary": lab.unc("primary")})


@pytest.mark.samba
def test_templates_and_volumes_on_smb_shares(smb_lab, agent_server, client_for):
    lab, fake = smb_lab, smb_lab.fake
    client = client_for(agent_server("hyperv", smb_options(lab)))
    payload = bytes(range(256)) * 4096  # 1 MiB "template"
    (lab.local("secondary") / "tmpl-201.vhdx").write_bytes(payload)
    primary = lab.local("primary")

    source = f"smb://127.0.0.1/secondary/{lab.sub}/tmpl-201.vhdx?user=ignored"
    copied = client.send(
        c.CopyTemplateCommand(source=source, pool="primary", volume="tmpl-201.vhdx")
    )
    assert copied.result, copied.details
    assert copied.size_bytes == len(payload) and (primary / "tmpl-201.vhdx").read_bytes() == payload
    again = client.send(
        c.CopyTemplateCommand(source=source, pool="primary", volume="tmpl-201.vhdx")
    )
    assert again.result and again.details == "template already in the pool"
    bad = client.send(c.CopyTemplateCommand(source=source, pool="primary", volume="t2.vhdx",
                                            sha256="00" * 32))  # fmt: skip
    assert (bad.result, bad.error) == (False, "storage_error")
    assert not (primary / "t2.vhdx").exists() and not (primary / "t2.vhdx.part").exists()
    absent = client.send(c.CopyTemplateCommand(source=lab.unc("secondary") + "\\nope.vhdx",
                                               pool="primary", volume="t3.vhdx"))  # fmt: skip
    assert (absent.result, absent.error) == (False, "volume_not_found")

    root = client.send(c.CreateVolumeCommand(pool="primary", volume="root-42.vhdx",
                                             size_bytes=0, template="tmpl-201.vhdx"))  # fmt: skip
    assert root.result, root.details
    data = c.CreateVolumeCommand(pool="primary", volume="data-43.vhdx", size_bytes=GIB)
    assert client.send(data).result and (primary / "data-43.vhdx").exists()
    assert client.send(data).result  # same size again: fine
    other = client.send(
        c.CreateVolumeCommand(pool="primary", volume="data-43.vhdx", size_bytes=2 * GIB)
    )
    assert (other.result, other.error) == (False, "conflict")

    vm = VmSpec(
        name="i-2-50-VM", cpus=1, memory_mib=512,
        disks=[DiskSpec(device_id=0, pool="primary", volume="root-42.vhdx", format="vhdx")],
    )  # fmt: skip
    assert client.send(c.StartVmCommand(vm=vm)).result
    assert fake.vms["i-2-50-VM"]["disks"] == [lab.unc("primary") + "\\root-42.vhdx"]
    disk = DiskSpec(device_id=1, type="data", pool="primary", volume="data-43.vhdx", format="vhdx")
    assert client.send(c.AttachDiskCommand(vm_name="i-2-50-VM", disk=disk)).result
    assert client.send(c.AttachDiskCommand(vm_name="i-2-50-VM", disk=disk)).result
    assert len(fake.vms["i-2-50-VM"]["disks"]) == 2
    assert client.send(c.DetachDiskCommand(vm_name="i-2-50-VM", disk=disk)).result
    assert len(fake.vms["i-2-50-VM"]["disks"]) == 1

    stats = client.send(c.StorageStatsCommand(pool="primary"))
    assert stats.result and stats.pool.capacity_bytes > stats.pool.available_bytes > 0

    gone = client.send(c.DeleteVolumeCommand(pool="primary", volume="data-43.vhdx"))
    assert gone.result and not (primary / "data-43.vhdx").exists()
    again = client.send(c.DeleteVolumeCommand(pool="primary", volume="data-43.vhdx"))
    assert again.result and again.details == "already absent"

    spec = PoolSpec(name="second", type="smb", host="127.0.0.1", source_path=f"secondary/{lab.sub}")
    added = client.send(c.ModifyStoragePoolCommand(pool=spec, add=True))
    assert added.result and added.pool.path == lab.unc("secondary")
    assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=False)).result
    assert client.send(c.StorageStatsCommand(pool="second")).error == "pool_not_found"


@pytest.mark.samba
def test_failed_create_with_missing_volume_is_rolled_back(smb_lab, agent_server, client_for):
    fake = smb_lab.fake
    client = client_for(agent_server("hyperv", smb_options(smb_lab)))
    vm = VmSpec(name="i-2-51-VM", cpus=1, memory_mib=512,
                disks=[DiskSpec(device_id=0, pool="primary", volume="missing.vhdx")])  # fmt: skip
    answer = client.send(c.StartVmCommand(vm=vm))
    assert (answer.result, answer.error) == (False, "hypervisor_error")
    assert fake.vms == {}  # New-VM had run; rollback removed it


@pytest.mark.samba
def test_wrong_smb_password_is_a_typed_error(smb_lab, agent_server, client_for):
    client = client_for(agent_server("hyperv", smb_options(smb_lab, password="nope")))
    answer = client.send(c.StorageStatsCommand(pool="primary"))
    assert (answer.result, answer.error) == (False, "storage_error")
    assert json.dumps(answer.details).count("nope") == 0  # the password is not echoed


def test_iso_goes_into_the_dvd_drive_not_the_scsi_disks(wsman, agent_server, client_for):
    server, fake = wsman
    client = client_for(agent_server("hyperv", options(server)))
    vm = VmSpec(
        name="i-2-43-VM",
        cpus=1,
        memory_mib=512,
        disks=[DiskSpec(device_id=0, path="C:\\vhd\\root.vhdx", format="vhdx")],
    )
    assert client.send(c.StartVmCommand(vm=vm)).result
    iso = DiskSpec(device_id=25, type="iso", path="\\\\sec\\share\\tools.iso", format="iso")
    assert client.send(c.AttachDiskCommand(vm_name="i-2-43-VM", disk=iso)).result
    made = fake.vms["i-2-43-VM"]
    assert made["dvd"] == iso.path and made["disks"] == ["C:\\vhd\\root.vhdx"]
    assert client.send(c.DetachDiskCommand(vm_name="i-2-43-VM", disk=iso)).result
    assert made["dvd"] is None and made["disks"] == ["C:\\vhd\\root.vhdx"]
