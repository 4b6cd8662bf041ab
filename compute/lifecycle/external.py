"""Instances on clusters of hypervisor type External: run through the cluster's script
extension with CloudStack's Orchestrator contract instead of an agent.

The lifecycle handlers call :func:`send` where they would call ``compute.agent.send``; for
a host of an External cluster the agent command becomes the extension action CloudStack
would run (``prepare`` + ``create`` on deploy, ``start``, ``stop``, ``reboot``, ``delete``).
Disk and template commands are no-ops: the orchestrator provisions storage itself.

The payload is CloudStack 4.21's (:func:`payload`): ``externaldetails.host`` holds the
host's stored externaldetails, ``externaldetails.virtualmachine`` the template's (and the
instance's) ``External:`` details, ``externaldetails.resourcemap`` the binding's details.
A failed action (non-zero exit, time-out, no JSON) is a :class:`JobError` carrying stderr,
so the handler rolls back as for an agent failure.
"""

from __future__ import annotations

import json
import re
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
                apply_prepare(instance, run(host, instance, "prepare"))
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


def _broadcast_uri(nic) -> str:
    """``vlan://N`` as CloudStack sends it (a bare VLAN number gets the scheme)."""
    uri = nic.broadcast_uri or getattr(nic.network, "vlan", "") or ""
    return f"vlan://{uri}" if uri and "://" not in uri else uri


def nic_to(nic) -> dict[str, Any]:
    """A NicTO as CloudStack serialises it in ``cloudstack.vm.details.nics``."""
    return {
        "deviceId": nic.device_id,
        "uuid": str(nic.uuid),
        "mac": nic.mac_address,
        "ip": nic.ip_address or "",
        "netmask": nic.netmask or "",
        "gateway": nic.gateway or "",
        "broadcastUri": _broadcast_uri(nic),
        "broadcastType": "Vlan",
        "type": "Guest",
        "defaultNic": nic.is_default,
        "networkUuid": str(nic.network.uuid),
    }


def caller_details(user, instance) -> dict[str, Any]:
    """``caller``: the account acting (CloudStack's id, name, type and role)."""
    account = getattr(user, "account", None) or instance.account
    role = getattr(account, "role", None)
    return {
        "id": str(account.uuid),
        "name": account.name,
        "type": getattr(account, "account_type", ""),
        "roleid": str(role.uuid) if role else "",
        "rolename": role.name if role else "",
        "roletype": role.role_type if role else "",
    }


MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def apply_prepare(instance, result) -> None:
    """CloudStack applies ``prepare``'s answer as a merge patch onto the VirtualMachineTO:
    its ``details`` are sent back on every later action (:func:`_prepared_details`) and NIC
    MACs it assigns (``nics[]`` matched by ``uuid`` or ``deviceId``) become the NICs' MACs,
    e.g. the real MACs of a bare-metal machine."""
    from networking.models import Nic

    try:
        answer = json.loads(result.stdout) if result.stdout.strip() else {}
    except ValueError:
        return
    nics = answer.get("nics") if isinstance(answer, dict) else None
    if not isinstance(nics, list):
        return
    mine = list(instance.nics.all())
    by_uuid = {str(n.uuid): n for n in mine}
    by_device = {n.device_id: n for n in mine}
    for entry in nics:
        if not isinstance(entry, dict):
            continue
        nic = by_uuid.get(str(entry.get("uuid"))) or by_device.get(entry.get("deviceId"))
        mac = str(entry.get("mac") or "").lower()
        if nic is None or not MAC_RE.match(mac) or mac == nic.mac_address:
            continue
        if Nic.objects.filter(mac_address=mac).exclude(pk=nic.pk).exists():
            raise JobError(f"prepare assigned MAC {mac}, which another NIC already has.")
        Nic.objects.filter(pk=nic.pk).update(mac_address=mac)


def payload(
    host,
    instance,
    binding,
    *,
    custom=None,
    parameters: dict[str, Any] | None = None,
    caller=None,
) -> dict[str, Any]:
    """CloudStack 4.21's payload: ``externaldetails`` (extension, resourcemap, host,
    virtualmachine, action), ``caller``, ``virtualmachineid``/``virtualmachinename`` and the
    VirtualMachineTO in ``cloudstack.vm.details``; ``action``/``parameters`` for custom
    actions."""
    from compute.services.external import host_external_details
    from marketplace.services.extensions import orchestrator_payload
    from storage.services.external_templates import template_external_details

    name = specs.vm_name(instance)
    memory = instance.memory * 1024**2
    template = instance.template
    vm_details = {
        "name": name,
        "uuid": str(instance.uuid),
        "displayName": instance.display_name or instance.name,
        "hostName": instance.display_name or instance.name,
        "type": "User",
        "state": instance.state,
        "cpus": instance.cpu_number,
        "minSpeed": instance.cpu_speed,
        "maxSpeed": instance.cpu_speed,
        "minRam": memory,
        "maxRam": memory,
        "arch": "x86_64",
        "os": getattr(getattr(template, "os_type", None), "description", "") or "",
        "templateId": str(template.uuid) if template else "",
        "details": _prepared_details(instance),
        "nics": [nic_to(n) for n in instance.nics.select_related("network").order_by("device_id")],
    }
    virtual_machine = {  # template < offering < instance, as CloudStack layers them
        **template_external_details(template),
        **(instance.service_offering.external_details or {}),
        **json.loads(instance.external_details or "{}"),
    }
    return orchestrator_payload(
        binding.extension,
        host=host_external_details(host),
        resource_map=binding.details,
        vm={"uuid": str(instance.uuid), "name": name, "externaldetails": virtual_machine},
        vm_details=vm_details,
        action_details=(custom.details or {}) if custom is not None else None,
        caller=caller_details(caller, instance),
        parameters=parameters,
        action=custom.name if custom is not None else None,
    )


def run(host, instance, action: str, *, custom=None, parameters=None, caller=None, check=True):
    """Run one Orchestrator action for ``instance``; with ``check`` a failure raises with
    its stderr (a custom action's failure is answered, not raised)."""
    from django.core.exceptions import ValidationError

    from marketplace.services.extensions import run_action

    binding = _binding(host)
    extension = binding.extension
    timeout = (custom.timeout or None) if custom is not None else None
    try:
        result = run_action(
            extension,
            action,
            payload(host, instance, binding, custom=custom, parameters=parameters, caller=caller),
            resource_type=VM,
            resource_id=str(instance.uuid),
            caller=caller,
            timeout=timeout,
        )
    except ValidationError as exc:  # disabled extension, bad stored content
        raise JobError(f"Extension {extension.name}: {' '.join(exc.messages)}") from exc
    if check and not result.success:
        reason = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        output = (result.stderr or result.stdout).strip()[-1500:]
        raise JobError(f"Extension {extension.name} {action} failed ({reason}): {output}")
    return result
