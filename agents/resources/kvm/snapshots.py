"""Volume snapshots on KVM: qcow2 internal snapshots made with ``qemu-img snapshot``.

libvirt has no volume-snapshot API for directory pools, so the agent runs ``qemu-img`` on
the volume's file (argument lists, never a shell). That is only safe while no running
domain has the image open: snapshots of volumes attached to a running VM answer
``unsupported_command`` (stop the VM or detach the volume first). Raw volumes cannot hold
internal snapshots and answer the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import libvirt

from agents.errors import (
    Conflict,
    NotFound,
    OperationTimeout,
    StorageError,
    UnsupportedCommand,
    VolumeNotFound,
)
from agents.protocol import commands as c
from agents.resources.kvm.conn import mapped_errors
from agents.resources.kvm.storage import KvmStorage

SnapshotCommand = c.CreateSnapshotCommand | c.DeleteSnapshotCommand | c.RevertSnapshotCommand


class KvmSnapshots(KvmStorage):
    """Storage mixin plus snapshots; expects ``self.virt`` and ``self.options``."""

    def _qemu_img(self, *args: str) -> str:
        """Run ``qemu-img`` with ``args``; failures become typed errors."""
        binary = self.options.get("qemu_img", "qemu-img")
        timeout = float(self.options.get("snapshot_timeout_s", 300))
        try:
            done = subprocess.run(  # noqa: S603 - fixed binary, argument list, no shell
                [binary, *args], capture_output=True, text=True, timeout=timeout, check=False
            )
        except FileNotFoundError as exc:
            raise UnsupportedCommand(f"{binary} is not installed on this host") from exc
        except subprocess.TimeoutExpired as exc:
            raise OperationTimeout(f"qemu-img {args[0]} took longer than {timeout:g}s") from exc
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip()[:500]
            raise StorageError(f"qemu-img {' '.join(args[:2])} failed: {message}")
        return done.stdout

    def _snapshot_names(self, path: str) -> set[str]:
        info = json.loads(self._qemu_img("info", "--output=json", path) or "{}")
        return {s.get("name", "") for s in info.get("snapshots", [])}

    def _users(self, pool_name: str, volume: str, path: str) -> list[str]:
        """Names of running domains that have the volume open."""
        users = []
        with mapped_errors("list running domains"):
            for dom in self.virt.get().listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                root = ET.fromstring(dom.XMLDesc(0))
                for source in root.findall("devices/disk/source"):
                    same_volume = source.get("pool") == pool_name and source.get("volume") == volume
                    if same_volume or source.get("file") == path:
                        users.append(dom.name())
                        break
        return users

    def _snapshot_target(self, cmd: SnapshotCommand, *, must_exist: bool = True) -> str | None:
        """The volume's path, after checking it is a qcow2 no running VM has open."""
        pool = self._pool(cmd.pool)
        vol = self._volume(pool, cmd.volume)
        if vol is None:
            if must_exist:
                raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.pool}")
            return None
        with mapped_errors(f"volume {cmd.volume}"):
            path = vol.path()
            fmt = ET.fromstring(vol.XMLDesc(0)).find("target/format")
        if fmt is not None and fmt.get("type") not in (None, "qcow2"):
            raise UnsupportedCommand(
                f"volume {cmd.volume} is {fmt.get('type')}: only qcow2 volumes have snapshots"
            )
        users = self._users(cmd.pool, cmd.volume, path)
        if users:
            raise UnsupportedCommand(
                f"volume {cmd.volume} is in use by running VM {users[0]}: KVM snapshots need "
                "the VM stopped or the volume detached"
            )
        return path

    @staticmethod
    def _answer(cmd: SnapshotCommand, path: str, size: int, details: str = "") -> Any:
        return c.SnapshotAnswer(
            pool=cmd.pool,
            volume=cmd.volume,
            snapshot=cmd.snapshot,
            path=path,
            size_bytes=size,
            details=details,
        )

    def _virtual_size(self, path: str) -> int:
        info = json.loads(self._qemu_img("info", "--output=json", path) or "{}")
        return int(info.get("virtual-size", 0))

    def create_snapshot(self, cmd: c.CreateSnapshotCommand) -> c.SnapshotAnswer:
        path = self._snapshot_target(cmd)
        assert path is not None
        if cmd.snapshot in self._snapshot_names(path):
            return self._answer(cmd, path, self._virtual_size(path), "snapshot already exists")
        self._qemu_img("snapshot", "-c", cmd.snapshot, path)
        return self._answer(cmd, path, self._virtual_size(path))

    def delete_snapshot(self, cmd: c.DeleteSnapshotCommand) -> c.SnapshotAnswer:
        path = self._snapshot_target(cmd, must_exist=False)
        if path is None or cmd.snapshot not in self._snapshot_names(path):
            return self._answer(cmd, path or "", 0, "already absent")
        self._qemu_img("snapshot", "-d", cmd.snapshot, path)
        return self._answer(cmd, path, 0)

    def revert_snapshot(self, cmd: c.RevertSnapshotCommand) -> c.SnapshotAnswer:
        if cmd.vm_name:
            try:
                with mapped_errors(f"VM {cmd.vm_name}"):
                    dom = self.virt.get().lookupByName(cmd.vm_name)
                    running = dom.isActive()
            except NotFound:
                running = False
            if running:
                raise Conflict(f"{cmd.vm_name} is running; stop it before reverting")
        path = self._snapshot_target(cmd)
        assert path is not None
        if cmd.snapshot not in self._snapshot_names(path):
            raise NotFound(f"volume {cmd.volume} has no snapshot {cmd.snapshot}")
        self._qemu_img("snapshot", "-a", cmd.snapshot, path)
        with mapped_errors(f"refresh pool {cmd.pool}", StorageError):
            self._pool(cmd.pool).refresh(0)
        return self._answer(cmd, path, self._virtual_size(path))

    def create_template_from_volume(self, cmd: c.CreateTemplateFromVolumeCommand) -> c.VolumeAnswer:
        """``qemu-img convert`` of the volume (``-l snapshot.name=`` for a snapshot) into a
        partial file next to ``destination``, renamed once complete; the destination must be
        inside ``template_roots`` (where secondary storage is mounted)."""
        source = self._snapshot_target(cmd)  # type: ignore[arg-type]
        assert source is not None
        target = Path(cmd.destination).resolve()
        roots = [Path(r).resolve() for r in self.options.get("template_roots", [])]
        if not any(target.is_relative_to(r) for r in roots):
            raise StorageError(f"{target} is outside the configured template_roots")
        if cmd.snapshot and cmd.snapshot not in self._snapshot_names(source):
            raise NotFound(f"volume {cmd.volume} has no snapshot {cmd.snapshot}")
        partial = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            args = ["convert", "-O", cmd.format]
            if cmd.snapshot:
                args += ["-l", f"snapshot.name={cmd.snapshot}"]
            self._qemu_img(*args, source, str(partial))
            os.replace(partial, target)
        except OSError as exc:
            raise StorageError(f"write template {target}: {exc}") from exc
        finally:
            if partial.exists():
                partial.unlink()
        return c.VolumeAnswer(
            pool=cmd.pool,
            volume=cmd.volume,
            path=str(target),
            size_bytes=self._virtual_size(str(target)),
            format=cmd.format,
        )
