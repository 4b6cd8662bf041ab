"""Run an extension executable the way Apache CloudStack does (argv ``action payload-file
timeout``, JSON on stdout, exit 0 = success), with CloudStack's weak points fixed:

* stdout (the JSON result) and stderr (logs) are kept apart;
* both pipes are drained while the process runs (no 64 KiB pipe deadlock), and only the
  first ``max_output`` bytes of each are kept;
* the process runs in its own process group, killed as a whole on timeout (SIGTERM, then
  SIGKILL), so grandchildren die too;
* no shell, stdin closed unless data is given, a scrubbed environment (secrets go in the
  0600 payload file, never on argv or in the environment), a private working directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_OUTPUT = 1024 * 1024
KILL_GRACE = 2.0
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass
class RunResult:
    """``ret = {stdout, stderr, exit_code, duration, timed_out}`` (+ truncated)."""

    stdout: str
    stderr: str
    exit_code: int | None
    duration: float
    timed_out: bool
    truncated: bool

    @property
    def success(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def json(self) -> Any:
        """The stdout parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.stdout) if self.stdout.strip() else None
        except ValueError:
            return None


def scrubbed_env(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": str(workdir), "TMPDIR": str(workdir)}
    env.update(extra or {})
    return env


def _drain(stream, limit: int, sink: list[bytes], flags: dict[str, bool]) -> None:
    """Read a pipe to its end, keeping the first ``limit`` bytes."""
    kept = 0
    for chunk in iter(lambda: stream.read1(65536), b""):
        room = limit - kept
        if room > 0:
            sink.append(chunk[:room])
            kept += min(room, len(chunk))
        if len(chunk) > max(room, 0):
            flags["truncated"] = True
    stream.close()


def _kill_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(KILL_GRACE)
            return
        except subprocess.TimeoutExpired:
            continue


def run_executable(
    argv: list[str],
    *,
    timeout: float,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin_data: bytes | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
) -> RunResult:
    """Run ``argv`` (no shell) and return what happened; never raises for the child's
    behaviour (a missing executable is exit code 127 with the reason on stderr)."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env if env is not None else scrubbed_env(cwd),
            close_fds=True,
            process_group=0,
            umask=0o077,
        )
    except OSError as exc:
        return RunResult(
            "", f"cannot execute: {exc}", 127, time.monotonic() - started, False, False
        )
    out: list[bytes] = []
    err: list[bytes] = []
    flags = {"truncated": False}
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, max_output, out, flags), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, max_output, err, flags), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if stdin_data is not None:
        try:
            proc.stdin.write(stdin_data)
        except (BrokenPipeError, OSError):
            pass
        finally:
            proc.stdin.close()
    timed_out = False
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
    else:
        # The leader exited: anything it left behind in its group goes too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for reader in readers:
        reader.join(KILL_GRACE)
    return RunResult(
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        exit_code=None if timed_out else proc.returncode,
        duration=round(time.monotonic() - started, 3),
        timed_out=timed_out,
        truncated=flags["truncated"],
    )
