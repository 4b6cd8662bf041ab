"""createTemplate: a private template from a volume or a volume snapshot.

The service checks the source and the caller's template limit and writes the template row
(NotUploaded); the ``template.create`` job (:mod:`storage.template_handlers`) has a host
that reaches the volume's pool write the image to secondary storage with the agent's
``create_template_from_volume``, as upstream's CopyCommand to the host or SSVM does.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import InstanceState
from portal.choices import EventState, ResourceType
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import check_limit
from storage.choices import TemplateState, VolumeState
from storage.models import Snapshot, SnapshotState, Template, Volume
from storage.services.templates import _check_admin_flags
from storage.volume_handlers import host_for_pool


def _source_volume(volume: Volume | None, snapshot: Snapshot | None) -> Volume:
    if (volume is None) == (snapshot is None):
        raise ValidationError(
            {
                "volumeid": "Failed to create private template record, please specify only one "
                "of volume ID (volumeid) and snapshot ID (snapshotid)"
            }
        )
    if snapshot is not None:
        if snapshot.removed is not None or snapshot.state != SnapshotState.BACKED_UP:
            raise ValidationError(
                {
                    "snapshotid": f"Snapshot {snapshot.name} is {snapshot.state}, not BackedUp; "
                    "cannot create a template from it."
                }
            )
        volume = snapshot.volume
    assert volume is not None
    if volume.removed is not None or volume.state != VolumeState.READY or volume.pool is None:
        raise ValidationError(
            {
                "volumeid": f"Volume {volume.name} is {volume.state}: only Ready volumes on "
                "primary storage can become templates."
            }
        )
    instance = volume.instance
    if snapshot is None and instance is not None and instance.state != InstanceState.STOPPED:
        raise ValidationError(
            {
                "volumeid": f"The VM {instance.name} the specified disk is attached to is not in "
                "the right state to create the template: stop it first."
            },
            code="invalid_state",
        )
    return volume


def create_template_from_volume(
    *,
    acting_user,
    name: str,
    os_type,
    volume: Volume | None = None,
    snapshot: Snapshot | None = None,
    display_text: str = "",
    client_ip: str | None = None,
    **flags,
) -> Template:
    """Register a private template made from ``volume`` (its instance stopped) or from
    ``snapshot`` and enqueue ``template.create``. ``flags``: is_public, is_featured
    (administrators only), password_enabled, details. The template is the volume owner's,
    in the volume's zone, with the volume's format."""
    source = _source_volume(volume, snapshot)
    _check_admin_flags(acting_user, flags)
    host = host_for_pool(source.pool)
    if host is None:
        raise ValidationError(
            {"volumeid": f"No Up host reaches storage pool {source.pool.name}; try again later."}
        )
    hypervisor = (source.instance.hypervisor if source.instance else "") or host.hypervisor
    template = Template(
        name=name,
        display_text=display_text or name,
        os_type=os_type,
        account=source.account,
        zone=source.zone,
        format=source.format,
        hypervisor=hypervisor,
        size=source.size,
        state=TemplateState.NOT_UPLOADED,
        **flags,
    )
    with transaction.atomic():
        check_limit(source.account, ResourceType.TEMPLATE, 1)
        template.full_clean()
        template.save()
        template.create_job = create_job(
            "template.create",
            acting_user=acting_user,
            resource=template,
            params={"volume_id": source.pk, "snapshot_id": snapshot.pk if snapshot else None},
        )
        record_event(
            "TEMPLATE.CREATE",
            acting_user=acting_user,
            resource=template,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=template.create_job,
            description=f"Creating template {name} from "
            + (f"snapshot {snapshot.name}" if snapshot else f"volume {source.name}"),
        )
    return template
