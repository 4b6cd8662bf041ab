"""Custom actions of Orchestrator extensions (CloudStack's ``addCustomAction``,
``updateCustomAction``, ``deleteCustomAction`` and ``runCustomAction``).

An action has typed parameters (STRING, NUMBER, BOOLEAN, DATE with a validation format and
value options), the role types allowed to run it, messages with ``{{actionName}}``,
``{{extensionName}}`` and ``{{resourceName}}`` and a timeout. Running one is a job: the
extension is called with the action's name, the instance's payload plus ``action``,
``parameters`` (validated) and ``externaldetails.action``; the job's answer is CloudStack's
``{success, result: {message, details}}``.
"""

from __future__ import annotations

import json
import uuid as uuid_module
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from marketplace.choices import ExtensionType, ParameterType
from marketplace.models import Extension, ExtensionCustomAction
from portal.choices import RoleType
from portal.services.audit import record_event
from portal.services.jobs import create_job, job_handler

VM = "VirtualMachine"
RESOURCE_TYPES = (VM,)
FORMATS = {
    ParameterType.STRING: ("NONE", "UUID", "EMAIL", "PASSWORD", "URL"),
    ParameterType.NUMBER: ("NONE", "DECIMAL"),
    ParameterType.BOOLEAN: ("NONE",),
    ParameterType.DATE: ("NONE",),
}
JOB = "extension.custom_action"


def _choice(value: str, choices, field: str) -> str:
    for choice in choices:
        if choice.lower() == str(value).strip().lower():
            return choice
    raise ValidationError({field: f"{value!r} is not one of: {', '.join(choices)}."})


def check_role_types(values) -> list[str]:
    return [_choice(v, RoleType.values, "allowedroletypes") for v in values or []]


def check_parameters(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Normalise parameter declarations: name, type, validationformat, valueoptions,
    required."""
    clean, seen = [], set()
    for spec in specs or []:
        name = str(spec.get("name", "")).strip()
        if not name:
            raise ValidationError({"parameters": "Every parameter needs a name."})
        if name in seen:
            raise ValidationError({"parameters": f"Parameter {name} is declared twice."})
        seen.add(name)
        kind = _choice(spec.get("type") or "STRING", ParameterType.values, "parameters")
        fmt = _choice(spec.get("validationformat") or "NONE", FORMATS[kind], "parameters")
        options = spec.get("valueoptions") or []
        if isinstance(options, str):
            options = [o.strip() for o in options.split(",") if o.strip()]
        if options and kind not in (ParameterType.STRING, ParameterType.NUMBER):
            raise ValidationError({"parameters": f"{name}: value options need STRING or NUMBER."})
        required = spec.get("required", False)
        if isinstance(required, str):
            required = required.strip().lower() == "true"
        item = {"name": name, "type": kind, "validationformat": fmt, "required": bool(required)}
        if options:
            item["valueoptions"] = options
        clean.append(item)
    return clean


def add_custom_action(
    extension: Extension, *, acting_user, client_ip: str | None = None, **fields: Any
) -> ExtensionCustomAction:
    """Declare a custom action (Admin only unless ``allowed_role_types`` says more)."""
    if extension.type != ExtensionType.ORCHESTRATOR:
        raise ValidationError({"extensionid": "Only Orchestrator extensions have actions."})
    fields["resource_type"] = _choice(
        fields.get("resource_type") or VM, RESOURCE_TYPES, "resourcetype"
    )
    fields["allowed_role_types"] = check_role_types(
        fields.get("allowed_role_types") or [RoleType.ADMIN]
    )
    fields["parameters"] = check_parameters(fields.get("parameters") or [])
    if extension.custom_actions.filter(name=fields.get("name")).exists():
        raise ValidationError({"name": f"{extension.name} already has an action of that name."})
    action = ExtensionCustomAction(extension=extension, **fields)
    action.full_clean()
    with transaction.atomic():
        action.save()
        record_event(
            "EXTENSION.CUSTOM.ACTION.ADD",
            acting_user=acting_user,
            resource=extension,
            client_ip=client_ip,
            description=f"{extension.name}: {action.name}",
        )
    return action


def update_custom_action(
    action: ExtensionCustomAction,
    *,
    acting_user,
    client_ip: str | None = None,
    cleanup_parameters: bool = False,
    cleanup_details: bool = False,
    **changes: Any,
) -> ExtensionCustomAction:
    """Change an action; ``parameters``/``details`` replace the old ones, the cleanup flags
    remove them."""
    if "resource_type" in changes:
        changes["resource_type"] = _choice(changes["resource_type"], RESOURCE_TYPES, "resourcetype")
    if "allowed_role_types" in changes:
        changes["allowed_role_types"] = check_role_types(changes["allowed_role_types"])
    if "parameters" in changes:
        changes["parameters"] = check_parameters(changes["parameters"])
    elif cleanup_parameters:
        changes["parameters"] = []
    if "details" not in changes and cleanup_details:
        changes["details"] = {}
    for field, value in changes.items():
        setattr(action, field, value)
    action.full_clean()
    with transaction.atomic():
        action.save()
        record_event(
            "EXTENSION.CUSTOM.ACTION.UPDATE",
            acting_user=acting_user,
            resource=action.extension,
            client_ip=client_ip,
            description=f"{action.extension.name}: {action.name}",
        )
    return action


def delete_custom_action(
    action: ExtensionCustomAction, *, acting_user, client_ip: str | None = None
) -> None:
    with transaction.atomic():
        record_event(
            "EXTENSION.CUSTOM.ACTION.DELETE",
            acting_user=acting_user,
            resource=action.extension,
            client_ip=client_ip,
            description=f"{action.extension.name}: {action.name}",
        )
        action.delete()


# -- who may see and run an action --------------------------------------------------------
def role_type(user) -> str:
    account = getattr(user, "account", None)
    role = getattr(account, "role", None)
    return getattr(role, "role_type", "") or RoleType.USER


def allowed(action: ExtensionCustomAction, user) -> bool:
    """Admins run everything; others need their role type in the action's list."""
    kind = role_type(user)
    return kind == RoleType.ADMIN or kind in (action.allowed_role_types or [])


def visible_actions(user):
    """The actions ``user`` may list: all for admins, else the enabled ones allowed to its
    role type (on an enabled extension)."""
    qs = ExtensionCustomAction.objects.select_related("extension")
    kind = role_type(user)
    if kind == RoleType.ADMIN:
        return qs
    ids = [
        a.pk
        for a in qs.filter(enabled=True, extension__enabled=True)
        if kind in (a.allowed_role_types or [])
    ]
    return qs.filter(pk__in=ids)


def _typed(spec: dict[str, Any], value: Any) -> Any:
    """One value checked against its declaration (after the base type conversion)."""
    fmt = spec.get("validationformat", "NONE")
    if spec.get("type") == ParameterType.DATE:
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise ValueError("not a date (YYYY-MM-DD)") from None
    if fmt == "UUID":
        return str(uuid_module.UUID(str(value)))
    if fmt == "EMAIL" and ("@" not in str(value) or " " in str(value)):
        raise ValueError("not an e-mail address")
    if fmt == "URL" and "://" not in str(value):
        raise ValueError("not a URL")
    return value


def validate(action: ExtensionCustomAction, values: dict[str, Any]) -> dict[str, Any]:
    """Parameters converted and checked by type and format (field errors otherwise)."""
    from marketplace.services.extensions import validate_parameters

    clean = validate_parameters(action, values)
    errors = {}
    for spec in action.parameters:
        if spec["name"] in clean:
            try:
                clean[spec["name"]] = _typed(spec, clean[spec["name"]])
            except ValueError as exc:
                errors[spec["name"]] = f"Invalid value: {exc}."
    if errors:
        raise ValidationError(errors)
    return clean


def request_run(
    action: ExtensionCustomAction,
    instance,
    parameters: dict[str, Any],
    *,
    acting_user,
    client_ip: str | None = None,
):
    """Check everything CloudStack checks, then enqueue the run; returns the job."""
    from compute.lifecycle.external import is_external
    from marketplace.services.bindings import cluster_binding

    extension = action.extension
    if not action.enabled:
        raise ValidationError({"customactionid": f"Custom action {action.name} is disabled."})
    if not extension.enabled:
        raise ValidationError({"customactionid": f"Extension {extension.name} is disabled."})
    if not allowed(action, acting_user):
        raise PermissionDenied(f"Your role may not run {action.name}.")
    host = instance.host or getattr(instance, "last_host", None)
    if not is_external(host):
        raise ValidationError({"resourceid": "The instance is not on an External cluster."})
    binding = cluster_binding(host.cluster_id)
    if binding is None or binding.extension_id != extension.pk:
        raise ValidationError(
            {"resourceid": f"The instance's cluster is not registered with {extension.name}."}
        )
    clean = validate(action, parameters)
    with transaction.atomic():
        return create_job(
            JOB,
            acting_user=acting_user,
            resource=instance,
            params={
                "action_id": action.pk,
                "host_id": host.pk,
                "instance_id": instance.pk,
                "parameters": clean,
                "client_ip": client_ip,
            },
        )


def _message(template: str, action: ExtensionCustomAction, instance) -> str:
    for key, value in (
        ("{{actionName}}", action.name),
        ("{{extensionName}}", action.extension.name),
        ("{{resourceName}}", instance.display_name or instance.name),
    ):
        template = template.replace(key, value)
    return template


@job_handler(JOB)
def run_job(job, report) -> dict[str, Any]:
    """Run the action; the answer is CloudStack's ``customactionresult``."""
    from compute.lifecycle import external
    from compute.models import Host, Instance

    action = ExtensionCustomAction.objects.select_related("extension").get(
        pk=job.params["action_id"]
    )
    instance = Instance.objects.get(pk=job.params["instance_id"])
    host = Host.objects.get(pk=job.params["host_id"])
    report(30, f"Running {action.name} of {action.extension.name}")
    run = external.run(
        host,
        instance,
        action.name,
        custom=action,
        parameters=job.params.get("parameters") or {},
        caller=job.user,
        check=False,
    )
    answer = run.stdout.strip()
    try:
        output = json.loads(answer) if answer else {}
    except ValueError:
        output = {}
    output = output if isinstance(output, dict) else {"message": output}
    if run.success:
        default = action.success_message or "Successfully completed {{actionName}}"
        shown = output.get("message") if str(output.get("printmessage")) == "true" else None
        message = shown if shown is not None else _message(default, action, instance)
    else:
        default = action.error_message or "Failed to complete {{actionName}}"
        message = output.get("error") or _message(default, action, instance)
    result = {
        "id": str(action.uuid),
        "name": action.name,
        "success": run.success,
        "result": {"message": message, "details": answer[-4000:] if not run.success else ""},
    }
    return {"cloudstack_result": {"customactionresult": result}}
