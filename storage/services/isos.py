"""ISO services: attach an ISO to an instance's CD-ROM drive, detach it (``iso.attach`` and
``iso.detach`` jobs, run by :mod:`storage.iso_handlers`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import InstanceState
from portal.choices import EventState
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job
from storage.choices import TemplateState
from storage.models import Template

ISO_STATES = (InstanceState.RUNNING, InstanceState.STOPPED)


def _check_instance(instance) -> None:
    if instance.removed is not None or instance.state not in ISO_STATES:
        raise ValidationError(
            {"virtualmachineid": "Please specify a VM that is either Stopped or Running."},
            code="invalid_state",
        )


def _check_iso(iso: Template, instance) -> None:
    if not iso.is_iso or iso.removed is not None:
        raise ValidationError({"id": f"Unable to find an ISO with id {iso.uuid}"})
    if iso.state != TemplateState.READY or not (iso.install_path or iso.url):
        raise ValidationError(
            {"id": f"Unable to attach ISO {iso.name}: it is not ready (state {iso.state})."},
            code="invalid_state",
        )
    if iso.zone_id is not None and iso.zone_id != instance.zone_id:
        raise ValidationError(
            {"id": f"ISO {iso.name} is not available in the zone of {instance.name}."}
        )


def attach_iso(
    iso: Template, instance, *, acting_user, forced: bool = False, client_ip: str | None = None
) -> AsyncJob:
    """Put ``iso`` into the CD-ROM drive of a running or stopped instance (live when it
    runs, at the next start otherwise). An instance holds one ISO: a second attach is
    refused unless ``forced``, which swaps the ISO."""
    _check_instance(instance)
    _check_iso(iso, instance)
    if instance.iso_id is not None and not forced:
        raise ValidationError(
            {
                "virtualmachineid": f"An ISO is already attached to VM {instance.name}; detach it "
                "first or attach with forced=true."
            },
            code="invalid_state",
        )
    with transaction.atomic():
        job = create_job(
            "iso.attach",
            acting_user=acting_user,
            resource=instance,
            params={"iso_id": iso.pk, "previous_iso_id": instance.iso_id},
        )
        record_event(
            "ISO.ATTACH",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Attaching ISO {iso.name} to {instance.name}",
        )
    return job


def detach_iso(instance, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Empty the CD-ROM drive of a running or stopped instance."""
    _check_instance(instance)
    if instance.iso_id is None:
        raise ValidationError(
            {"virtualmachineid": f"VM {instance.name} does not have an ISO attached."},
            code="invalid_state",
        )
    with transaction.atomic():
        job = create_job(
            "iso.detach",
            acting_user=acting_user,
            resource=instance,
            params={"iso_id": instance.iso_id},
        )
        record_event(
            "ISO.DETACH",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Detaching the ISO from {instance.name}",
        )
    return job
