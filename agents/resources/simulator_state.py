"""Optional persistence of a simulator fleet's state (the demo's hosts survive a restart).

With the resource option ``inventory_file`` the fleet loads its hosts' VMs, the shared pools,
volumes and snapshots, and the last network rules from that JSON file at start, and writes
it again after every command that may change them (not after pings or stats): the whole
state goes to a temporary file in the same directory which then replaces the old one
(``os.replace``), so a crash leaves either the previous or the new state, never half of one.
Writes are coalesced: while one thread writes, changes made meanwhile are picked up by one
more write when it finishes. With ``inventory_interval_s`` a background thread writes at
most that often instead (for big fleets: one rewrite of 10,000 hosts takes about 0.6 s),
and the fleet writes a last time when it closes. Off by default (the bench's 10,000-host
fleet keeps no file).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.protocol import commands as c
from agents.protocol.codec import from_dict, to_dict
from agents.protocol.specs import PoolInfo, VmSpec

if TYPE_CHECKING:
    from agents.resources.simulator import SimulatorFleet, SimulatorResource

log = logging.getLogger(__name__)

STATE_VERSION = 1
#: Commands that never change a simulated host: no write after them.
READ_ONLY = frozenset(
    {
        "ready",
        "startup",
        "ping",
        "check_health",
        "host_stats",
        "check_vm",
        "vm_stats",
        "get_vnc_port",
        "storage_stats",
    }
)


class StateFile:
    """Reads and atomically rewrites one fleet's state file."""

    def __init__(self, path: str | os.PathLike[str], interval_s: float = 0.0) -> None:
        self.path = Path(path)
        self.interval_s = interval_s
        self._dirty = False
        self._writing = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._writer: threading.Thread | None = None
        self.writes = 0

    # -- loading ---------------------------------------------------------------
    def load(self, fleet: SimulatorFleet) -> int:
        """Restore ``fleet`` from the file, if there is one; returns the hosts restored."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return 0
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"{self.path}: not a simulator state file of version {STATE_VERSION}")
        restored = {
            "pools": {p["name"]: from_dict(PoolInfo, p, "pool") for p in data["pools"]},
            "volumes": {(p, v): (size, fmt) for p, v, size, fmt in data["volumes"]},
            "snapshots": {(p, v): dict(taken) for p, v, taken in data["snapshots"]},
        }
        for key, values in restored.items():  # in place: the hosts hold these very dicts
            kept = fleet.shared_storage.setdefault(key, {})
            kept.clear()
            kept.update(values)
        for host_id, host in data["hosts"].items():
            _restore_host(fleet.get(host_id), host)  # type: ignore[arg-type]
        return len(data["hosts"])

    # -- saving ----------------------------------------------------------------
    def changed(self, fleet: SimulatorFleet) -> None:
        """Record that ``fleet`` changed. With no interval the file is written before the
        command is answered; with ``interval_s`` a background thread writes at most that
        often (a big fleet's rewrite costs ~60 ms per 1,000 hosts)."""
        self._dirty = True
        if self.interval_s <= 0:
            self.flush(fleet)
            return
        if self._writer is None:
            with self._writing:
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._write_behind,
                        args=(fleet,),
                        name="simulator-state",
                        daemon=True,
                    )
                    self._writer.start()
        self._wake.set()

    def _write_behind(self, fleet: SimulatorFleet) -> None:
        while not self._closed:
            self._wake.wait()
            time.sleep(self.interval_s)  # gather the changes of the interval in one write
            self._wake.clear()
            try:
                self.flush(fleet)
            except OSError:
                log.exception("could not write %s", self.path)

    def close(self, fleet: SimulatorFleet) -> None:
        """Stop the background writer and write what changed since its last write."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=self.interval_s + 30)
        self._dirty = True
        self.flush(fleet)

    def flush(self, fleet: SimulatorFleet) -> None:
        """Write the fleet unless another thread is writing it (that thread then writes once
        more, so no change is left unwritten)."""
        while self._dirty:
            if not self._writing.acquire(blocking=False):
                return  # the writing thread sees _dirty after its write
            try:
                while self._dirty:
                    self._dirty = False
                    self._write(snapshot(fleet))
            finally:
                self._writing.release()

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as out:  # mkstemp: mode 0600 (VM specs carry passwords)
                json.dump(data, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.writes += 1


def snapshot(fleet: SimulatorFleet) -> dict[str, Any]:
    """The fleet's persistent state as a JSON-ready document."""
    shared = fleet.shared_storage
    hosts = {}
    for host_id, host in fleet.hosts().items():
        with host._lock:
            hosts[host_id] = {
                "vms": [
                    {"spec": to_dict(vm.spec), "state": vm.state, "vnc_port": vm.vnc_port}
                    for vm in host.vms.values()
                ],
                "next_vnc": host._next_vnc,
                "network_rules": [to_dict(r) for r in host.network_rules.values()],
                "security_groups": [to_dict(r) for r in host.security_groups.values()],
            }
    return {
        "version": STATE_VERSION,
        "pools": [to_dict(p) for p in dict(shared.get("pools", {})).values()],
        "volumes": [
            [p, v, size, fmt] for (p, v), (size, fmt) in dict(shared.get("volumes", {})).items()
        ],
        "snapshots": [[p, v, dict(t)] for (p, v), t in dict(shared.get("snapshots", {})).items()],
        "hosts": hosts,
    }


def _restore_host(host: SimulatorResource, data: dict[str, Any]) -> None:
    from agents.resources.simulator import SimVm

    for vm in data["vms"]:
        spec = from_dict(VmSpec, vm["spec"], "vm")
        host.vms[spec.name] = SimVm(
            spec=spec, state=vm["state"], started_at=time.monotonic(), vnc_port=vm["vnc_port"]
        )
    host._next_vnc = int(data["next_vnc"])
    for rules in data["network_rules"]:
        cmd = from_dict(c.ApplyNetworkRulesCommand, rules, "network_rules")
        host.network_rules[cmd.network_id] = cmd
    for rules in data["security_groups"]:
        vm_rules = from_dict(c.VmSecurityRules, rules, "security_groups")
        host.security_groups[vm_rules.vm_name] = vm_rules
