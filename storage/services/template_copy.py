"""copyTemplate/copyIso: make a zoned template usable in more zones by copying its image to
each destination zone's secondary storage (the ``template.copy`` job in
:mod:`storage.template_copy_handlers`), as upstream's copy between image stores does.
A cross-zone template is in every zone already; copies are :class:`TemplateZone` rows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.choices import EventState
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job
from storage.choices import TemplateState
from storage.models import ImageStore, Template, TemplateZone


def available_in(template: Template, zone_id: int) -> bool:
    """Whether instances of ``zone_id`` may use ``template``."""
    if template.zone_id is None or template.zone_id == zone_id:
        return True
    return template.zone_copies.filter(zone_id=zone_id).exists()


def image_location(template: Template, zone_id: int | None) -> str:
    """Where hosts of ``zone_id`` read the image: the zone's copy, else the original."""
    if zone_id is not None and template.zone_id not in (None, zone_id):
        copy = template.zone_copies.filter(zone_id=zone_id).first()
        if copy is not None:
            return copy.install_path
    return template.install_path or template.url


def copy_template(
    template: Template, *, acting_user, destinations: list, source_zone=None, client_ip=None
) -> AsyncJob:
    """Copy ``template`` from its zone (``source_zone``, when given, must be it) to each zone
    of ``destinations``; enqueues ``template.copy``."""
    kind = "ISO" if template.is_iso else "template"
    if not destinations:
        raise ValidationError({"destzoneid": "Please specify a valid destination zone."})
    if template.zone_id is None:
        raise ValidationError(
            {"id": f"The {kind} {template.name} is cross-zone: it is available in every zone."}
        )
    if source_zone is not None and source_zone.pk != template.zone_id:
        raise ValidationError(
            {"sourcezoneid": f"The {kind} {template.name} is not in zone {source_zone.name}."}
        )
    if template.state != TemplateState.READY or not template.install_path:
        raise ValidationError(
            {
                "id": f"The {kind} {template.name} is not ready (state {template.state}); "
                "it cannot be copied yet."
            },
            code="invalid_state",
        )
    for zone in destinations:
        if zone.pk == template.zone_id:
            raise ValidationError(
                {"destzoneid": "Please specify different source and destination zones."}
            )
        if TemplateZone.objects.filter(template=template, zone=zone).exists():
            raise ValidationError(
                {"destzoneid": f"The {kind} {template.name} is already in zone {zone.name}."}
            )
        if not ImageStore.objects.filter(zone=zone, read_only=False).exists():
            raise ValidationError(
                {"destzoneid": f"Zone {zone.name} has no secondary storage to copy to."}
            )
    with transaction.atomic():
        job = create_job(
            "template.copy",
            acting_user=acting_user,
            resource=template,
            params={"zone_ids": [z.pk for z in destinations]},
        )
        record_event(
            "ISO.COPY" if template.is_iso else "TEMPLATE.COPY",
            acting_user=acting_user,
            resource=template,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Copying {template.name} to " + ", ".join(z.name for z in destinations),
        )
    return job
