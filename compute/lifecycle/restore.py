"""Restore (reinstall) an instance: a fresh root disk from its template, or another one,
keeping the instance, its NICs and data disks (CloudStack's restoreVirtualMachine).

The job stops the instance if it runs, creates the new root volume on the old one's pool,
deletes the old volume on the hypervisor and starts the instance again if it was running.
Until the new disk exists nothing is lost: a failure there leaves the old root disk in place.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents.protocol import commands as c
from compute.choices import InstanceState
from compute.lifecycle import external, specs
from compute.lifecycle.handlers import _load, create_volume, start_instance_job
from compute.lifecycle.operations import _schedule
from compute.lifecycle.ops_handlers import _host_for_cleanup, _power_off
from compute.lifecycle.states import set_state
from compute.models import Instance
from portal.choices import EventLevel
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import TemplateState, VolumeState, VolumeType
from storage.models import Template, Volume
from storage.services.template_copy import available_in
from storage.volume_handlers import forget_snapshots


def _root(instance: Instance) -> Volume | None:
    return (
        instance.volumes.filter(volume_type=VolumeType.ROOT, removed__isnull=True)
        .select_related("pool")
        .first()
    )


def restore_instance(
    instance: Instance, *, acting_user, template: Template | None = None, client_ip=None
) -> AsyncJob:
    """Schedule the reinstall of ``instance``'s root disk from ``template`` (default: the
    template it was deployed from). Allowed while Running or Stopped."""
    template = template or instance.template
    errors: dict[str, str] = {}
    if template is None:
        errors["template"] = "The instance has no template; give one to restore from."
    elif template.is_iso:
        errors["template"] = "An instance cannot be restored from an ISO."
    elif template.state != TemplateState.READY or template.removed:
        errors["template"] = f"Template {template.name} is not ready ({template.state})."
    elif not available_in(template, instance.zone_id):
        errors["template"] = f"Template {template.name} is not available in this zone."
    root = _root(instance)
    if root is None or root.pool_id is None or root.state != VolumeState.READY:
        errors["instance"] = "The instance has no root disk on primary storage to replace."
    if errors:
        raise ValidationError(errors)
    return _schedule(
        instance,
        "restore",
        "vm.restore",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.RESTORE",
        params={
            "template_id": template.pk,
            "was_running": instance.state == InstanceState.RUNNING,
        },
    )


def _new_root(instance: Instance, old: Volume, template: Template) -> Volume:
    return Volume.objects.create(
        name=old.name,
        volume_type=VolumeType.ROOT,
        size=max(old.size, template.size or 0),
        template=template,
        device_id=0,
        format=old.format,
        account=old.account,
        domain=old.domain,
        zone=old.zone,
        pool=old.pool,
        instance=instance,
        state=VolumeState.ALLOCATED,
    )


def _fail(instance: Instance, job, exc: Exception) -> None:
    set_state(instance, InstanceState.STOPPED)
    record_event(
        "VM.RESTORE",
        acting_user=job.user,
        resource=instance,
        job=job,
        level=EventLevel.ERROR,
        description=f"Restore failed, the old root disk is kept: {exc}",
    )


@job_handler("vm.restore")
def restore_instance_job(job, report) -> dict:
    instance = _load(job)
    template = Template.objects.get(pk=job.params["template_id"])
    if job.params.get("was_running"):
        report(10, "Stopping")
        try:
            _power_off(instance, forced=False)
        except JobError:
            set_state(instance, InstanceState.RUNNING)
            raise
    old = _root(instance)
    host = _host_for_cleanup(instance, old)
    new = None
    try:
        if host is None:
            raise JobError("No Up host can reach the instance's primary storage.", code=530)
        with transaction.atomic():
            old.device_id = None
            Volume.objects.filter(pk=old.pk).update(device_id=None)
            new = _new_root(instance, old, template)
        report(40, f"Creating a root disk from {template.name}")
        answer = create_volume(host, new, report)
    except Exception as exc:
        with transaction.atomic():
            if new is not None:
                Volume.objects.filter(pk=new.pk).update(
                    state=VolumeState.EXPUNGED, removed=timezone.now(), instance=None
                )
            Volume.objects.filter(pk=old.pk).update(device_id=0)
            _fail(instance, job, exc)
        raise
    report(60, "Removing the old root disk")
    try:
        external.send(
            host,
            c.DeleteVolumeCommand(pool=specs.pool_name(old.pool), volume=specs.volume_name(old)),
        )
    except JobError as exc:  # the new disk is in place: leave the old file to the operator
        report(65, f"Could not delete the old root disk on {host.name}: {exc}")
    with transaction.atomic():
        Volume.objects.filter(pk=new.pk).update(state=VolumeState.READY, path=answer.path)
        Volume.objects.filter(pk=old.pk).update(
            state=VolumeState.EXPUNGED, removed=timezone.now(), instance=None
        )
        forget_snapshots([old.pk])
        Instance.objects.filter(pk=instance.pk).update(template=template)
        set_state(instance, InstanceState.STOPPED)
        record_event(
            "VM.RESTORE",
            acting_user=job.user,
            resource=instance,
            job=job,
            description=f"Root disk reinstalled from {template.name}",
        )
    if job.params.get("was_running"):
        set_state(instance, InstanceState.STARTING)
        start_instance_job(job, report)
    return {"instance": str(instance.uuid), "template": str(template.uuid), "state": instance.state}
