"""Job handlers for attachIso/detachIso (run by the Celery worker).

A running instance gets the CD-ROM change live through its host's agent (``attach_disk`` /
``detach_disk`` with an ``iso`` disk); a stopped one only records it and gets the ISO at its
next start (``compute.lifecycle.specs.vm_spec``). A failed swap puts the previous ISO back.
"""

from __future__ import annotations

import logging

from agents.protocol import commands as c
from compute import agent
from compute.choices import InstanceState
from compute.lifecycle import specs
from compute.models import Instance
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.models import Template

log = logging.getLogger(__name__)


def _instance(job) -> Instance:
    return Instance.objects.select_related("host", "iso").get(uuid=job.resource_id)


def _live_host(instance: Instance):
    if instance.state not in (InstanceState.RUNNING, InstanceState.STOPPED):
        raise JobError(f"Instance {instance.name} is {instance.state}; try again.", code=431)
    if instance.state != InstanceState.RUNNING:
        return None
    if instance.host is None:
        raise JobError(f"Instance {instance.name} runs on no known host.")
    return instance.host


def _send(host, instance: Instance, iso: Template, *, attach: bool) -> None:
    cls = c.AttachDiskCommand if attach else c.DetachDiskCommand
    agent.send(host, cls(vm_name=specs.vm_name(instance), disk=specs.iso_disk_spec(iso)))


def _event(job, instance: Instance, description: str, *, kind: str, failed: bool = False):
    record_event(
        kind,
        acting_user=job.user,
        resource=instance,
        job=job,
        level=EventLevel.ERROR if failed else EventLevel.INFO,
        description=description,
    )


@job_handler("iso.attach")
def attach_iso_job(job, report) -> dict:
    """Swap out the previous ISO (forced attach), put the new one in, record it."""
    instance = _instance(job)
    iso = Template.objects.get(pk=job.params["iso_id"])
    previous = instance.iso
    host = _live_host(instance)
    try:
        if host is not None:
            if previous is not None:
                report(30, f"Ejecting ISO {previous.name} from {instance.name}")
                _send(host, instance, previous, attach=False)
            report(60, f"Attaching ISO {iso.name} to {instance.name} on {host.name}")
            try:
                _send(host, instance, iso, attach=True)
            except JobError:
                if previous is not None:
                    try:
                        _send(host, instance, previous, attach=True)
                    except JobError:
                        log.warning("could not put ISO %s back into %s", previous.pk, instance.pk)
                raise
        Instance.objects.filter(pk=instance.pk).update(iso=iso)
    except JobError as exc:
        _event(
            job, instance, f"Attach of ISO {iso.name} failed: {exc}", kind="ISO.ATTACH", failed=True
        )
        raise
    _event(job, instance, f"Attached ISO {iso.name} to {instance.name}", kind="ISO.ATTACH")
    return {"instance": str(instance.uuid), "iso": str(iso.uuid)}


@job_handler("iso.detach")
def detach_iso_job(job, report) -> dict:
    """Eject the ISO (live when the instance runs) and forget it."""
    instance = _instance(job)
    iso = instance.iso
    if iso is None:
        return {"instance": str(instance.uuid), "iso": None}
    host = _live_host(instance)
    try:
        if host is not None:
            report(50, f"Ejecting ISO {iso.name} from {instance.name} on {host.name}")
            _send(host, instance, iso, attach=False)
        Instance.objects.filter(pk=instance.pk, iso=iso).update(iso=None)
    except JobError as exc:
        _event(
            job, instance, f"Detach of ISO {iso.name} failed: {exc}", kind="ISO.DETACH", failed=True
        )
        raise
    _event(job, instance, f"Detached ISO {iso.name} from {instance.name}", kind="ISO.DETACH")
    return {"instance": str(instance.uuid), "iso": str(iso.uuid)}
