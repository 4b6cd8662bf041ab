"""Storage commands of the KVM resource: pools, volumes, template copies."""

from __future__ import annotations

import hashlib
import os
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import libvirt

from agents.errors import Conflict, StorageError, VolumeNotFound
from agents.protocol import commands as c
from agents.protocol.specs import PoolInfo
from agents.resources.kvm.conn import Connection, mapped_errors
from agents.resources.kvm.xmlgen import pool_xml, volume_xml

CHUNK = 4 * 1024 * 1024


def redact(url: str) -> str:
    """A URL without user info and query, safe for logs and answers."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


class KvmStorage:
    """Mixin with the storage operations; expects ``self.virt`` and ``self.options``."""

    virt: Connection
    options: dict[str, Any]

    def _pool(self, name: str) -> libvirt.virStoragePool:
        with mapped_errors(f"pool {name}"):
            pool = self.virt.get().storagePoolLookupByName(name)
            if not pool.isActive():
                pool.create(0)
            return pool

    def _pool_info(self, pool: libvirt.virStoragePool) -> PoolInfo:
        with mapped_errors(f"pool {pool.name()}"):
            pool.refresh(0)
            _, capacity, allocation, available = pool.info()
            root = ET.fromstring(pool.XMLDesc(0))
        kind = root.get("type", "dir")
        fmt = root.find("source/format")
        ptype = (
            "dir"
            if kind == "dir"
            else ("smb" if fmt is not None and fmt.get("type") == "cifs" else "nfs")
        )
        return PoolInfo(
            name=pool.name(),
            type=ptype,  # type: ignore[arg-type]
            path=root.findtext("target/path", ""),
            capacity_bytes=capacity,
            used_bytes=allocation,
            available_bytes=available,
        )

    def storage_stats(self, cmd: c.StorageStatsCommand) -> c.PoolAnswer:
        return c.PoolAnswer(pool=self._pool_info(self._pool(cmd.pool)))

    def modify_storage_pool(self, cmd: c.ModifyStoragePoolCommand) -> c.PoolAnswer:
        spec = cmd.pool
        conn = self.virt.get()
        try:
            pool = conn.storagePoolLookupByName(spec.name)
        except libvirt.libvirtError:
            pool = None
        if not cmd.add:
            if pool is not None:
                with mapped_errors(f"remove pool {spec.name}"):
                    if pool.isActive():
                        pool.destroy()
                    pool.undefine()
            return c.PoolAnswer(details=f"pool {spec.name} removed")
        if pool is None:
            mount_root = self.options.get("mount_root", "/var/lib/cloudportal/mnt")
            target = spec.path or os.path.join(mount_root, spec.uuid or spec.name)
            with mapped_errors(f"define pool {spec.name}"):
                pool = conn.storagePoolDefineXML(pool_xml(spec, target), 0)
                try:
                    pool.build(0)
                    pool.create(0)
                except libvirt.libvirtError:
                    pool.undefine()
                    raise
                pool.setAutostart(1)
        return c.PoolAnswer(pool=self._pool_info(self._pool(spec.name)))

    def _volume(self, pool: libvirt.virStoragePool, name: str) -> libvirt.virStorageVol | None:
        try:
            return pool.storageVolLookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                return None
            raise StorageError(f"volume {name}: {exc.get_error_message()}") from exc

    @staticmethod
    def _vol_answer(pool: str, vol: libvirt.virStorageVol, fmt: str) -> c.VolumeAnswer:
        _, capacity, _ = vol.info()
        return c.VolumeAnswer(
            pool=pool, volume=vol.name(), path=vol.path(), size_bytes=capacity, format=fmt
        )

    def create_volume(self, cmd: c.CreateVolumeCommand) -> c.VolumeAnswer:
        pool = self._pool(cmd.pool)
        vol = self._volume(pool, cmd.volume)
        if vol is not None:
            if vol.info()[1] != cmd.size_bytes:
                raise Conflict(f"volume {cmd.volume} exists with size {vol.info()[1]}")
            return self._vol_answer(cmd.pool, vol, cmd.format)
        backing = None
        if cmd.template:
            tmpl = self._volume(pool, cmd.template)
            if tmpl is None:
                raise VolumeNotFound(f"template {cmd.template} not in pool {cmd.pool}")
            fmt = ET.fromstring(tmpl.XMLDesc(0)).find("target/format")
            backing = (tmpl.path(), fmt.get("type", "raw") if fmt is not None else "raw")
        with mapped_errors(f"create volume {cmd.volume}", StorageError):
            xml = volume_xml(cmd.volume, cmd.size_bytes, cmd.format, backing)
            vol = pool.createXML(xml, 0)
        return self._vol_answer(cmd.pool, vol, cmd.format)

    def delete_volume(self, cmd: c.DeleteVolumeCommand) -> c.VolumeAnswer:
        pool = self._pool(cmd.pool)
        vol = self._volume(pool, cmd.volume)
        if vol is None:
            return c.VolumeAnswer(pool=cmd.pool, volume=cmd.volume, details="already absent")
        with mapped_errors(f"delete volume {cmd.volume}", StorageError):
            vol.delete(0)
        return c.VolumeAnswer(pool=cmd.pool, volume=cmd.volume)

    def copy_volume(self, cmd: c.CopyVolumeCommand) -> c.VolumeAnswer:
        """A full copy into another pool (libvirt's createXMLFrom: backing chains are
        flattened), for migrateVolume; the source is left alone."""
        source = self._volume(self._pool(cmd.source_pool), cmd.volume)
        if source is None:
            raise VolumeNotFound(f"volume {cmd.volume} not in pool {cmd.source_pool}")
        size = source.info()[1]
        pool = self._pool(cmd.pool)
        existing = self._volume(pool, cmd.volume)
        if existing is not None:
            if existing.info()[1] != size:
                raise Conflict(f"volume {cmd.volume} exists in {cmd.pool} with another size")
            return self._vol_answer(cmd.pool, existing, cmd.format)
        with mapped_errors(f"copy volume {cmd.volume}", StorageError):
            vol = pool.createXMLFrom(volume_xml(cmd.volume, size, cmd.format, None), source, 0)
        return self._vol_answer(cmd.pool, vol, cmd.format)

    def _check_source(self, source: str) -> str | Path:
        """Validate a template source: http(s) URL, or file:// / path inside template_roots."""
        parts = urlsplit(source)
        if parts.scheme in ("http", "https"):
            return source
        if parts.scheme not in ("", "file"):
            raise StorageError(f"unsupported template source scheme {parts.scheme!r}")
        path = Path(unquote(parts.path) if parts.scheme else source).resolve()
        roots = [Path(r).resolve() for r in self.options.get("template_roots", [])]
        if not any(path.is_relative_to(r) for r in roots):
            raise StorageError(f"{path} is outside the configured template_roots")
        if not path.is_file():
            raise VolumeNotFound(f"template source {path} does not exist")
        return path

    def _open_source(self, source: str | Path) -> Any:
        if isinstance(source, Path):
            return open(source, "rb")  # noqa: SIM115 - closed by the caller
        timeout = float(self.options.get("download_timeout_s", 60))
        return urllib.request.urlopen(source, timeout=timeout)  # noqa: S310 - scheme checked

    def copy_template(self, cmd: c.CopyTemplateCommand) -> c.VolumeAnswer:
        source = self._check_source(cmd.source)
        pool = self._pool(cmd.pool)
        existing = self._volume(pool, cmd.volume)
        if existing is not None:
            answer = self._vol_answer(cmd.pool, existing, cmd.format)
            answer.details = "template already in the pool"
            return answer
        target_dir = ET.fromstring(pool.XMLDesc(0)).findtext("target/path", "")
        if not target_dir or not os.path.isdir(target_dir):
            raise StorageError(f"pool {cmd.pool} has no local target directory")
        final = os.path.join(target_dir, cmd.volume)
        partial = final + ".part"
        digest = hashlib.sha256()
        try:
            with self._open_source(source) as src, open(partial, "wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
            if cmd.sha256 and digest.hexdigest() != cmd.sha256.lower():
                raise StorageError(f"checksum mismatch for {redact(cmd.source)}")
            os.replace(partial, final)
        except OSError as exc:  # includes urllib.error.URLError
            raise StorageError(f"copy {redact(cmd.source)}: {exc}") from exc
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        with mapped_errors(f"refresh pool {cmd.pool}", StorageError):
            pool.refresh(0)
            vol = pool.storageVolLookupByName(cmd.volume)
        return self._vol_answer(cmd.pool, vol, cmd.format)
