"""Small helpers shared by the service fixtures."""

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def spawn(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start a server in its own process group; the kernel SIGTERMs it if we die first."""
    parent = os.getpid()

    def die_with_parent() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)

    return subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent, **kwargs
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    ready: Callable[[], bool], *, timeout: float, what: str, proc: subprocess.Popen | None = None
) -> None:
    """Poll ``ready`` until it is true; fail early if ``proc`` exits, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready after {timeout:.0f}s")
        time.sleep(0.1)


def stop_process_group(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process (its own group leader), then SIGKILL whatever is left of the group."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def log_tail(path, lines: int = 40) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""
