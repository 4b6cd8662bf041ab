"""Power-state sync of the instances on External hosts, through their cluster's extension.

CloudStack asks an Orchestrator extension for ``statuses`` (every instance of a host in one
answer: ``{"status": "success", "power_state": {"<vm name>": "poweron"|"poweroff"}}``) and,
when the extension does not support it (an error, a non-zero exit), runs ``status`` for each
instance (``{"power_state": "poweron"}``). Instances found powered off out of band become
Stopped (their capacity is given back), instances found running become Running, exactly as
for an agent's VM report (:func:`compute.host_handlers.reconcile_power_states`). A state
the extension cannot tell (``unknown``, a failed ``status``) changes nothing.

External hosts have no agent to ping: like CloudStack, which runs their "resource" inside
the management server, they stay Up while the portal runs (:func:`keep_up`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db.models import Q
from django.utils import timezone

from compute.choices import HostStatus, Hypervisor, InstanceState, ResourceState
from compute.lifecycle import specs
from compute.models import Host, Instance

log = logging.getLogger(__name__)
POWER = {"poweron": "running", "poweroff": "stopped"}


def keep_up() -> int:
    """Mark External hosts Up with a fresh heartbeat (one UPDATE); returns how many."""
    return (
        Host.objects.filter(hypervisor=Hypervisor.EXTERNAL)
        .exclude(resource_state=ResourceState.MAINTENANCE)
        .update(last_ping=timezone.now(), status=HostStatus.UP)
    )


def _power(value: Any) -> str | None:
    return POWER.get(str(value).strip().lower()) if value is not None else None


def _answer(run) -> dict[str, Any] | None:
    if run is None or not run.success:
        return None
    try:
        answer = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _bulk(host, binding) -> dict[str, str] | None:
    """``statuses``: {vm name: running|stopped}, None when the extension cannot answer."""
    from compute.services.external import host_external_details
    from marketplace.services.extensions import orchestrator_payload, run_action

    payload = orchestrator_payload(
        binding.extension, host=host_external_details(host), resource_map=binding.details
    )
    run = run_action(
        binding.extension, "statuses", payload, resource_type="Host", resource_id=str(host.uuid)
    )
    answer = _answer(run)
    states = (answer or {}).get("power_state")
    if not isinstance(states, dict) or str(answer.get("status", "success")) != "success":
        return None
    return {name: _power(value) for name, value in states.items() if _power(value)}


def _one(host, instance) -> str | None:
    """``status`` of one instance: running, stopped or None (unknown)."""
    from compute.lifecycle import external

    try:
        run = external.run(host, instance, "status", check=False)
    except Exception:  # disabled extension, bad content: tell nothing
        log.warning("status of %s on %s could not run", instance, host, exc_info=True)
        return None
    answer = _answer(run)
    return _power((answer or {}).get("power_state")) if answer else None


def sync_host(host: Host) -> int:
    """Reconcile the power states of ``host``'s instances; returns how many changed."""
    from compute.host_handlers import reconcile_power_states
    from marketplace.services.bindings import cluster_binding

    binding = cluster_binding(host.cluster_id)
    if binding is None or not binding.extension.enabled:
        return 0
    instances = list(
        Instance.objects.filter(
            Q(host=host, state=InstanceState.RUNNING)
            | Q(last_host=host, host__isnull=True, state=InstanceState.STOPPED)
        )
    )
    if not instances:
        return 0
    known = {
        specs.vm_name(i): "running" if i.state == InstanceState.RUNNING else "stopped"
        for i in instances
    }
    reported = _bulk(host, binding)
    if reported is not None:
        # absent from the host's full report: not running there
        states = {name: reported.get(name, "stopped") for name in known}
    else:
        states = dict(known)
        for instance in instances:
            state = _one(host, instance)
            if state is not None:
                states[specs.vm_name(instance)] = state
    if states == known:
        return 0
    return reconcile_power_states(host, states)


def sync_all() -> dict[str, int]:
    """Sync every Up External host (errors of one host do not stop the others)."""
    synced = changed = 0
    hosts = Host.objects.filter(hypervisor=Hypervisor.EXTERNAL, status=HostStatus.UP).exclude(
        resource_state=ResourceState.MAINTENANCE
    )
    for host in hosts.select_related("cluster"):
        try:
            changed += sync_host(host)
            synced += 1
        except Exception:
            log.exception("power-state sync of External host %s failed", host.name)
    return {"hosts": synced, "changed": changed}
