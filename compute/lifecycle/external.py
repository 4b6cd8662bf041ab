"""Instances on clusters of hypervisor type External: run through the cluster's script
extension with CloudStack's Orchestrator contract instead of an agent.

The lifecycle handlers call :func:`send` where they would call ``compute.agent.send``; for
a host of an External cluster the agent command becomes the extension action CloudStack
would run (``prepare`` + ``create`` on deploy, ``start``, ``stop``, ``reboot``, ``delete``).
Disk and template commands are no-ops: the orchestrator provisions storage itself.

The payload's ``externaldetails.host`` holds the host's ``url``, ``username`` and its
(encrypted) agent secret as ``token``; ``externaldetails.resourcemap`` the binding's details.
A failed action (non-zero exit, time-out, no JSON) is a :class:`JobError` carrying stderr,
so the handler rolls back as for an agent failure.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from agents.protocol import commands as c
from compute import agent
from compute.choices import Hypervisor
from compute.lifecycle import specs
from portal.services.jobs import JobError

VM = "VirtualMachine"
NO_OP = (
    c.ModifyStoragePoolCommand,
    c.CopyTemplateCommand,
    c.CreateVolumeCommand,
    c.DeleteVolumeCommand,
)


def is_external(host) -> bool:
    return host is not None and host.cluster.hypervisor == Hypervisor.EXTERNAL


def send(host, command, instance=None):
    """``agent.send`` for ordinary hosts; the bound extension for External ones."""
    if not is_external(host):
        return agent.send(host, command)
    if isinstance(command, NO_OP):
        return SimpleNamespace(result=True, details="external", path="", size_bytes=0)
    if instance is None:
        raise JobError(f"{command.name} needs the instance on External host {host.name}.")
    if isinstance(command, c.StartVmCommand):
        if not _created(instance):
            if _binding(host).extension.requires_prepare_vm:
                run(host, instance, "prepare")
            run(host, instance, "create")
        else:
            run(host, instance, "start")
    elif isinstance(command, c.StopVmCommand):
        run(host, instance, "stop")
    elif isinstance(command, c.RebootVmCommand):
        run(host, instance, "reboot")
    elif isinstance(command, c.DestroyVmCommand):
        run(host, instance, "delete")
    else:
        raise JobError(f"{command.name} is not supported on External clusters.")
    return SimpleNamespace(result=True, details="external", vnc_port=-1)


def _binding(host):
    from marketplace.services.bindings import cluster_binding

    binding = cluster_binding(host.cluster_id)
    if binding is None:
        raise JobError(f"Cluster {host.cluster.name} is not bound to an extension.")
    return binding


def _runs(instance):
    from marketplace.models import ExtensionRun

    return ExtensionRun.objects.filter(
        resource_type=VM, resource_id=str(instance.uuid), exit_code=0, timed_out=False
    )


def _created(instance) -> bool:
    """Created on the backend: a successful ``create`` after the last ``delete``."""
    last = _runs(instance).filter(action__in=("create", "delete")).order_by("-id").first()
    return last is not None and last.action == "create"


def _prepared_details(instance) -> dict[str, Any]:
    """The last ``prepare`` answer's details (CloudStack applies it as a merge patch)."""
    run_ = _runs(instance).filter(action="prepare").order_by("-id").first()
    try:
        return dict(json.loads(run_.stdout).get("details") or {}) if run_ else {}
    except (ValueError, AttributeError):
        return {}


def payload(host, instance, binding) -> dict[str, Any]:
    from marketplace.services.extensions import orchestrator_payload

    name = specs.vm_name(instance)
    vm_details = {
        "name": name,
        "uuid": str(instance.uuid),
        "cpus": instance.cpu_number,
        "speed": instance.cpu_speed,
        "minRam": instance.memory * 1024**2,
        "maxRam": instance.memory * 1024**2,
        "hostName": instance.display_name or instance.name,
        "details": _prepared_details(instance),
        "nics": [
            {"deviceId": n.device_id, "mac": n.mac_address, "ip": n.ip_address or ""}
            for n in instance.nics.order_by("device_id")
        ],
    }
    return orchestrator_payload(
        binding.extension,
        host={
            "id": str(host.uuid),
            "name": host.name,
            "url": host.url,
            "username": host.username,
            "token": host.agent_secret or "",
        },
        resource_map=binding.details,
        vm={"uuid": str(instance.uuid), "name": name},
        vm_details=vm_details,
        caller={"id": str(instance.account_id), "name": instance.account.name},
    )


def run(host, instance, action: str):
    """Run one Orchestrator action for ``instance``; a failure raises with its stderr."""
    from django.core.exceptions import ValidationError

    from marketplace.services.extensions import run_action

    binding = _binding(host)
    extension = binding.extension
    try:
        result = run_action(
            extension,
            action,
            payload(host, instance, binding),
            resource_type=VM,
            resource_id=str(instance.uuid),
        )
    except ValidationError as exc:  # disabled extension, bad stored content
        raise JobError(f"Extension {extension.name}: {' '.join(exc.messages)}") from exc
    if not result.success:
        reason = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        output = (result.stderr or result.stdout).strip()[-1500:]
        raise JobError(f"Extension {extension.name} {action} failed ({reason}): {output}")
    return result
