"""libvirt connection handling and libvirtError → typed AgentError mapping."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import libvirt

from agents.errors import (
    AgentError,
    HypervisorError,
    PoolNotFound,
    UnsupportedCommand,
    VmNotFound,
    VolumeNotFound,
)

_ERROR_MAP: dict[int, type[AgentError]] = {
    libvirt.VIR_ERR_NO_DOMAIN: VmNotFound,
    libvirt.VIR_ERR_NO_STORAGE_POOL: PoolNotFound,
    libvirt.VIR_ERR_NO_STORAGE_VOL: VolumeNotFound,
    libvirt.VIR_ERR_NO_SUPPORT: UnsupportedCommand,
}

_silenced = False


def silence_stderr() -> None:
    """Stop libvirt from printing every error to stderr (errors still raise)."""
    global _silenced
    if not _silenced:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        _silenced = True


@contextlib.contextmanager
def mapped_errors(what: str, default: type[AgentError] = HypervisorError) -> Iterator[None]:
    """Re-raise libvirtError as the matching typed AgentError."""
    try:
        yield
    except libvirt.libvirtError as exc:
        cls = _ERROR_MAP.get(exc.get_error_code(), default)
        raise cls(f"{what}: {exc.get_error_message()}") from exc


class Connection:
    """A lazily opened, auto-reconnecting libvirt connection."""

    def __init__(self, uri: str) -> None:
        silence_stderr()
        self.uri = uri
        self._conn: libvirt.virConnect | None = None
        self._lock = threading.Lock()

    def get(self) -> libvirt.virConnect:
        """The open connection (reopened if it died)."""
        with self._lock:
            if self._conn is not None:
                try:
                    if self._conn.isAlive():
                        return self._conn
                except libvirt.libvirtError:
                    pass
            with mapped_errors(f"connect {self.uri}"):
                conn = libvirt.open(self.uri)
            if not self.uri.startswith("test:"):
                # a dead or hung daemon fails calls after ~5 s x 3 probes instead of never
                with contextlib.suppress(libvirt.libvirtError):
                    conn.setKeepAlive(5, 3)
            self._conn = conn
            return conn

    def close(self) -> None:
        """Close the connection if open."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(libvirt.libvirtError):
                    self._conn.close()
                self._conn = None
