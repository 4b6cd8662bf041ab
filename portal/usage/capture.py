"""Usage events from audit events: :func:`capture` is called by
:func:`portal.services.audit.record_event` and turns the lifecycle's completed events of
metered resources into :class:`~portal.usage.models.UsageEvent` rows, with the offering,
template and size the resource has at that moment.

Scheduled events (a job was only queued) and failed ones are skipped, except a failed
deploy, which ends the instance's allocation (its volumes were released). A deploy creates
the root (and data) volume without events of their own: ``VM.CREATE`` meters them, and
``VM.DESTROY``/``VM.RECOVER`` end and resume them, as CloudStack's usage events do.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from portal.choices import EventLevel, EventState

log = logging.getLogger(__name__)

INSTANCE_EVENTS = {
    "VM.CREATE": "VM.CREATE",
    "VM.START": "VM.START",
    "VM.POWER.ON": "VM.START",
    "VM.STOP": "VM.STOP",
    "VM.POWER.OFF": "VM.STOP",
    "VM.DESTROY": "VM.DESTROY",
    "VM.RECOVER": "VM.CREATE",
    "VM.EXPUNGE": "VM.DESTROY",
    "VM.UPGRADE": "VM.UPGRADE",
    "VM.HA": "VM.HA",
}
OTHER_EVENTS = {
    "Volume": ("VOLUME.CREATE", "VOLUME.DELETE", "VOLUME.RESIZE"),
    "IPAddress": ("NET.IPASSIGN", "NET.IPRELEASE"),
    "Snapshot": ("SNAPSHOT.CREATE", "SNAPSHOT.DELETE"),
}


def capture(event, resource: Any) -> None:
    """Write the usage events ``event`` (an audit event about ``resource``) stands for.

    Runs in a savepoint: a failure here is logged and never undoes the lifecycle change."""
    if resource is None or getattr(resource, "pk", None) is None:
        return
    kind = type(resource).__name__
    if kind != "Instance" and event.event_type not in OTHER_EVENTS.get(kind, ()):
        return
    if kind == "Instance" and event.event_type not in INSTANCE_EVENTS:
        return
    try:
        with transaction.atomic():
            if kind == "Instance":
                _instance(event, resource)
            elif event.state != EventState.SCHEDULED and event.level != EventLevel.ERROR:
                _write(event, event.event_type, _snapshot_of(kind, resource))
    except Exception:  # usage must never break the lifecycle
        log.exception("could not record usage for %s", event)


def _instance(event, instance) -> None:
    from compute.choices import InstanceState

    usage_type = INSTANCE_EVENTS[event.event_type]
    failed_deploy = (
        event.level == EventLevel.ERROR
        and event.event_type == "VM.START"
        and event.job is not None
        and event.job.command == "vm.deploy"
    )
    if failed_deploy:
        _write(event, "VM.DESTROY", _vm(instance))
        _volumes(event, instance, "VOLUME.DELETE")
        return
    if event.state == EventState.SCHEDULED and event.event_type != "VM.CREATE":
        return
    if event.level == EventLevel.ERROR:
        return
    if usage_type == "VM.HA":  # fenced: the instance is no longer running there
        state = type(instance).objects.filter(pk=instance.pk).values_list("state", flat=True)
        if state.first() == InstanceState.RUNNING:
            return
        usage_type = "VM.STOP"
    _write(event, usage_type, _vm(instance))
    if usage_type == "VM.CREATE":
        _volumes(event, instance, "VOLUME.CREATE")
    elif usage_type == "VM.DESTROY":
        _volumes(event, instance, "VOLUME.DELETE")


def _volumes(event, instance, usage_type: str) -> None:
    """Root (and deploy-time or destroyed) volumes of ``instance`` that go with it."""
    from storage.choices import VolumeState

    volumes = instance.volumes.select_related("disk_offering", "template")
    if usage_type == "VOLUME.CREATE":
        volumes = volumes.filter(removed__isnull=True).exclude(
            state__in=[VolumeState.DESTROY, VolumeState.EXPUNGED]
        )
    for volume in volumes:
        _write(event, usage_type, _volume(volume), account=instance.account)


def _write(event, usage_type: str, data: dict[str, Any], account=None) -> None:
    from portal.usage.models import UsageEvent

    account = account or data.pop("account", None)
    data.pop("account", None)
    if account is None:
        return
    UsageEvent.objects.create(
        created=event.created,
        event_type=usage_type,
        audit_event=event,
        account=account,
        domain_id=account.domain_id,
        **data,
    )


def _snapshot_of(kind: str, resource) -> dict[str, Any]:
    if kind == "Volume":
        volume = type(resource).objects.select_related("disk_offering", "template", "account")
        return _volume(volume.get(pk=resource.pk))
    if kind == "Snapshot":
        snap = type(resource).objects.select_related("volume", "account").get(pk=resource.pk)
        return {
            "account": snap.account,
            "zone_id": snap.zone_id,
            "resource_uuid": str(snap.uuid),
            "resource_name": snap.name,
            "size": snap.size,
            "details": {"volumeid": str(snap.volume.uuid)},
        }
    # IPAddress: the release event is written while the address still has its owner
    return {
        "account": resource.account,
        "zone_id": resource.zone_id,
        "resource_uuid": str(resource.uuid),
        "resource_name": resource.address,
        "details": {"issourcenat": bool(resource.is_source_nat)},
    }


def _vm(instance) -> dict[str, Any]:
    offering = instance.service_offering
    return {
        "account": instance.account,
        "zone_id": instance.zone_id,
        "resource_uuid": str(instance.uuid),
        "resource_name": instance.name,
        "offering_uuid": str(offering.uuid),
        "offering_name": offering.name,
        "template_uuid": str(instance.template.uuid) if instance.template_id else "",
        "details": {
            "hypervisor": instance.hypervisor,
            "cpunumber": instance.cpu_number,
            "cpuspeed": instance.cpu_speed,
            "memory": instance.memory,
        },
    }


def _volume(volume) -> dict[str, Any]:
    offering = volume.disk_offering
    return {
        "account": volume.account,
        "zone_id": volume.zone_id,
        "resource_uuid": str(volume.uuid),
        "resource_name": volume.name,
        "offering_uuid": str(offering.uuid) if offering else "",
        "offering_name": offering.name if offering else "",
        "template_uuid": str(volume.template.uuid) if volume.template_id else "",
        "size": volume.size,
        "details": {"volumetype": volume.volume_type},
    }
