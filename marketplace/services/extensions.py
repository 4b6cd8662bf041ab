"""Script extension services: create, edit (a new version each time), roll back, enable,
bind, run actions with CloudStack's payload, test, and install from a package."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace import runner
from marketplace.choices import ExtensionType
from marketplace.models import Extension, ExtensionCustomAction, ExtensionRun, ExtensionVersion
from portal.services.audit import record_event

SECRET_KEY_RE = re.compile(r'("(?:password|secret|token|sshkey|apikey)"\s*:\s*)"[^"]*"', re.I)
MANIFEST = "extension.json"
CLOUDSTACK_MANIFEST = "manifest.yaml"
MAX_FILES_BYTES = 4 * 1024 * 1024


def tree_sha256(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


def _check_files(files: dict[str, str], entrypoint: str) -> None:
    if not isinstance(files, dict) or not files:
        raise ValidationError({"files": "Give at least the entry point file."})
    total = 0
    for path, content in files.items():
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or ".." in parts or not isinstance(content, str):
            raise ValidationError({"files": f"Bad file {path!r}."})
        total += len(content)
    if total > MAX_FILES_BYTES:
        raise ValidationError({"files": "The extension is too large."})
    if entrypoint not in files:
        raise ValidationError({"entrypoint": f"{entrypoint!r} is not among the files."})


def create_extension(
    *,
    acting_user,
    client_ip: str | None = None,
    files: dict[str, str],
    entrypoint: str,
    **fields: Any,
) -> Extension:
    """Create an extension (disabled unless ``enabled``) and its version 1."""
    _check_files(files, entrypoint)
    custom_actions = fields.pop("custom_actions", [])
    extension = Extension(**fields)
    extension.full_clean()
    with transaction.atomic():
        extension.save()
        _new_version(extension, files, entrypoint, acting_user, "created")
        for action in custom_actions:
            ExtensionCustomAction.objects.create(extension=extension, **action)
        record_event(
            "EXTENSION.CREATE", acting_user=acting_user, resource=extension, client_ip=client_ip
        )
    return extension


def _new_version(
    extension: Extension, files, entrypoint, acting_user, comment: str
) -> ExtensionVersion:
    number = (
        extension.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ExtensionVersion.objects.create(
        extension=extension,
        number=number,
        entrypoint=entrypoint,
        files=files,
        sha256=tree_sha256(files),
        comment=comment[:300],
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    extension.current_version = number
    extension.save(update_fields=["current_version", "updated"])
    return version


def update_extension(
    extension: Extension, *, acting_user, client_ip: str | None = None, **changes: Any
) -> Extension:
    """Change settings; ``files``/``entrypoint`` make a new version (never an in-place edit)."""
    files, entrypoint = changes.pop("files", None), changes.pop("entrypoint", None)
    comment = changes.pop("comment", "edited")
    for field, value in changes.items():
        setattr(extension, field, value)
    extension.full_clean()
    with transaction.atomic():
        extension.save()
        if files is not None or entrypoint is not None:
            current = extension.versions.get(number=extension.current_version)
            files = files if files is not None else current.files
            entrypoint = entrypoint or current.entrypoint
            _check_files(files, entrypoint)
            _new_version(extension, files, entrypoint, acting_user, comment)
        record_event(
            "EXTENSION.EDIT", acting_user=acting_user, resource=extension, client_ip=client_ip
        )
    return extension


def rollback_extension(
    extension: Extension, *, acting_user, number: int | None = None, client_ip=None
) -> Extension:
    """Run an earlier version again (the one before the current, or ``number``)."""
    earlier = extension.versions.filter(number__lt=extension.current_version)
    target = extension.versions.filter(number=number).first() if number else earlier.first()
    if target is None:
        raise ValidationError({"number": "There is no such earlier version."})
    with transaction.atomic():
        extension.current_version = target.number
        extension.save(update_fields=["current_version", "updated"])
        record_event(
            "EXTENSION.ROLLBACK",
            acting_user=acting_user,
            resource=extension,
            client_ip=client_ip,
            description=f"{extension.name} back to version {target.number}",
        )
    return extension


def set_extension_enabled(
    extension: Extension, enabled: bool, *, acting_user, client_ip=None
) -> Extension:
    with transaction.atomic():
        extension.enabled = enabled
        extension.save(update_fields=["enabled", "updated"])
        event = "EXTENSION.ENABLE" if enabled else "EXTENSION.DISABLE"
        record_event(event, acting_user=acting_user, resource=extension, client_ip=client_ip)
    return extension


def delete_extension(extension: Extension, *, acting_user, client_ip=None) -> None:
    if extension.resource_maps.exists():
        raise ValidationError("The extension is still registered to resources.")
    with transaction.atomic():
        record_event(
            "EXTENSION.DELETE", acting_user=acting_user, resource=extension, client_ip=client_ip
        )
        extension.delete()


# -- running ------------------------------------------------------------------------------
def materialise(version: ExtensionVersion) -> Path:
    """The version's files on this node at ``extensions/<dir>/<sha256>/``, hash checked
    before every run (rewritten if missing or changed). The entry point and every file
    starting with ``#!`` are executable (e.g. CloudStack's proxmox.sh execs proxmox.py)."""
    root = (
        Path(settings.PLUGINS_DIR)
        / "extensions"
        / version.extension.directory_name
        / version.sha256
    )
    on_disk = {}
    if root.is_dir():
        for path in version.files:
            try:
                on_disk[path] = (root / path).read_text()
            except (OSError, UnicodeDecodeError):
                break
    if tree_sha256(on_disk) != version.sha256:
        shutil.rmtree(root, ignore_errors=True)
        for path, content in version.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        if tree_sha256(version.files) != version.sha256:
            raise ValidationError("The stored extension content does not match its hash.")
    (root / version.entrypoint).chmod(0o755)
    for path, content in version.files.items():  # scripts the entry point runs (no modes stored)
        if content.startswith("#!"):
            (root / path).chmod(0o755)
    return root


def mask(text: str) -> str:
    return SECRET_KEY_RE.sub(r'\1"****"', text)


def run_action(
    extension: Extension,
    action: str,
    payload: dict[str, Any],
    *,
    caller=None,
    timeout: int | None = None,
    resource_type: str = "",
    resource_id: str = "",
    require_enabled: bool = True,
) -> ExtensionRun:
    """Run ``<exe> <action> <payload-file> <timeout>`` and record the run. The payload file
    (0600, private directory) is removed when the run ends."""
    if require_enabled and not extension.enabled:
        raise ValidationError({"extension": f"Extension {extension.name} is disabled."})
    version = extension.versions.get(number=extension.current_version)
    root = materialise(version)
    timeout = timeout or extension.timeout
    base = Path(settings.PLUGINS_DIR) / "runs"
    base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{extension.directory_name}-", dir=base))
    try:
        payload_file = workdir / "payload.json"
        payload_file.touch(mode=0o600)
        payload_file.write_text(json.dumps(payload))
        result = runner.run_executable(
            [str(root / version.entrypoint), action, str(payload_file), str(timeout)],
            timeout=timeout + 5,  # the extension's own timeouts get a little room
            cwd=workdir,
            max_output=getattr(settings, "EXTENSION_MAX_OUTPUT", runner.DEFAULT_MAX_OUTPUT),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return ExtensionRun.objects.create(
        extension=extension,
        version=version.number,
        action=action[:100],
        resource_type=resource_type,
        resource_id=str(resource_id),
        exit_code=result.exit_code,
        stdout=mask(result.stdout),
        stderr=mask(result.stderr),
        duration=result.duration,
        timed_out=result.timed_out,
        truncated=result.truncated,
        caller=caller if getattr(caller, "pk", None) else None,
    )


def orchestrator_payload(
    extension: Extension,
    *,
    host: dict | None = None,
    resource_map: dict | None = None,
    vm: dict | None = None,
    vm_details: dict | None = None,
    action_details: dict | None = None,
    caller: dict | None = None,
    parameters: dict | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """CloudStack's payload layout: ``externaldetails.{extension,resourcemap,host,
    virtualmachine,action}``, ``caller``, ``virtualmachineid``/``virtualmachinename``,
    ``cloudstack.vm.details`` (VirtualMachineTO) and, for custom actions, ``action`` and
    ``parameters``. Secret details are merged in here and only ever reach the file."""
    secret = json.loads(extension.secret_details or "{}")
    vm = vm or {}
    payload: dict[str, Any] = {
        "externaldetails": {
            "extension": {**extension.details, **secret},
            "resourcemap": resource_map or {},
            "host": host or {},
            "virtualmachine": vm.get("externaldetails", {}),
            "action": action_details or {},
        },
        "caller": caller or {},
    }
    if vm:
        payload["virtualmachineid"] = vm.get("uuid", "")
        payload["virtualmachinename"] = vm.get("name", "")
        payload["cloudstack.vm.details"] = vm_details or {}
    if action is not None:
        payload["action"] = action
        payload["parameters"] = parameters or {}
    return payload


def validate_parameters(action: ExtensionCustomAction, values: dict[str, Any]) -> dict[str, Any]:
    """Check custom-action parameters by declared type, as CloudStack's runCustomAction."""
    clean, errors = {}, {}
    for spec in action.parameters:
        name, kind = spec["name"], spec.get("type", "STRING").upper()
        if name not in values or values[name] in (None, ""):
            if spec.get("required"):
                errors[name] = "This parameter is required."
            continue
        value = values[name]
        try:
            if kind == "NUMBER":
                value = float(value) if spec.get("validationformat") == "DECIMAL" else int(value)
            elif kind == "BOOLEAN":
                value = str(value).lower() in ("true", "1", "yes")
            else:
                value = str(value)
        except (TypeError, ValueError):
            errors[name] = f"Not a valid {kind.lower()}."
            continue
        options = spec.get("valueoptions")
        if options and value not in options and str(value) not in map(str, options):
            errors[name] = f"Choose one of: {', '.join(map(str, options))}."
        clean[name] = value
    unknown = set(values) - {spec["name"] for spec in action.parameters}
    if unknown:
        errors["parameters"] = f"Unknown parameters: {', '.join(sorted(unknown))}."
    if errors:
        raise ValidationError(errors)
    return clean


def test_payload_run(extension: Extension, *, acting_user=None) -> ExtensionRun:
    """Self-test: run the manifest's ``selftest`` action (default ``status``) with the
    configured details and a synthetic VM; success is exit code 0."""
    action = extension.metadata.get("selftest", {}).get("action", "status")
    payload = orchestrator_payload(
        extension,
        host=extension.metadata.get("selftest", {}).get("host", {}),
        vm={"uuid": "00000000-0000-0000-0000-000000000000", "name": "i-0-0-SELFTEST"},
        vm_details={
            "name": "i-0-0-SELFTEST",
            "cpus": 1,
            "minRam": 512 * 1024**2,
            "details": {},
            "nics": [],
        },
    )
    return run_action(extension, action, payload, caller=acting_user, require_enabled=False)


# -- packages -----------------------------------------------------------------------------
def read_package(archive: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """(manifest, files) from a zip holding ``extension.json`` or CloudStack's
    ``manifest.yaml`` (mapped field for field) plus the files."""
    files: dict[str, str] = {}
    with zipfile.ZipFile(archive) as package:
        for info in package.infolist():
            if info.is_dir():
                continue
            name = info.filename
            if name.startswith("/") or ".." in PurePosixPath(name).parts:
                raise ValidationError({"archive": f"Bad path in archive: {name}"})
            if info.file_size > MAX_FILES_BYTES:
                raise ValidationError({"archive": f"{name} is too large."})
            files[name] = package.read(info).decode("utf-8")
    if MANIFEST in files:
        manifest = json.loads(files.pop(MANIFEST))
    elif CLOUDSTACK_MANIFEST in files:
        manifest = from_cloudstack_manifest(files.pop(CLOUDSTACK_MANIFEST))
    else:
        raise ValidationError(
            {"archive": f"No {MANIFEST} or {CLOUDSTACK_MANIFEST} in the package."}
        )
    return manifest, files


def from_cloudstack_manifest(text: str) -> dict[str, Any]:
    """Map a ``cloudstack.apache.org/v1`` OrchestratorExtension manifest to ours."""
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - PyYAML ships with the dev environment
        raise ValidationError({"archive": "PyYAML is needed to read manifest.yaml."}) from exc
    data = yaml.safe_load(text) or {}
    meta, spec = data.get("metadata", {}), data.get("spec", {})
    entry = spec.get("entrypoint", {})
    return {
        "name": meta.get("name", ""),
        "description": meta.get("description", ""),
        "version": str(meta.get("version", "")),
        "type": spec.get("type", "Orchestrator"),
        "entrypoint": entry.get("path", ""),
        "requires_prepare_vm": bool(spec.get("orchestrator", {}).get("requiresPrepareVm", False)),
        "details": spec.get("details", {}) or {},
        "min_portal_version": "",
        "custom_actions": [
            {
                "name": a["name"],
                "description": a.get("description", ""),
                "resource_type": a.get("resourcetype", "VirtualMachine"),
                "allowed_role_types": a.get("allowedroletypes", []),
                "parameters": a.get("parameters", []),
                "timeout": int(a.get("timeout", 0) or 0),
                "enabled": bool(a.get("enabled", True)),
            }
            for a in spec.get("customActions", []) or []
        ],
        "metadata": {
            "maintainer": meta.get("maintainer", ""),
            "homepage": meta.get("homepage", ""),
        },
    }


def install_script_package(
    archive: Path, *, plugin_id: str, sha256: str, acting_user, report=None
) -> Extension:
    """Create the extension from a verified package, or add a new version to it."""
    manifest, files = read_package(archive)
    name = manifest.get("name") or plugin_id
    entrypoint = manifest.get("entrypoint", "")
    if manifest.get("type", ExtensionType.ORCHESTRATOR) not in ExtensionType.values:
        raise ValidationError({"type": f"Unknown extension type {manifest.get('type')!r}."})
    metadata = {
        **manifest.get("metadata", {}),
        "version": manifest.get("version", ""),
        "sha256": sha256,
    }
    if "selftest" in manifest:
        metadata["selftest"] = manifest["selftest"]
    existing = Extension.objects.filter(name=name).first()
    if existing:
        return _finish(
            update_extension(
                existing,
                acting_user=acting_user,
                files=files,
                entrypoint=entrypoint,
                comment=f"installed {manifest.get('version', '')}",
                metadata=metadata,
            ),
            report,
        )
    extension = create_extension(
        acting_user=acting_user,
        name=name,
        type=manifest.get("type", ExtensionType.ORCHESTRATOR),
        description=manifest.get("description", ""),
        files=files,
        entrypoint=entrypoint,
        requires_prepare_vm=manifest.get("requires_prepare_vm", False),
        details=manifest.get("details", {}),
        timeout=int(manifest.get("timeout", 300)),
        custom_actions=manifest.get("custom_actions", []),
        plugin_id=plugin_id,
        metadata=metadata,
    )
    return _finish(extension, report)


def _finish(extension: Extension, report) -> Extension:
    if report:
        report(90, f"Extension {extension.name} at version {extension.current_version}")
    return extension
