"""A fake Hyper-V PowerShell host for the WS-Man double.

It does not guess from script text: it decodes the base64 JSON parameter document the
agent's scripts carry, checks the expected cmdlets are in the (constant) script body and
keeps VMs in a dict. VHD files are created on the real Samba share directories.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from tests.fakes.wsman import clixml_error

_OP_RE = re.compile(r"^# cloudportal-op: (\w+)\n")
_B64_RE = re.compile(r"FromBase64String\('([A-Za-z0-9+/=]*)'\)")


class PsError(Exception):
    """A PowerShell error record (goes to stderr as CLIXML, exit code 1)."""


class FakeHyperV:
    """``handler(script)`` for :class:`tests.fakes.wsman.WsmanServer`."""

    def __init__(self, shares: dict[str, Path] | None = None, enums_as_int: bool = False) -> None:
        self.vms: dict[str, dict[str, Any]] = {}
        self.vhd_sizes: dict[str, int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.bodies: dict[str, set[str]] = {}
        self.fail: dict[str, str] = {}
        self.shares = {k.lower(): v for k, v in (shares or {}).items()}
        self.enums_as_int = enums_as_int
        self.guest_ignores_shutdown = False

    def __call__(self, script: str) -> tuple[bytes, bytes, int]:
        op_match, b64_match = _OP_RE.match(script), _B64_RE.search(script)
        if not op_match or not b64_match:
            return b"", clixml_error("fake Hyper-V only runs cloudportal scripts"), 1
        op = op_match.group(1)
        params = json.loads(base64.b64decode(b64_match.group(1)))
        self.calls.append((op, params))
        self.bodies.setdefault(op, set()).add(script.replace(b64_match.group(1), ""))
        try:
            result = getattr(self, f"op_{op}")(params, script)
        except PsError as exc:
            return b"", clixml_error(str(exc)), 1
        return (json.dumps(result).encode() if result is not None else b""), b"", 0

    # -- helpers ---------------------------------------------------------------
    def _cmdlet(self, script: str, name: str) -> None:
        if name not in script:
            raise PsError(f"script does not call {name}")
        if name in self.fail:
            raise PsError(self.fail[name])

    def _vm(self, name: str) -> dict[str, Any]:
        if name not in self.vms:
            raise PsError(f'Hyper-V was unable to find a virtual machine with name "{name}".')
        return self.vms[name]

    def local(self, unc: str) -> Path | None:
        """Local path of a UNC path on one of the mapped shares."""
        for root, local in self.shares.items():
            if unc.lower().startswith(root + "\\"):
                return local.joinpath(*unc[len(root) + 1 :].split("\\"))
        return None

    def _state(self, state: str) -> str | int:
        return {"Running": 2, "Off": 3}[state] if self.enums_as_int else state

    def _info(self, vm: dict[str, Any]) -> dict[str, Any]:
        running = vm["state"] == "Running"
        return {
            "name": vm["name"],
            "id": vm["id"],
            "state": self._state(vm["state"]),
            "cpu_usage": 3 if running else 0,
            "memory_assigned": vm["memory_bytes"] if running else 0,
            "processor_count": vm["cpus"],
            "uptime_s": 5 if running else 0,
        }

    # -- operations ------------------------------------------------------------
    def op_host_info(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "Get-VMHost")
        return {
            "name": "HV01", "cpus": 8, "sockets": 1, "speed_mhz": 2600,
            "memory_bytes": 32 * 1024**3, "free_bytes": 20 * 1024**3,
            "version": "10.0.20348", "cpu_load": 12.5,
        }  # fmt: skip

    def op_list_vms(self, p: dict[str, Any], script: str) -> list[dict[str, Any]]:
        self._cmdlet(script, "Get-VM")
        return [self._info(vm) for vm in self.vms.values()]

    def op_get_vm(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "Get-VM")
        return self._info(self._vm(p["name"]))

    def op_create_vm(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "New-VM")
        if p["name"] in self.vms:
            raise PsError(f"A virtual machine named '{p['name']}' already exists.")
        vm = {
            "name": p["name"], "id": str(uuid.uuid4()), "state": "Off", "cpus": 1,
            "memory_bytes": p["memory_bytes"], "generation": p["generation"],
            "disks": [], "dvds": [], "nics": [],
        }  # fmt: skip
        self.vms[p["name"]] = vm  # New-VM done: later failures leave a half-made VM
        self._cmdlet(script, "Set-VMProcessor")
        vm["cpus"] = p["cpus"]
        self._cmdlet(script, "Set-VMMemory")
        for disk in p["disks"]:
            self._cmdlet(script, "Add-VMDvdDrive" if disk["iso"] else "Add-VMHardDiskDrive")
            local = self.local(disk["path"])
            if local is not None and not local.exists():
                raise PsError(f"Failed to add device 'Virtual Hard Disk': {disk['path']} not found")
            vm["dvds" if disk["iso"] else "disks"].append(disk["path"])
        for nic in p["nics"]:
            self._cmdlet(script, "Add-VMNetworkAdapter")
            self._cmdlet(script, "Set-VMNetworkAdapterVlan")
            vm["nics"].append(dict(nic))
        return {"name": vm["name"], "id": vm["id"]}

    def op_start_vm(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Start-VM")
        self._vm(p["name"])["state"] = "Running"

    def op_stop_vm(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Stop-VM")
        vm = self._vm(p["name"])
        if not p["forced"]:
            self._cmdlet(script, "Wait-Job")  # graceful stop must be bounded by timeout_s
        hard = p["forced"] or self.guest_ignores_shutdown
        vm["state"], vm["turned_off"] = "Off", bool(hard)

    def op_reboot_vm(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Restart-VM")
        self._vm(p["name"])["reboots"] = self._vm(p["name"]).get("reboots", 0) + 1

    def op_remove_vm(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Remove-VM")
        self.vms.pop(p["name"], None)

    def op_attach_disk(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Add-VMHardDiskDrive")
        vm = self._vm(p["name"])
        if p["path"] not in vm["disks"]:
            vm["disks"].append(p["path"])

    def op_detach_disk(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Remove-VMHardDiskDrive")
        vm = self._vm(p["name"])
        vm["disks"] = [d for d in vm["disks"] if d != p["path"]]

    def op_attach_dvd(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Set-VMDvdDrive")
        self._vm(p["name"])["dvd"] = p["path"]

    def op_detach_dvd(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Set-VMDvdDrive")
        vm = self._vm(p["name"])
        if vm.get("dvd") == p["path"]:
            vm["dvd"] = None

    def op_new_vhd(self, p: dict[str, Any], script: str) -> dict[str, int]:
        self._cmdlet(script, "New-VHD")
        local = self.local(p["path"])
        if local is None:
            raise PsError(f"New-VHD: path {p['path']} is not on a known share")
        if not local.exists():
            size = p["size"]
            if p["parent"]:
                parent = self.local(p["parent"])
                size = self.vhd_sizes.get(p["parent"], parent.stat().st_size if parent else 0)
            local.write_bytes(b"vhdxfile" + json.dumps({"size": size}).encode())
            owner = local.parent.stat()  # as if written over SMB by the share's user
            os.chown(local, owner.st_uid, owner.st_gid)
            self.vhd_sizes[p["path"]] = size
        size = self.vhd_sizes.get(p["path"], local.stat().st_size)
        return {"size": size, "file_size": local.stat().st_size}

    def op_migrate_vm(self, p: dict[str, Any], script: str) -> None:
        self._cmdlet(script, "Move-VM")
        self._vm(p["name"])
        raise PsError(f"Virtual machine migration operation failed: {p['destination']} refused")

    # -- checkpoints (volume snapshots) ------------------------------------------
    def _vhd_size(self, path: str) -> int:
        local = self.local(path)
        return self.vhd_sizes.get(path, local.stat().st_size if local and local.exists() else 0)

    def op_checkpoint_vm(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "Get-VMHardDiskDrive")
        vm = self._vm(p["name"])
        if p["path"] not in vm["disks"]:
            raise PsError(f"volume {p['path']} is not attached to {p['name']}")
        self._cmdlet(script, "Get-VMSnapshot")
        checkpoints = vm.setdefault("checkpoints", {})
        existed = p["snapshot"] in checkpoints
        if not existed:
            self._cmdlet(script, "Checkpoint-VM")
            contents = {}
            for disk in vm["disks"]:  # a checkpoint covers every disk of the VM
                local = self.local(disk)
                contents[disk] = local.read_bytes() if local and local.exists() else b""
            checkpoints[p["snapshot"]] = {"id": str(uuid.uuid4()), "disks": contents}
        self._cmdlet(script, "Get-VHD")
        return {
            "id": checkpoints[p["snapshot"]]["id"],
            "existed": existed,
            "size": self._vhd_size(p["path"]),
        }

    def op_remove_checkpoint(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "Get-VMSnapshot")
        checkpoints = self._vm(p["name"]).setdefault("checkpoints", {})
        existed = p["snapshot"] in checkpoints
        if existed:
            self._cmdlet(script, "Remove-VMSnapshot")
            del checkpoints[p["snapshot"]]
        return {"existed": existed}

    def op_restore_checkpoint(self, p: dict[str, Any], script: str) -> dict[str, Any]:
        self._cmdlet(script, "Restore-VMSnapshot")
        vm = self._vm(p["name"])
        if vm["state"] != "Off":
            raise PsError(f"VM {p['name']} is {vm['state']}; stop it before reverting")
        checkpoint = vm.setdefault("checkpoints", {}).get(p["snapshot"])
        if checkpoint is None:
            raise PsError(f'Hyper-V was unable to find a checkpoint named "{p["snapshot"]}".')
        for disk, content in checkpoint["disks"].items():
            local = self.local(disk)
            if local is not None:
                local.write_bytes(content)
        return {"id": checkpoint["id"], "size": self._vhd_size(p["path"])}


def start_hyperv_double(samba: Any, ntlm_file: Path, username: str, password: str):
    """A Windows host for the agent: emptied primary/secondary Samba shares, the NTLM
    account ``TESTLAB\\username`` (``NTLM_USER_FILE``), a :class:`FakeHyperV` behind a
    started :class:`~tests.fakes.wsman.WsmanServer`. Returns ``(fake, wsman)``."""
    from tests.fakes.wsman import WsmanServer, write_ntlm_user_file

    shares = {samba.unc(n): samba.share_dir(n) for n in ("primary", "secondary")}
    for path in shares.values():
        for child in path.rglob("*"):
            if child.is_file():
                child.unlink()
    write_ntlm_user_file(str(ntlm_file), "TESTLAB", username, password)
    fake = FakeHyperV(shares=shares)
    return fake, WsmanServer(fake, {username: password}).start()
