"""Small process helpers: run argv lists with timeouts, read pid files, stop by PID."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def run(argv: list[str], timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess:
    """Run an argument list (never a shell string); raise with its output on failure."""
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise RuntimeError(f"{argv!r} failed ({proc.returncode}): {proc.stderr!r}")
    return proc


def read_pid(pidfile: Path) -> int | None:
    """PID from a pid file (libvirt writes none trailing newline), if that process lives."""
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def stop_pid(pidfile: Path, timeout: float = 10) -> None:
    """SIGTERM the process named in ``pidfile`` and wait for it to go away."""
    pid = read_pid(pidfile)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive lock, so parallel sessions do not build the same cache twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
