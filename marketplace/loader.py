"""Settings-time plugin loading: which plugin apps go into INSTALLED_APPS.

The marketplace writes ``<PLUGINS_DIR>/installed.json`` (``{"generation": N, "plugins":
{id: {"version", "path", "module"}}}``); each ``path`` is a ``pip --target`` directory put on
``sys.path``. Plugin config classes are then discovered through the ``cloudportal.plugins``
entry point (which also finds plugins pip-installed into the portal's own environment).

Nothing here may stop the portal: an unreadable file, a plugin that fails to import or an
incompatible one is skipped and reported in ``errors`` (``PLUGINS_STRICT`` makes it fatal,
for CI). This module must not touch the ORM or Django settings (they are being built).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "cloudportal.plugins"
INSTALLED_FILE = "installed.json"


class PluginLoadError(Exception):
    """Raised instead of skipping a plugin when ``strict`` is on."""


def read_installed(plugins_dir: Path) -> dict[str, Any]:
    """The marketplace's record of installed plugins (empty if none or unreadable)."""
    path = Path(plugins_dir) / INSTALLED_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"generation": 0, "plugins": {}}
    except (OSError, ValueError) as exc:
        log.error("cannot read %s: %s", path, exc)
        return {"generation": 0, "plugins": {}, "error": str(exc)}
    data.setdefault("generation", 0)
    data.setdefault("plugins", {})
    return data


def write_installed(plugins_dir: Path, data: dict[str, Any]) -> None:
    """Atomically replace installed.json (write a temp file, then rename)."""
    plugins_dir = Path(plugins_dir)
    plugins_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=plugins_dir, prefix=".installed-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, plugins_dir / INSTALLED_FILE)


def _check_version(cls, portal_version: str) -> str:
    try:
        now = Version(portal_version)
        low, high = getattr(cls, "min_version", ""), getattr(cls, "max_version", "")
        if low and now < Version(low):
            return f"incompatible: needs portal >= {low} (this is {portal_version})"
        if high and now > Version(high):
            return f"incompatible: needs portal <= {high} (this is {portal_version})"
    except InvalidVersion as exc:
        return f"invalid version: {exc}"
    return ""


def load_plugins(
    plugins_dir: Path,
    *,
    portal_version: str,
    strict: bool = False,
    exclude: tuple[str, ...] = (),
) -> tuple[list[str], dict[str, str], int]:
    """Return (app config paths for INSTALLED_APPS, errors by plugin id, generation)."""
    installed = read_installed(plugins_dir)
    errors: dict[str, str] = {}
    if installed.get("error"):
        errors["installed.json"] = installed["error"]
    for plugin_id, entry in installed["plugins"].items():
        path = entry.get("path")
        if path and Path(path).is_dir():
            if path not in sys.path:
                sys.path.append(path)  # appended: a plugin never shadows core modules
        else:
            errors[plugin_id] = f"install path missing: {path}"
    apps: list[str] = []
    seen: set[str] = set()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in seen or ep.name in exclude:
            continue
        seen.add(ep.name)
        try:
            module_name, _, attr = ep.value.partition(":")
            cls = getattr(importlib.import_module(module_name), attr)
            problem = _check_version(cls, portal_version)
        except Exception as exc:  # a broken plugin is reported, never fatal
            problem = f"import failed: {type(exc).__name__}: {exc}"
        if problem:
            errors[ep.name] = problem
            log.warning("plugin %s skipped: %s", ep.name, problem)
            continue
        apps.append(f"{module_name}.{attr}")
    if strict and errors:
        raise PluginLoadError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    return apps, errors, int(installed.get("generation", 0))
