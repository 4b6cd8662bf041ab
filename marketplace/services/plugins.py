"""Plugin services: install (from a verified artifact), upgrade, rollback, uninstall,
enable/disable, configure and test. Long steps run as jobs (see ``marketplace.tasks``)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace import installer, reload, sources, state
from marketplace.choices import PackageKind, PluginStatus
from marketplace.models import Catalog, CatalogItem, Plugin, PluginTestRun
from marketplace.plugin import LOAD_ERRORS, CheckResult, loaded_plugins
from marketplace.services.catalogs import resolve_item
from marketplace.version import compatibility_error
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import JobError, create_job

Report = Callable[[int, str], None]


def _quiet(percent: int, message: str) -> None:
    return None


# -- requests that become jobs ------------------------------------------------------------
def request_install(
    *,
    acting_user,
    plugin_id: str,
    version: str = "",
    catalog: Catalog | None = None,
    client_ip: str | None = None,
) -> AsyncJob:
    """Resolve a compatible catalog version (an incompatible one is refused here) and queue
    the install job (also used to upgrade an installed plugin)."""
    item = resolve_item(plugin_id, version, catalog)
    with transaction.atomic():
        job = create_job(
            "marketplace.install", acting_user=acting_user, params={"item_id": item.pk}
        )
        record_event(
            "PLUGIN.INSTALL",
            acting_user=acting_user,
            resource=item,
            client_ip=client_ip,
            job=job,
            description=f"Install {item.plugin_id} {item.version}",
        )
    return job


def request_uninstall(
    plugin: Plugin, *, acting_user, purge: bool = False, client_ip: str | None = None
) -> AsyncJob:
    """Queue the uninstall; ``purge`` also removes the plugin's tables (migrate to zero)."""
    if plugin.status == PluginStatus.UNINSTALLED:
        raise ValidationError({"plugin_id": "This plugin is not installed."})
    with transaction.atomic():
        job = create_job(
            "marketplace.uninstall",
            acting_user=acting_user,
            resource=plugin,
            params={"plugin": plugin.pk, "purge": bool(purge)},
        )
        record_event(
            "PLUGIN.UNINSTALL",
            acting_user=acting_user,
            resource=plugin,
            client_ip=client_ip,
            job=job,
        )
    return job


def request_rollback(plugin: Plugin, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Queue a rollback to the version the last upgrade replaced."""
    if not plugin.previous.get("version"):
        raise ValidationError({"version": "There is no previous version to roll back to."})
    with transaction.atomic():
        job = create_job(
            "marketplace.rollback",
            acting_user=acting_user,
            resource=plugin,
            params={"plugin": plugin.pk},
        )
        record_event(
            "PLUGIN.ROLLBACK",
            acting_user=acting_user,
            resource=plugin,
            client_ip=client_ip,
            job=job,
        )
    return job


# -- job bodies ---------------------------------------------------------------------------
def install_item(item: CatalogItem, *, acting_user, report: Report = _quiet) -> Plugin | Any:
    """Fetch the item's artifact, verify size and sha256, then install it by kind."""
    report(5, f"Resolved {item.plugin_id} {item.version} from catalog {item.catalog.name}")
    reason = compatibility_error(item.min_portal_version, item.max_portal_version)
    if reason:
        raise JobError(f"{item.plugin_id} {item.version} is incompatible: {reason}")
    staging = Path(
        tempfile.mkdtemp(prefix="stage-", dir=_ensure(Path(settings.PLUGINS_DIR) / ".staging"))
    )
    try:
        try:
            artifact = sources.fetch_artifact(
                item.catalog, item.artifact, sha256=item.sha256, size=item.size, dest=staging
            )
        except sources.SourceError as exc:
            raise JobError(f"Refused: {exc}") from exc
        report(30, f"Downloaded {artifact.name}: size and sha256 verified")
        if item.kind == PackageKind.SCRIPT:
            from marketplace.services.extensions import install_script_package

            return install_script_package(
                artifact,
                plugin_id=item.plugin_id,
                sha256=item.sha256,
                acting_user=acting_user,
                report=report,
            )
        return install_wheel(
            artifact,
            plugin_id=item.plugin_id,
            version=item.version,
            sha256=item.sha256,
            catalog=item.catalog,
            source=f"catalog:{item.catalog.name}",
            acting_user=acting_user,
            report=report,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _record(plugin: Plugin) -> dict[str, Any]:
    return {
        "version": plugin.version,
        "module": plugin.module,
        "sha256": plugin.sha256,
        "artifact_path": plugin.artifact_path,
        "install_path": plugin.install_path,
        "app_label": plugin.app_label,
        "name": plugin.name,
        "metadata": plugin.metadata,
    }


def _set_installed(plugin_id: str, entry: dict[str, Any] | None) -> None:
    def update(data: dict[str, Any]) -> None:
        if entry:
            data["plugins"][plugin_id] = entry
        else:
            data["plugins"].pop(plugin_id, None)

    reload.bump_generation(update)


def _activate(record: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Point installed.json at ``record`` (and hot-load it in dev/test)."""
    _set_installed(
        record["plugin_id"],
        {"version": record["version"], "path": record["install_path"], "module": record["module"]},
    )
    if installer.hot_load_enabled():
        if old and old.get("module"):
            installer.hot_unload_label(old["module"])
            if old.get("install_path") in installer.sys.path:
                installer.sys.path.remove(old["install_path"])
        installer.hot_load(record["module"], Path(record["install_path"]))
    state.invalidate()


def _restore(plugin_id: str, old: dict[str, Any] | None, new_module: str) -> None:
    if installer.hot_load_enabled():
        installer.hot_unload_label(new_module)
    if old and old.get("version"):
        _activate({"plugin_id": plugin_id, **old}, None)
    else:
        _set_installed(plugin_id, None)


def install_wheel(
    wheel: Path,
    *,
    plugin_id: str,
    version: str,
    sha256: str,
    acting_user,
    report: Report = _quiet,
    catalog: Catalog | None = None,
    source: str = "",
    config: dict | None = None,
    enabled: bool | None = None,
) -> Plugin:
    """Install a verified wheel as ``plugin_id`` ``version``: pip --no-deps into its own
    directory, check the config class, switch installed.json, run migrations. Any failure
    leaves the previous install in place."""
    existing = Plugin.objects.filter(plugin_id=plugin_id).first()
    old = _record(existing) if existing and existing.status == PluginStatus.INSTALLED else None
    if old and old["version"] == version and old["sha256"] == sha256:
        raise JobError(f"{plugin_id} {version} is already installed.")
    vdir = installer.version_dir(plugin_id, version)
    if old and Path(old["install_path"]).parent == vdir:
        vdir = vdir.with_name(f"{version}+{sha256[:8]}")
    shutil.rmtree(vdir, ignore_errors=True)
    site = vdir / "site"
    try:
        installer.pip_install(wheel, site)
        report(50, f"Installed {wheel.name} into {site} (pip --no-deps)")
        module = installer.entry_point(site, plugin_id)
        cls = installer.load_config_class(module, site)
        if (cls.plugin_id or cls.name) != plugin_id or cls.version != version:
            raise installer.InstallError(
                f"the package declares {cls.plugin_id} {cls.version}, "
                f"the catalog {plugin_id} {version}"
            )
        reason = compatibility_error(cls.min_version, cls.max_version)
        if reason:
            raise installer.InstallError(f"incompatible: {reason}")
        kept = vdir / wheel.name
        shutil.copyfile(wheel, kept)
    except installer.InstallError as exc:
        shutil.rmtree(vdir, ignore_errors=True)
        raise JobError(f"Install failed: {exc}") from exc
    record = {
        "plugin_id": plugin_id,
        "version": version,
        "module": module,
        "install_path": str(site),
    }
    label = installer.app_label(cls)
    _activate(record, old)
    try:
        installer.migrate(label)
        report(80, f"Migrated {label}")
    except Exception as exc:
        _restore(plugin_id, old, module)
        shutil.rmtree(vdir, ignore_errors=True)
        LOAD_ERRORS[plugin_id] = f"migration failed: {exc}"
        _mark_failed(plugin_id, cls, version, f"Migration failed: {exc}")
        raise JobError(f"Migration failed, previous state restored: {exc}") from exc
    manifest = cls.manifest()
    with transaction.atomic():
        plugin, created = Plugin.objects.get_or_create(
            plugin_id=plugin_id, defaults={"name": manifest["name"], "version": version}
        )
        plugin.kind, plugin.name, plugin.version = PackageKind.DJANGO_APP, manifest["name"], version
        plugin.module, plugin.app_label, plugin.sha256 = module, label, sha256
        plugin.artifact_path, plugin.install_path = str(kept), str(site)
        plugin.source, plugin.catalog = source or plugin.source, catalog
        plugin.status, plugin.status_message, plugin.metadata = PluginStatus.INSTALLED, "", manifest
        plugin.previous = old or {}
        plugin.installed_by = acting_user if getattr(acting_user, "pk", None) else None
        if config is not None:
            plugin.config = config
        if enabled is not None:
            plugin.enabled = enabled
        plugin.save()
        event = "PLUGIN.UPGRADE" if old else "PLUGIN.INSTALL"
        record_event(
            event,
            acting_user=acting_user,
            resource=plugin,
            description=f"{plugin_id} {version} installed",
        )
    _prune(plugin_id, keep={str(site), (old or {}).get("install_path", "")})
    state.invalidate()
    report(95, reload.request_reload())
    return plugin


def _mark_failed(plugin_id: str, cls, version: str, message: str) -> None:
    plugin, _ = Plugin.objects.get_or_create(
        plugin_id=plugin_id,
        defaults={"name": str(cls.verbose_name), "version": version, "status": PluginStatus.FAILED},
    )
    if plugin.status != PluginStatus.INSTALLED:
        plugin.status = PluginStatus.FAILED
    plugin.status_message = message[:2000]
    plugin.save(update_fields=["status", "status_message", "updated"])


def _prune(plugin_id: str, keep: set[str]) -> None:
    """Remove version directories other than the current and previous ones."""
    root = Path(settings.PLUGINS_DIR) / plugin_id
    for vdir in root.iterdir() if root.is_dir() else []:
        if str(vdir / "site") not in keep:
            shutil.rmtree(vdir, ignore_errors=True)


def rollback_plugin(plugin: Plugin, *, acting_user, report: Report = _quiet) -> Plugin:
    """Go back to the previous install: migrate the app back to the previous code's last
    migration (with the current code), then switch to the previous files."""
    prev = dict(plugin.previous)
    if not prev.get("version"):
        raise JobError("There is no previous version to roll back to.")
    artifact = Path(prev["artifact_path"])
    if not artifact.is_file() or sources.sha256_file(artifact) != prev["sha256"]:
        raise JobError("The previous version's files are missing or changed; reinstall it instead.")
    try:
        cls = installer.load_config_class(prev["module"], Path(prev["install_path"]))
        target = installer.leaf_migration(Path(prev["install_path"]), cls)
        installer.migrate(plugin.app_label, target)
    except Exception as exc:
        raise JobError(f"Rollback failed (nothing switched): {exc}") from exc
    report(60, f"Migrated {plugin.app_label} back to {target}")
    current = _record(plugin)
    _activate({"plugin_id": plugin.plugin_id, **prev}, current)
    with transaction.atomic():
        plugin.version, plugin.module, plugin.sha256 = (
            prev["version"],
            prev["module"],
            prev["sha256"],
        )
        plugin.artifact_path, plugin.install_path = prev["artifact_path"], prev["install_path"]
        plugin.metadata, plugin.previous = prev.get("metadata", {}), current
        plugin.save()
        record_event(
            "PLUGIN.ROLLBACK",
            acting_user=acting_user,
            resource=plugin,
            description=f"rolled back to {prev['version']}",
        )
    report(95, reload.request_reload())
    return plugin


def uninstall_plugin(
    plugin: Plugin, *, acting_user, purge: bool = False, report: Report = _quiet
) -> Plugin:
    """Disable, optionally remove the plugin's data (migrate to zero while its code is
    still loaded), remove it from installed.json and delete its files."""
    Plugin.objects.filter(pk=plugin.pk).update(enabled=False)
    plugin.enabled = False
    state.invalidate()
    if purge and plugin.app_label:
        try:
            installer.migrate(plugin.app_label, "zero")
        except Exception as exc:
            raise JobError(
                f"Removing the plugin's data failed (plugin disabled, still installed): {exc}"
            ) from exc
        report(50, f"Removed the tables of {plugin.app_label}")
    _set_installed(plugin.plugin_id, None)
    if installer.hot_load_enabled() and plugin.module:
        installer.hot_unload_label(plugin.module)
    shutil.rmtree(Path(settings.PLUGINS_DIR) / plugin.plugin_id, ignore_errors=True)
    with transaction.atomic():
        plugin.status, plugin.previous, plugin.install_path, plugin.artifact_path = (
            PluginStatus.UNINSTALLED,
            {},
            "",
            "",
        )
        plugin.save()
        note = " (data removed)" if purge else ""
        record_event(
            "PLUGIN.UNINSTALL",
            acting_user=acting_user,
            resource=plugin,
            description=f"{plugin.plugin_id} uninstalled{note}",
        )
    report(95, reload.request_reload())
    return plugin


# -- synchronous services -----------------------------------------------------------------
def set_plugin_enabled(
    plugin: Plugin, enabled: bool, *, acting_user, client_ip: str | None = None
) -> Plugin:
    """Enable or disable at runtime (no restart): URLs, hooks, menus and periodic jobs of
    a disabled plugin disappear within ``PLUGINS_STATE_TTL`` in every process."""
    if enabled:
        if plugin.status != PluginStatus.INSTALLED:
            raise ValidationError(
                {"enabled": f"The plugin is {plugin.get_status_display().lower()}."}
            )
        meta = plugin.metadata or {}
        reason = compatibility_error(
            meta.get("min_portal_version", ""), meta.get("max_portal_version", "")
        )
        if reason:
            raise ValidationError({"enabled": f"Incompatible: {reason}."})
        missing = missing_settings(plugin)
        if missing:
            raise ValidationError({"config": f"Required settings missing: {', '.join(missing)}."})
    with transaction.atomic():
        plugin.enabled = enabled
        plugin.save(update_fields=["enabled", "updated"])
        event = "PLUGIN.ENABLE" if enabled else "PLUGIN.DISABLE"
        record_event(event, acting_user=acting_user, resource=plugin, client_ip=client_ip)
    state.invalidate()
    return plugin


def missing_settings(
    plugin: Plugin, config: dict | None = None, secret: dict | None = None
) -> list[str]:
    meta = plugin.metadata or {}
    have = dict(meta.get("default_settings", {}))
    have.update(getattr(settings, "PLUGINS_CONFIG", {}).get(plugin.plugin_id, {}))
    have.update(plugin.config if config is None else config)
    have.update(_secret(plugin) if secret is None else secret)
    return [name for name in meta.get("required_settings", []) if have.get(name) in (None, "")]


def _secret(plugin: Plugin) -> dict:
    try:
        return json.loads(plugin.secret_config or "{}")
    except ValueError:
        return {}


def configure_plugin(
    plugin: Plugin,
    *,
    acting_user,
    client_ip: str | None = None,
    config: dict | None = None,
    secret_config: dict | None = None,
) -> Plugin:
    """Store the plugin's settings (``secret_config`` is encrypted and never shown)."""
    for name, value in (("config", config), ("secret_config", secret_config)):
        if value is not None and not isinstance(value, dict):
            raise ValidationError({name: "Must be an object."})
    with transaction.atomic():
        if config is not None:
            plugin.config = config
        if secret_config is not None:
            plugin.secret_config = json.dumps(_secret(plugin) | secret_config)
        plugin.save(update_fields=["config", "secret_config", "updated"])
        record_event(
            "PLUGIN.CONFIGURE", acting_user=acting_user, resource=plugin, client_ip=client_ip
        )
    state.invalidate()
    return plugin


def check_plugin(plugin: Plugin, *, acting_user=None) -> PluginTestRun:
    """Static checks (artifact hash, compatibility, required settings, loaded) plus the
    plugin's own ``self_test()``; the result is stored."""
    results: list[CheckResult] = []
    if plugin.artifact_path:
        path = Path(plugin.artifact_path)
        ok = path.is_file() and sources.sha256_file(path) == plugin.sha256
        results.append(
            CheckResult("artifact sha256", ok, "matches" if ok else "artifact missing or changed")
        )
    meta = plugin.metadata or {}
    reason = compatibility_error(
        meta.get("min_portal_version", ""), meta.get("max_portal_version", "")
    )
    results.append(CheckResult("compatibility", not reason, reason or "compatible"))
    missing = missing_settings(plugin)
    results.append(CheckResult("required settings", not missing, ", ".join(missing) or "present"))
    config = loaded_plugins().get(plugin.plugin_id)
    error = LOAD_ERRORS.get(plugin.plugin_id, "")
    results.append(
        CheckResult(
            "loaded",
            config is not None and not error,
            error or ("loaded" if config else "pending reload"),
        )
    )
    if config is not None:
        try:
            results.extend(config.self_test())
        except Exception as exc:
            results.append(CheckResult("self-test", False, f"{type(exc).__name__}: {exc}"))
    run = PluginTestRun.objects.create(
        plugin=plugin,
        version=plugin.version,
        ok=all(r.ok for r in results),
        results=[r.as_dict() for r in results],
    )
    record_event(
        "PLUGIN.TEST",
        acting_user=acting_user,
        resource=plugin,
        description=f"test {'passed' if run.ok else 'failed'}",
    )
    return run
