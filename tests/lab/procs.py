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


class SharedService:
    """Daemons shared by concurrent test sessions on one machine: the last one out stops them.

    Each session registers its PID in ``<run_dir>/<name>.users/``. Daemons started by a lab
    session are listed (as pid files) in ``<run_dir>/<name>.started``. On release, under a
    file lock, a session removes itself; when no live session remains, it stops the listed
    daemons. Daemons the lab did not start (a system libvirtd) are never stopped.
    """

    def __init__(self, run_dir: Path, name: str) -> None:
        self.run_dir, self.name = run_dir, name
        self.users = run_dir / f"{name}.users"
        self.started = run_dir / f"{name}.started"

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold while checking, starting or stopping the daemons."""
        return file_lock(self.run_dir / f".{self.name}.lock")

    def register(self) -> None:
        """Record this session as a user (call with the lock held)."""
        self.users.mkdir(parents=True, exist_ok=True)
        (self.users / str(os.getpid())).touch()

    def mark_started(self, pidfiles: list[Path]) -> None:
        """Remember daemons this session started (call with the lock held)."""
        known = self.started.read_text().split() if self.started.exists() else []
        self.started.write_text("\n".join([*known, *map(str, pidfiles)]) + "\n")

    def release(self) -> bool:
        """Unregister; stop the lab's daemons if no other live session uses them."""
        with self.lock():
            (self.users / str(os.getpid())).unlink(missing_ok=True)
            others = [p for p in self.users.iterdir() if p.name.isdigit() and _alive(int(p.name))]
            for stale in set(self.users.iterdir()) - set(others):
                stale.unlink(missing_ok=True)
            if others or not self.started.exists():
                return False
            for pidfile in self.started.read_text().split():
                stop_pid(Path(pidfile))
            self.started.unlink()
            return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
