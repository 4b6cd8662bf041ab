"""Putting plugin code in place: pip into a per-version target directory (never the
portal's own environment, never dependencies), finding the plugin's entry point, running
its migrations, and (dev/test only, ``PLUGINS_HOT_LOAD``) loading it in this process."""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.management import call_command
from django.urls import clear_url_caches

from marketplace import hooks
from marketplace.loader import ENTRY_POINT_GROUP

PIP_TIMEOUT = 600


class InstallError(Exception):
    """Installing the code failed; the caller leaves the previous state in place."""


def version_dir(plugin_id: str, version: str) -> Path:
    return Path(settings.PLUGINS_DIR) / plugin_id / version


def pip_install(wheel: Path, target: Path) -> str:
    """``pip install --no-deps`` the wheel into ``target``: a plugin can never move the
    portal's own pinned dependencies, and nothing is fetched from an index."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--only-binary",
        ":all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--quiet",
        "--target",
        str(target),
        str(wheel),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"pip failed: {exc}") from exc
    if done.returncode != 0:
        raise InstallError(f"pip failed: {(done.stderr or done.stdout).strip()[-1000:]}")
    return done.stdout


def entry_point(target: Path, plugin_id: str) -> str:
    """The AppConfig path the installed wheel publishes for ``plugin_id``."""
    for dist in metadata.distributions(path=[str(target)]):
        for ep in dist.entry_points:
            if ep.group == ENTRY_POINT_GROUP and ep.name == plugin_id:
                module, _, attr = ep.value.partition(":")
                return f"{module}.{attr}"
    raise InstallError(f"the package has no {ENTRY_POINT_GROUP!r} entry point named {plugin_id!r}")


def top_packages(target: Path) -> list[str]:
    return sorted(p.name for p in Path(target).iterdir() if (p / "__init__.py").is_file())


def _purge_modules(packages: list[str]) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            del sys.modules[name]


def load_config_class(module_path: str, target: Path):
    """Import the plugin's config class from ``target`` without disturbing the modules this
    process already runs (they are put back afterwards)."""
    packages = top_packages(target)
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] in packages}
    _purge_modules(packages)
    sys.path.insert(0, str(target))
    try:
        module_name, _, attr = module_path.rpartition(".")
        return getattr(importlib.import_module(module_name), attr)
    except Exception as exc:
        raise InstallError(f"cannot import {module_path}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(target))
        _purge_modules(packages)
        sys.modules.update(saved)


def app_label(cls) -> str:
    return getattr(cls, "label", None) or cls.name.rpartition(".")[2]


def leaf_migration(target: Path, cls) -> str:
    """The last migration the code in ``target`` ships ("zero" if none)."""
    directory = Path(target, *cls.name.split("."), "migrations")
    names = sorted(p.stem for p in directory.glob("[0-9]*.py")) if directory.is_dir() else []
    return names[-1] if names else "zero"


def migrate(label: str, migration: str | None = None) -> str:
    """Migrate one plugin app (to ``migration``; "zero" removes its tables). In-process when
    the app is loaded here, else in a fresh ``manage.py migrate`` that loads installed.json."""
    args = [label] + ([migration] if migration else [])
    if label in apps.app_configs:
        if apps.get_app_config(label).module is not None and not _has_migrations(label):
            return "no migrations"
        out = io.StringIO()
        call_command("migrate", *args, interactive=False, verbosity=1, stdout=out)
        return out.getvalue()
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "migrate",
        *args,
        "--noinput",
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT,
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"migrate failed: {exc}") from exc
    if done.returncode != 0:
        if "does not have migrations" in done.stderr:
            return "no migrations"
        raise InstallError(f"migrate failed: {(done.stderr or done.stdout).strip()[-1000:]}")
    return done.stdout


def _has_migrations(label: str) -> bool:
    name = f"{apps.get_app_config(label).name}.migrations"
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# -- dev/test: load or unload a plugin app in this very process ----------------------------
def hot_load_enabled() -> bool:
    return bool(getattr(settings, "PLUGINS_HOT_LOAD", False))


def _app_path(config) -> str:
    cls = type(config)
    return config.name if cls is AppConfig else f"{cls.__module__}.{cls.__qualname__}"


def _app_paths() -> list[str]:
    return [_app_path(c) for c in apps.get_app_configs()]


def hot_load(module_path: str, target: Path) -> None:
    """Add the app to this process's registry (Django's ``set_installed_apps``, as tests'
    ``override_settings`` does). Production reloads processes instead."""
    hot_unload_label(module_path)
    _purge_modules(top_packages(target))
    if str(target) not in sys.path:
        sys.path.append(str(target))
    apps.set_installed_apps([*_app_paths(), module_path])
    clear_url_caches()


def hot_unload_label(module_path: str) -> None:
    """Remove a hot-loaded app (if any) from this process's registry."""
    for config in apps.get_app_configs():
        if _app_path(config) == module_path:
            label = config.label
            hooks.unregister_package(config.name)
            remaining = [p for p in _app_paths() if p != module_path]
            apps.set_installed_apps(remaining)
            apps.all_models.pop(label, None)
            apps.clear_cache()
            clear_url_caches()
            return
