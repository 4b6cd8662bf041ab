"""Orchestrator extensions the CloudStack way (``createExtension``/``updateExtension``/
``deleteExtension``): an entry point ``path`` relative to the extensions directory, a state,
free details, no content upload.

CloudStack runs the files an admin copied to ``/usr/share/cloudstack-management/extensions``
on every management server. The portal keeps extension content in the database (versioned,
hashed, materialised per node), so a ``path`` is *imported*: the files of the extension's
directory under ``settings.CLOUDSTACK_EXTENSIONS_DIR`` become a version. Without a ``path``
the extension gets a scaffold entry point ``<dir>/<dir>.sh``, as CloudStack copies its base
provisioner script. A path not found is "not ready": the extension is created Disabled with
a placeholder that fails, and enabling it imports the path again (refused while missing).

Details whose names look secret (password, secret, token, ...) go to the encrypted
``secret_details``; the rest stay readable.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace.choices import ExtensionType
from marketplace.models import Extension
from marketplace.services import extensions as ext

DEFAULT_SOURCE_DIR = "/usr/share/cloudstack-management/extensions"
STATES = ("Enabled", "Disabled")
SCAFFOLD = """#!/bin/sh
# Entry point of a CloudStack Orchestrator extension, created by the Cloud Portal.
# Called as: <this file> <action> <payload-file> <timeout>; prints one JSON document and
# exits 0 on success. Replace the answers below with calls to your orchestrator.
case "$1" in
  prepare) echo '{}' ;;
  create|start|stop|reboot|delete) echo '{"status": "success", "message": "done"}' ;;
  status) echo '{"status": "success", "power_state": "poweron"}' ;;
  *) echo '{"status": "error", "error": "Invalid action"}'; exit 1 ;;
esac
"""
NOT_READY = """#!/bin/sh
echo '{"status": "error", "error": "The extension files are not installed"}'
exit 1
"""


def source_dir() -> Path:
    return Path(getattr(settings, "CLOUDSTACK_EXTENSIONS_DIR", "") or DEFAULT_SOURCE_DIR)


def split_details(details: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain, secret) by the name of each detail."""
    from compute.services.external import SECRET_KEY_RE

    plain = {k: v for k, v in details.items() if not SECRET_KEY_RE.search(k)}
    return plain, {k: v for k, v in details.items() if k not in plain}


def all_details(extension: Extension) -> dict[str, str]:
    return {**(extension.details or {}), **json.loads(extension.secret_details or "{}")}


def _check_path(path: str) -> PurePosixPath:
    relative = PurePosixPath(path.strip())
    parts = relative.parts
    if not parts or relative.is_absolute() or ".." in parts or len(parts) > 3:
        raise ValidationError(
            {"path": f"'{path}' must be a relative path at most two directories deep."}
        )
    return relative


def _inside(path: Path, root: Path) -> bool:
    """``path`` is no link and resolves below ``root``."""
    return not path.is_symlink() and path.resolve().is_relative_to(root.resolve())


def _read_path(relative: PurePosixPath) -> tuple[dict[str, str], str] | None:
    """(files, entrypoint) of the extension directory holding ``relative``; None if the
    entry point is not an executable file there."""
    root = source_dir()
    entry = root / relative
    if not entry.is_file() or not _inside(entry, root):
        return None
    base = root / relative.parts[0] if len(relative.parts) > 1 else entry.parent
    candidates = [entry]
    if base != root:  # links are not followed: the files must be the directory's own
        candidates = [p for p in base.rglob("*") if p.is_file() and _inside(p, base)]
    files, total = {}, 0
    for path in candidates:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue  # binaries (caches, archives) are not part of the contract
        total += len(text)
        if total > ext.MAX_FILES_BYTES:
            raise ValidationError({"path": f"The files under {base} are too large."})
        files[path.relative_to(base).as_posix()] = text
    return files, entry.relative_to(base).as_posix()


def _content(name: str, path: str | None) -> tuple[dict[str, str], str, str, bool]:
    """(files, entrypoint, path, ready) for a new extension."""
    directory = Extension(name=name).directory_name
    if not path:
        entry = f"{directory}.sh"
        return {entry: SCAFFOLD}, entry, f"{directory}/{entry}", True
    relative = _check_path(path)
    found = _read_path(relative)
    if found is None:
        return {relative.name: NOT_READY}, relative.name, relative.as_posix(), False
    files, entry = found
    return files, entry, relative.as_posix(), True


def _check_state(state: str | None) -> str | None:
    if state is None:
        return None
    for choice in STATES:
        if choice.lower() == state.lower():
            return choice
    raise ValidationError({"state": f"State must be one of: {', '.join(STATES)}."})


def create_orchestrator(
    *,
    acting_user,
    client_ip: str | None = None,
    name: str,
    type: str,
    description: str = "",
    path: str | None = None,
    state: str | None = None,
    details: dict[str, str] | None = None,
    requires_prepare_vm: bool | None = None,
) -> Extension:
    """``createExtension``: refused for other types than Orchestrator; Enabled (the
    default) needs the path to be ready."""
    if type not in (ExtensionType.ORCHESTRATOR,):
        raise ValidationError({"type": f"Unsupported extension type {type!r}: Orchestrator."})
    if Extension.objects.filter(name=name).exists():
        raise ValidationError({"name": f"An extension named {name} already exists."})
    enabled = (_check_state(state) or "Enabled") == "Enabled"
    files, entrypoint, relative, ready = _content(name, path)
    if enabled and not ready:
        raise ValidationError(
            {"path": f"Extension path {relative} is not ready: not found in {source_dir()}."}
        )
    plain, secret = split_details(details or {})
    return ext.create_extension(
        acting_user=acting_user,
        client_ip=client_ip,
        files=files,
        entrypoint=entrypoint,
        name=name,
        type=type,
        description=description or "",
        enabled=enabled,
        requires_prepare_vm=bool(requires_prepare_vm),
        details=plain,
        secret_details=json.dumps(secret) if secret else "",
        metadata={"path": relative, "pathready": ready, "source": "cloudstack-api"},
    )


def path_info(extension: Extension) -> tuple[str, bool]:
    """(path, pathready) as ``listExtensions`` shows them."""
    meta = extension.metadata or {}
    version = extension.versions.filter(number=extension.current_version).first()
    path = meta.get("path") or (
        f"{extension.directory_name}/{version.entrypoint}" if version else ""
    )
    return path, bool(meta.get("pathready", version is not None))


def _reimport(extension: Extension, acting_user) -> None:
    relative = _check_path(extension.metadata["path"])
    found = _read_path(relative)
    if found is None:
        raise ValidationError(
            {"state": f"Extension path {relative} is not ready: not found in {source_dir()}."}
        )
    files, entrypoint = found
    ext.update_extension(
        extension,
        acting_user=acting_user,
        files=files,
        entrypoint=entrypoint,
        comment=f"imported {relative}",
        metadata={**extension.metadata, "pathready": True},
    )


def update_orchestrator(
    extension: Extension,
    *,
    acting_user,
    client_ip: str | None = None,
    description: str | None = None,
    state: str | None = None,
    details: dict[str, str] | None = None,
    cleanup_details: bool = False,
    requires_prepare_vm: bool | None = None,
) -> Extension:
    """``updateExtension``: details are merged (``cleanup_details``: replaced or removed);
    enabling an extension whose path was not ready imports it first."""
    changes: dict[str, Any] = {}
    if description is not None:
        changes["description"] = description
    if requires_prepare_vm is not None:
        if extension.type != ExtensionType.ORCHESTRATOR:
            raise ValidationError({"orchestratorrequirespreparevm": "Orchestrators only."})
        changes["requires_prepare_vm"] = requires_prepare_vm
    if details is not None or cleanup_details:
        merged = {} if cleanup_details else all_details(extension)
        plain, secret = split_details({**merged, **(details or {})})
        changes["details"], changes["secret_details"] = plain, json.dumps(secret) if secret else ""
    state = _check_state(state)
    with transaction.atomic():
        if state == "Enabled" and not path_info(extension)[1]:
            _reimport(extension, acting_user)
        if changes:
            ext.update_extension(extension, acting_user=acting_user, client_ip=client_ip, **changes)
        if state is not None and (state == "Enabled") != extension.enabled:
            ext.set_extension_enabled(
                extension, state == "Enabled", acting_user=acting_user, client_ip=client_ip
            )
    extension.refresh_from_db()
    return extension


def delete_orchestrator(
    extension: Extension, *, acting_user, client_ip: str | None = None, cleanup: bool = False
) -> None:
    """``deleteExtension``: refused while registered to resources, while it has custom
    actions or while templates use it; ``cleanup`` also removes its files on this node."""
    from storage.models import Template
    from storage.services.external_templates import EXTENSION_KEY

    if extension.resource_maps.exists():
        raise ValidationError("The extension is still registered to resources.")
    if extension.custom_actions.exists():
        raise ValidationError("The extension still has custom actions; delete them first.")
    used = Template.objects.filter(
        removed__isnull=True, **{f"details__{EXTENSION_KEY}": str(extension.uuid)}
    )
    if used.exists():
        raise ValidationError("Templates still use the extension.")
    directory = Path(settings.PLUGINS_DIR) / "extensions" / extension.directory_name
    ext.delete_extension(extension, acting_user=acting_user, client_ip=client_ip)
    if cleanup:
        shutil.rmtree(directory, ignore_errors=True)
