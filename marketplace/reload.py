"""Generations and heartbeats: which processes still run an older set of plugin apps."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from marketplace.loader import read_installed, write_installed

log = logging.getLogger(__name__)
_current: dict[str, Any] = {"mtime": None, "generation": 0}


def heartbeat_interval() -> float:
    return float(getattr(settings, "PLUGINS_HEARTBEAT_SECONDS", 30))


def loaded_generation() -> int:
    return int(getattr(settings, "PLUGINS_GENERATION", 0))


def current_generation() -> int:
    """The generation in installed.json (re-read only when the file changed)."""
    path = Path(settings.PLUGINS_DIR) / "installed.json"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return 0
    if mtime != _current["mtime"]:
        _current.update(
            mtime=mtime, generation=int(read_installed(settings.PLUGINS_DIR)["generation"])
        )
    return _current["generation"]


def reload_pending_here() -> bool:
    return current_generation() > loaded_generation()


def bump_generation(update) -> int:
    """Apply ``update(installed_dict)`` to installed.json and bump its generation."""
    data = read_installed(settings.PLUGINS_DIR)
    data.pop("error", None)
    update(data)
    data["generation"] = int(data.get("generation", 0)) + 1
    write_installed(settings.PLUGINS_DIR, data)
    return data["generation"]


def write_heartbeat(kind: str) -> None:
    directory = Path(settings.PLUGINS_DIR) / "processes"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{socket.gethostname()}-{os.getpid()}.json"
        (directory / name).write_text(
            json.dumps(
                {
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "kind": kind,
                    "generation": loaded_generation(),
                    "at": time.time(),
                }
            )
        )
    except OSError as exc:
        log.warning("cannot write plugin heartbeat: %s", exc)


def processes() -> list[dict[str, Any]]:
    """Live processes (heartbeat within 3 intervals) with the generation each one runs."""
    directory = Path(settings.PLUGINS_DIR) / "processes"
    cutoff = time.time() - 3 * max(heartbeat_interval(), 1)
    found = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            beat = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if beat.get("at", 0) >= cutoff:
            found.append(beat)
    return found


def status() -> dict[str, Any]:
    """What the UI shows: the wanted generation and the processes still behind it."""
    wanted = current_generation()
    procs = processes()
    behind = [p for p in procs if p.get("generation", 0) < wanted]
    return {
        "generation": wanted,
        "loaded_generation": loaded_generation(),
        "pending_reload": bool(behind) or loaded_generation() < wanted,
        "processes": procs,
    }


def request_reload() -> str:
    """Run ``PLUGINS_RELOAD_COMMAND`` (argument list, no shell) if configured."""
    command = list(getattr(settings, "PLUGINS_RELOAD_COMMAND", []) or [])
    if not command:
        return "reload the web and worker processes to load the new plugin set"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"reload command failed: {exc}"
    return f"reload command exited {done.returncode}"
