"""Export and import: one item as a ``.portalpkg`` (a zip: ``manifest.json``, the exact
artifact, its sha256, the non-secret configuration and the enabled state), and the whole
site as a lock file. Imports go through the same verified install path as catalogs."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace import sources
from marketplace.choices import PackageKind, PluginStatus
from marketplace.models import Catalog, Extension, Plugin
from marketplace.services.catalogs import create_catalog, refresh_catalog, resolve_item
from marketplace.services.extensions import create_extension, set_extension_enabled, tree_sha256
from marketplace.services.plugins import configure_plugin, install_wheel, set_plugin_enabled
from marketplace.version import portal_version
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import JobError, create_job

PACKAGE_FORMAT = "cloudportal-package/1"
LOCK_FORMAT = "cloudportal-lock/1"


def _catalog_ref(catalog: Catalog | None) -> dict[str, str] | None:
    if catalog is None:
        return None
    fields = ("name", "kind", "url", "ref", "index_path")
    return {f: getattr(catalog, f) for f in fields}


def export_plugin(plugin: Plugin) -> bytes:
    """The installed plugin as a package: its exact wheel, re-verified, and its state."""
    artifact = Path(plugin.artifact_path)
    if not artifact.is_file() or sources.sha256_file(artifact) != plugin.sha256:
        raise ValidationError({"plugin_id": "The installed artifact is missing or changed."})
    last = plugin.test_runs.first()
    manifest = {
        "format": PACKAGE_FORMAT,
        "kind": PackageKind.DJANGO_APP,
        "id": plugin.plugin_id,
        "name": plugin.name,
        "version": plugin.version,
        "artifact": f"artifacts/{artifact.name}",
        "sha256": plugin.sha256,
        "size": artifact.stat().st_size,
        "enabled": plugin.enabled,
        "config": plugin.config,  # secrets (secret_config) are never exported
        "catalog": _catalog_ref(plugin.catalog),
        "metadata": plugin.metadata,
        "last_test": {"ok": last.ok, "results": last.results} if last else None,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        package.write(artifact, manifest["artifact"])
    return buffer.getvalue()


def export_extension(extension: Extension) -> bytes:
    """The extension's current version as a package (manifest + files + tree hash)."""
    version = extension.versions.get(number=extension.current_version)
    manifest = {
        "format": PACKAGE_FORMAT,
        "kind": PackageKind.SCRIPT,
        "id": extension.plugin_id or extension.name,
        "name": extension.name,
        "type": extension.type,
        "description": extension.description,
        "entrypoint": version.entrypoint,
        "sha256": version.sha256,
        "enabled": extension.enabled,
        "timeout": extension.timeout,
        "requires_prepare_vm": extension.requires_prepare_vm,
        "details": extension.details,  # secret_details are never exported
        "metadata": extension.metadata,
        "custom_actions": list(
            extension.custom_actions.values(
                "name",
                "description",
                "resource_type",
                "allowed_role_types",
                "parameters",
                "success_message",
                "error_message",
                "timeout",
                "enabled",
            )
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        for path, content in version.files.items():
            package.writestr(f"files/{path}", content)
    return buffer.getvalue()


def request_import(data: bytes, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Store an uploaded package and queue its import job."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            manifest = json.loads(package.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValidationError({"file": f"Not a portal package: {exc}"}) from exc
    if manifest.get("format") != PACKAGE_FORMAT:
        raise ValidationError({"file": "Unknown package format."})
    directory = Path(settings.PLUGINS_DIR) / ".imports"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}.portalpkg"
    path.write_bytes(data)
    with transaction.atomic():
        job = create_job("marketplace.import", acting_user=acting_user, params={"path": str(path)})
        record_event(
            "PLUGIN.IMPORT",
            acting_user=acting_user,
            client_ip=client_ip,
            job=job,
            description=f"Import {manifest.get('id')} {manifest.get('version', '')}",
        )
    return job


def import_package(path: str | Path, *, acting_user, report=None) -> Plugin | Extension:
    """Verify every hash in the package, then install it through the normal path."""
    path = Path(path)
    staging = Path(tempfile.mkdtemp(prefix="import-", dir=path.parent))
    try:
        with zipfile.ZipFile(path) as package:
            manifest = json.loads(package.read("manifest.json"))
            names = [n for n in package.namelist() if n != "manifest.json"]
            for name in names:
                if name.startswith("/") or ".." in PurePosixPath(name).parts:
                    raise JobError(f"Bad path in package: {name}")
            package.extractall(staging, members=names)
        if manifest.get("kind") == PackageKind.SCRIPT:
            return _import_extension(manifest, staging, acting_user)
        artifact = staging / manifest["artifact"]
        try:
            sources.verify(artifact, sha256=manifest["sha256"], size=manifest["size"])
        except (sources.SourceError, OSError, KeyError) as exc:
            raise JobError(f"Refused: {exc}") from exc
        if report:
            report(30, f"{artifact.name}: size and sha256 verified")
        plugin = Plugin.objects.filter(
            plugin_id=manifest["id"], status=PluginStatus.INSTALLED
        ).first()
        if plugin is None or plugin.sha256 != manifest["sha256"]:
            plugin = install_wheel(
                artifact,
                plugin_id=manifest["id"],
                version=manifest["version"],
                sha256=manifest["sha256"],
                acting_user=acting_user,
                report=report or (lambda *a: None),
                source=f"import:{path.name}",
            )
        return apply_state(plugin, manifest, acting_user)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        path.unlink(missing_ok=True)


def apply_state(plugin: Plugin, manifest: dict[str, Any], acting_user) -> Plugin:
    """Restore the exported non-secret configuration and enabled state."""
    configure_plugin(plugin, acting_user=acting_user, config=manifest.get("config") or {})
    if bool(manifest.get("enabled")) != plugin.enabled:
        try:
            set_plugin_enabled(plugin, bool(manifest.get("enabled")), acting_user=acting_user)
        except ValidationError as exc:  # e.g. a required secret setting is not here yet
            raise JobError(f"Installed, but not enabled: {exc.messages[0]}") from exc
    return plugin


def _import_extension(manifest: dict[str, Any], staging: Path, acting_user) -> Extension:
    root = staging / "files"
    files = {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}
    if tree_sha256(files) != manifest.get("sha256"):
        raise JobError("Refused: the extension files do not match the package's sha256.")
    existing = Extension.objects.filter(name=manifest["name"]).first()
    if existing is not None:
        current = existing.versions.get(number=existing.current_version)
        if current.sha256 == manifest["sha256"]:
            return set_extension_enabled(
                existing, bool(manifest.get("enabled")), acting_user=acting_user
            )
        raise JobError(f"An extension named {manifest['name']} already exists with other content.")
    return create_extension(
        acting_user=acting_user,
        name=manifest["name"],
        type=manifest.get("type", "Orchestrator"),
        description=manifest.get("description", ""),
        files=files,
        entrypoint=manifest["entrypoint"],
        enabled=bool(manifest.get("enabled")),
        timeout=int(manifest.get("timeout", 300)),
        requires_prepare_vm=bool(manifest.get("requires_prepare_vm")),
        details=manifest.get("details", {}),
        metadata=manifest.get("metadata", {}),
        plugin_id=manifest.get("id", ""),
        custom_actions=manifest.get("custom_actions", []),
    )


# -- the whole site -----------------------------------------------------------------------
def export_site() -> dict[str, Any]:
    """A lock file: every installed plugin's id, version, sha256, catalog, enabled state and
    non-secret configuration, and every extension's current content and hash."""
    plugins = Plugin.objects.filter(status=PluginStatus.INSTALLED).select_related("catalog")
    extensions = Extension.objects.prefetch_related("versions")
    return {
        "format": LOCK_FORMAT,
        "portal_version": portal_version(),
        "plugins": [
            {
                "id": p.plugin_id,
                "version": p.version,
                "sha256": p.sha256,
                "enabled": p.enabled,
                "config": p.config,
                "catalog": _catalog_ref(p.catalog),
            }
            for p in plugins
        ],
        "extensions": [json.loads(json.dumps(_extension_lock(e))) for e in extensions],
    }


def _extension_lock(extension: Extension) -> dict[str, Any]:
    version = next(v for v in extension.versions.all() if v.number == extension.current_version)
    return {
        "name": extension.name,
        "type": extension.type,
        "enabled": extension.enabled,
        "entrypoint": version.entrypoint,
        "sha256": version.sha256,
        "files": version.files,
        "details": extension.details,
        "timeout": extension.timeout,
        "requires_prepare_vm": extension.requires_prepare_vm,
        "metadata": extension.metadata,
    }


def import_site(lock: dict[str, Any], *, acting_user) -> list[AsyncJob]:
    """Reproduce a lock file: catalogs are added if missing, each plugin is installed from
    its catalog at exactly the locked version and sha256 (through the install job, which
    then restores config and enabled state); extensions are created from their content."""
    if lock.get("format") != LOCK_FORMAT:
        raise ValidationError({"lock": "Unknown lock file format."})
    jobs = []
    for entry in lock.get("plugins", []):
        ref = entry.get("catalog") or {}
        catalog = Catalog.objects.filter(
            kind=ref.get("kind"), url=ref.get("url"), ref=ref.get("ref", "")
        ).first()
        if catalog is None:
            name = ref.get("name") or f"imported-{uuid.uuid4().hex[:6]}"
            if Catalog.objects.filter(name=name).exists():
                name = f"{name}-{uuid.uuid4().hex[:6]}"
            catalog = create_catalog(acting_user=acting_user, **{**ref, "name": name})
        refresh_catalog(catalog, acting_user=acting_user)
        item = resolve_item(entry["id"], entry["version"], catalog)
        if item.sha256 != entry["sha256"]:
            raise ValidationError(
                {"lock": f"{entry['id']} {entry['version']}: the catalog's sha256 differs."}
            )
        installed = Plugin.objects.filter(
            plugin_id=entry["id"], status=PluginStatus.INSTALLED
        ).first()
        if installed is not None and installed.sha256 == entry["sha256"]:
            apply_state(installed, entry, acting_user)
            continue
        params = {
            "item_id": item.pk,
            "state": {"config": entry.get("config", {}), "enabled": entry.get("enabled")},
        }
        jobs.append(create_job("marketplace.install", acting_user=acting_user, params=params))
    for entry in lock.get("extensions", []):
        if tree_sha256(entry["files"]) != entry["sha256"]:
            raise ValidationError(
                {"lock": f"Extension {entry['name']}: content does not match its sha256."}
            )
        if not Extension.objects.filter(name=entry["name"]).exists():
            fields = {
                k: entry[k]
                for k in (
                    "name",
                    "type",
                    "enabled",
                    "details",
                    "timeout",
                    "requires_prepare_vm",
                    "metadata",
                )
            }
            create_extension(
                acting_user=acting_user,
                files=entry["files"],
                entrypoint=entry["entrypoint"],
                **fields,
            )
    return jobs


def package_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
