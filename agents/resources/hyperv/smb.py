"""SMB shares used as Hyper-V primary/secondary storage, through smbprotocol."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import smbclient
from smbprotocol.exceptions import SMBException, SMBOSError

from agents.errors import StorageError, VolumeNotFound

CHUNK = 4 * 1024 * 1024


def to_unc(location: str) -> str:
    r"""``\\host\share\path`` from a UNC path or an ``smb://``/``cifs://`` URL (query dropped)."""
    if location.startswith("\\\\"):
        return location
    parts = urlsplit(location)
    if parts.scheme not in ("smb", "cifs") or not parts.hostname:
        raise StorageError(f"not an SMB location: {location.split('?')[0]!r}")
    path = unquote(parts.path).strip("/").replace("/", "\\")
    return f"\\\\{parts.hostname}\\{path}"


class SmbStorage:
    """Share access with its own connection cache (so resources do not share sessions).

    Options (``smb`` table): ``username``, ``password``, ``port`` (445), ``encrypt``,
    ``require_signing`` (true), ``connection_timeout_s`` (30).
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self._cache: dict[str, Any] = {}
        self._kwargs: dict[str, Any] = {
            "username": options.get("username"),
            "password": options.get("password"),
            "port": int(options.get("port", 445)),
            "encrypt": bool(options.get("encrypt", False)),
            "require_signing": bool(options.get("require_signing", True)),
            "connection_timeout": int(options.get("connection_timeout_s", 30)),
            "connection_cache": self._cache,
        }

    def close(self) -> None:
        """Drop every SMB connection of this resource."""
        with contextlib.suppress(SMBException, OSError):
            smbclient.reset_connection_cache(connection_cache=self._cache)

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except FileNotFoundError as exc:
            raise VolumeNotFound(f"{what}: not found") from exc
        except SMBOSError as exc:
            if exc.errno == 2:
                raise VolumeNotFound(f"{what}: not found") from exc
            raise StorageError(f"{what}: {exc}") from exc
        except (SMBException, OSError, ValueError) as exc:
            raise StorageError(f"{what}: {exc}") from exc

    def size(self, path: str) -> int | None:
        """File size, or None if the file does not exist."""
        try:
            with self._errors(path):
                return int(smbclient.stat(path, **self._kwargs).st_size)
        except VolumeNotFound:
            return None

    def remove(self, path: str) -> bool:
        """Delete a file; False if it was already absent."""
        try:
            with self._errors(path):
                smbclient.remove(path, **self._kwargs)
        except VolumeNotFound:
            return False
        return True

    def capacity(self, root: str) -> tuple[int, int]:
        """(total, available) bytes of the share holding ``root``."""
        with self._errors(root):
            info = smbclient.stat_volume(root, **self._kwargs)
        return int(info.total_size), int(info.caller_available_size)

    def copy(self, source: str, dest: str, sha256: str = "") -> int:
        """Copy ``source`` to ``dest`` through ``dest.part`` + rename; returns the size."""
        partial = dest + ".part"
        digest = hashlib.sha256()
        size = 0
        with self._errors(f"copy {source}"):
            dirname = dest.rsplit("\\", 1)[0]
            smbclient.makedirs(dirname, exist_ok=True, **self._kwargs)
            with (
                smbclient.open_file(source, mode="rb", **self._kwargs) as src,
                smbclient.open_file(partial, mode="wb", **self._kwargs) as dst,
            ):
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            if sha256 and digest.hexdigest() != sha256.lower():
                smbclient.remove(partial, **self._kwargs)
                raise StorageError(f"checksum mismatch for {source}")
            smbclient.rename(partial, dest, **self._kwargs)
        return size
