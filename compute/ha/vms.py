"""VM HA: instances of a fenced host restart elsewhere, and never run twice.

* :func:`host_fenced` (called once a host is Fenced): the host goes Down; its instances are
  Stopped there (capacity given back) and those with HA (instance or offering) get an
  :class:`~compute.models.HAWorkItem`.
* :func:`process_work` (the periodic HA job): starts each scheduled item's instance through
  the planner (``vm.start``: capacity, tags and affinity as for any start), follows the job
  and retries up to ``VM_HA_MAX_ATTEMPTS`` times; a failure for good raises an Alert.
* :func:`stop_stale_copies` (from the heartbeat's VM sync): a VM a host reports running
  while the database has it on another host, or while it is being restarted after this host
  was fenced, is powered off on that host; the copy elsewhere is kept.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from agents.protocol.commands import StopVmCommand
from compute import capacity
from compute.choices import HostStatus, InstanceState
from compute.models import Host, Instance
from compute.models.ha import Alert, HAWorkItem, HAWorkState
from portal.choices import EventLevel
from portal.models import AsyncJob
from portal.services.audit import record_event

log = logging.getLogger(__name__)

ACTIVE = (HAWorkState.SCHEDULED, HAWorkState.STARTING)
ON_HOST = (InstanceState.RUNNING, InstanceState.STARTING, InstanceState.STOPPING)


def _max_attempts() -> int:
    return int(getattr(settings, "VM_HA_MAX_ATTEMPTS", 3))


def wants_ha(instance: Instance) -> bool:
    return bool(instance.ha_enabled or getattr(instance.service_offering, "offer_ha", False))


def host_fenced(host: Host) -> list[HAWorkItem]:
    """The host is powered off: mark it Down, stop its instances in the database and
    schedule the HA restarts (one work item per HA instance, not twice)."""
    items = []
    with transaction.atomic():
        Host.objects.filter(pk=host.pk).update(status=HostStatus.DOWN)
        instances = Instance.objects.select_for_update().filter(host=host, state__in=ON_HOST)
        for instance in instances.select_related("service_offering"):
            Instance.objects.filter(pk=instance.pk).update(
                state=InstanceState.STOPPED, host=None, last_host=host
            )
            capacity.release_host(
                host.pk,
                cpu_mhz=instance.cpu_number * instance.cpu_speed,
                memory_mib=instance.memory,
            )
            record_event(
                "VM.HA",
                acting_user=None,
                resource=instance,
                level=EventLevel.WARN,
                description=f"Host {host.name} was fenced: the instance is stopped there",
            )
            if wants_ha(instance) and not instance.ha_work.filter(state__in=ACTIVE).exists():
                items.append(
                    HAWorkItem.objects.create(
                        instance=instance, failed_host=host, reason=f"host {host.name} fenced"
                    )
                )
    return items


def _start(item: HAWorkItem) -> None:
    from compute.lifecycle import start_instance

    instance = item.instance
    if instance.state != InstanceState.STOPPED:  # started (or destroyed) by someone else
        item.state, item.reason = HAWorkState.DONE, f"instance is {instance.state}"
        return
    item.attempts += 1
    item.job = start_instance(instance, acting_user=None)
    item.state = HAWorkState.STARTING


def _follow(item: HAWorkItem) -> None:
    job = item.job
    if job is None or job.status not in ("succeeded", "failed"):
        return
    if job.status == "succeeded":
        item.state, item.reason = HAWorkState.DONE, f"restarted on {job.result.get('host')}"
        return
    item.reason = job.error_text or "start failed"
    if item.attempts >= _max_attempts():
        item.state = HAWorkState.FAILED
        Alert.objects.create(
            alert_type="ALERT_TYPE_HA_ACTION",
            name=f"HA restart of {item.instance.name} failed",
            description=f"{item.attempts} attempts: {item.reason}",
            host=item.failed_host,
            zone_id=item.instance.zone_id,
        )
    else:
        item.state = HAWorkState.SCHEDULED


def process_work() -> dict[str, int]:
    """Advance every active work item by one step; {state: items} afterwards."""
    counts: dict[str, int] = {}
    for pk in HAWorkItem.objects.filter(state__in=ACTIVE).values_list("pk", flat=True):
        with transaction.atomic():
            item = (
                HAWorkItem.objects.select_for_update(skip_locked=True)
                .select_related("instance", "job")
                .filter(pk=pk, state__in=ACTIVE)
                .first()
            )
            if item is None:
                continue
            if item.state == HAWorkState.SCHEDULED:
                _start(item)
            else:
                item.job = AsyncJob.objects.filter(pk=item.job_id).first()
                _follow(item)
            item.save(update_fields=["state", "attempts", "job", "reason", "updated"])
        counts[item.state] = counts.get(item.state, 0) + 1
    return counts


def stop_stale_copies(host: Host, running_here: set[int]) -> list[int]:
    """Power off, on ``host``, the reported-running VMs whose real copy is elsewhere (or is
    being restarted by HA after ``host`` was fenced). Returns their instance ids."""
    from compute import agent
    from compute.lifecycle import specs

    if not running_here:
        return []
    stale = list(
        Instance.objects.filter(
            pk__in=running_here, state=InstanceState.RUNNING, host__isnull=False
        ).exclude(host=host)
    )
    restarting = Instance.objects.filter(
        pk__in=running_here, ha_work__failed_host=host, ha_work__state__in=ACTIVE
    ).distinct()
    stale += [i for i in restarting if i not in stale]
    stopped = []
    for instance in stale:
        try:
            agent.send(host, StopVmCommand(vm_name=specs.vm_name(instance), forced=True))
        except Exception as exc:  # noqa: BLE001 - the next heartbeat tries again
            log.warning("could not stop the stale copy of %s on %s: %s", instance, host, exc)
            continue
        record_event(
            "VM.HA",
            acting_user=None,
            resource=instance,
            level=EventLevel.WARN,
            description=f"Stale copy on {host.name} powered off (the instance runs elsewhere)",
        )
        stopped.append(instance.pk)
    return stopped
