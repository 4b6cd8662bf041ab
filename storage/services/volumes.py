"""Data volumes with CloudStack's semantics: create (Allocated, no storage I/O), attach,
detach, delete and resize.

Creating a volume only writes its row (after the quota check); the disk is created on
primary storage when it is first attached (by the ``volume.attach`` job, or by the next
start of a stopped instance that has never run). Jobs live in :mod:`storage.volume_handlers`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compute.choices import AllocationState, InstanceState, OfferingState
from portal.choices import EventState, ResourceType
from portal.models import AsyncJob, ResourceTag
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import check_limit
from storage.choices import PoolScope, VolumeState, VolumeType
from storage.models import DiskOffering, Volume
from storage.services.disk_sizes import check_disk_size

GIB = 1024**3
MAX_DATA_DISKS = 15
# Instance states a volume may be attached to or detached from.
ATTACHABLE_INSTANCE_STATES = (InstanceState.RUNNING, InstanceState.STOPPED)


def _gib(size_bytes: int) -> int:
    return -(-size_bytes // GIB)


def _size_from_offering(disk_offering: DiskOffering, size: int | None, field: str = "size") -> int:
    """The volume size in GiB the offering (and ``size`` for a custom one) gives."""
    if disk_offering.state != OfferingState.ACTIVE:
        raise ValidationError({"disk_offering": f"Disk offering {disk_offering.name} is inactive."})
    if not disk_offering.customized:
        if size and size != disk_offering.disk_size:
            raise ValidationError(
                {
                    field: f"Disk offering {disk_offering.name} has a fixed size of "
                    f"{disk_offering.disk_size} GiB."
                }
            )
        return disk_offering.disk_size
    if not size or size < 1:
        raise ValidationError({field: "Required (>= 1 GiB) with a custom-size disk offering."})
    low, high = disk_offering.min_size or 1, disk_offering.max_size
    if size < low or (high and size > high):
        raise ValidationError({field: f"Must be between {low} and {high or 'unlimited'} GiB."})
    return size


def create_volume(
    *,
    acting_user,
    zone,
    disk_offering: DiskOffering,
    size: int | None = None,
    name: str = "",
    account=None,
    client_ip: str | None = None,
) -> Volume:
    """Create an Allocated data volume for ``account`` (default: the actor's).

    ``size`` is in GiB and only for custom-size offerings. The volume count and primary
    storage quotas are checked; nothing is created on storage until the volume is attached.
    """
    account = account or acting_user.account
    errors = {}
    if zone.allocation_state != AllocationState.ENABLED:
        errors["zone"] = f"Zone {zone.name} is disabled."
    if name and len(name) > 255:
        errors["name"] = "At most 255 characters."
    if errors:
        raise ValidationError(errors)
    size_gib = _size_from_offering(disk_offering, size)
    check_disk_size(zone, size_gib, custom=disk_offering.customized)
    with transaction.atomic():
        check_limit(account, ResourceType.VOLUME, 1)
        check_limit(account, ResourceType.PRIMARY_STORAGE, size_gib)
        volume = Volume.objects.create(
            name=name or "",
            account=account,
            domain=account.domain,
            zone=zone,
            volume_type=VolumeType.DATADISK,
            size=size_gib * GIB,
            disk_offering=disk_offering,
            state=VolumeState.ALLOCATED,
        )
        if not name:
            volume.name = f"DATA-{volume.uuid}"
            volume.save(update_fields=["name"])
        record_event("VOLUME.CREATE", acting_user=acting_user, resource=volume, client_ip=client_ip)
    return volume


def update_volume(
    volume: Volume, *, acting_user, name: str | None = None, client_ip: str | None = None
) -> Volume:
    """Rename a volume (the only property a tenant changes without a job)."""
    _check_usable(volume)
    if name is None or name == volume.name:
        return volume
    if not name.strip() or len(name) > 255:
        raise ValidationError({"name": "1 to 255 characters."})
    with transaction.atomic():
        Volume.objects.filter(pk=volume.pk).update(name=name)
        volume.name = name
        record_event("VOLUME.UPDATE", acting_user=acting_user, resource=volume, client_ip=client_ip)
    return volume


def _check_usable(volume: Volume) -> None:
    if volume.removed is not None or volume.state in (VolumeState.EXPUNGED, VolumeState.DESTROY):
        raise ValidationError(f"Volume {volume.name} is {volume.state}.", code="invalid_state")


def _next_device_id(instance) -> int:
    used = set(instance.volumes.filter(removed__isnull=True).values_list("device_id", flat=True))
    for device_id in range(1, MAX_DATA_DISKS + 1):
        if device_id not in used:
            return device_id
    raise ValidationError(
        {"instance": f"Instance {instance.name} already has {MAX_DATA_DISKS} data disks."}
    )


def _check_reachable(volume: Volume, instance) -> None:
    """A created volume must be on storage the instance's hosts can reach."""
    pool = volume.pool
    if pool is None:
        return
    host = instance.host or instance.last_host
    if pool.scope == PoolScope.CLUSTER and host is not None and host.cluster_id != pool.cluster_id:
        raise ValidationError(
            {"volume": f"Volume {volume.name} is on storage {pool.name} of another cluster."}
        )
    if pool.scope == PoolScope.HOST and host is not None and host.pk != pool.host_id:
        raise ValidationError(
            {"volume": f"Volume {volume.name} is on local storage of another host."}
        )


def attach_volume(
    volume: Volume,
    instance,
    *,
    acting_user,
    device_id: int | None = None,
    client_ip: str | None = None,
) -> AsyncJob:
    """Attach a data volume to a running or stopped instance of the same account and zone.

    Enqueues ``volume.attach``: an Allocated volume is first created on a pool the instance's
    host reaches; a running instance gets the disk live, a stopped one at its next start.
    """
    _check_usable(volume)
    errors = {}
    if volume.volume_type != VolumeType.DATADISK:
        errors["volume"] = "Only data disks can be attached."
    elif volume.instance_id is not None:
        errors["volume"] = f"Volume {volume.name} is already attached to an instance."
    elif volume.state not in (VolumeState.ALLOCATED, VolumeState.READY):
        errors["volume"] = f"Volume {volume.name} is {volume.state}."
    if instance.removed is not None or instance.state not in ATTACHABLE_INSTANCE_STATES:
        errors["instance"] = (
            f"Instance {instance.name} is {instance.state}; volumes attach to Running or "
            "Stopped instances."
        )
    elif instance.zone_id != volume.zone_id:
        errors["instance"] = "The volume and the instance are in different zones."
    elif instance.account_id != volume.account_id:
        errors["instance"] = "The volume and the instance belong to different accounts."
    if errors:
        raise ValidationError(errors)
    _check_reachable(volume, instance)
    if device_id is None:
        device_id = _next_device_id(instance)
    elif not 1 <= device_id <= MAX_DATA_DISKS:
        raise ValidationError({"device_id": f"Must be between 1 and {MAX_DATA_DISKS}."})
    elif instance.volumes.filter(device_id=device_id, removed__isnull=True).exists():
        raise ValidationError({"device_id": f"Device {device_id} is in use on {instance.name}."})
    with transaction.atomic():
        # Compare-and-swap: only one attach (or delete) of this volume may proceed.
        taken = Volume.objects.filter(
            pk=volume.pk, state=volume.state, instance__isnull=True, removed__isnull=True
        ).update(state=VolumeState.ATTACHING)
        if not taken:
            raise ValidationError(
                {"volume": f"Volume {volume.name} is busy; try again."}, code="invalid_state"
            )
        job = create_job(
            "volume.attach",
            acting_user=acting_user,
            resource=volume,
            params={
                "instance_id": instance.pk,
                "device_id": device_id,
                "previous_state": volume.state,
            },
        )
        volume.state = VolumeState.ATTACHING
        record_event(
            "VOLUME.ATTACH",
            acting_user=acting_user,
            resource=volume,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Attaching volume {volume.name} to {instance.name}",
        )
    return job


def detach_volume(volume: Volume, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Detach a data volume from its instance (live when it runs). Enqueues
    ``volume.detach``; the volume keeps its data and can be attached elsewhere."""
    _check_usable(volume)
    instance = volume.instance
    errors = {}
    if instance is None:
        errors["volume"] = f"Volume {volume.name} is not attached."
    elif volume.volume_type == VolumeType.ROOT:
        errors["volume"] = "A root disk cannot be detached."
    elif instance.state not in ATTACHABLE_INSTANCE_STATES:
        errors["volume"] = (
            f"Instance {instance.name} is {instance.state}; detach needs it Running or Stopped."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        job = create_job(
            "volume.detach",
            acting_user=acting_user,
            resource=volume,
            params={"instance_id": instance.pk},
        )
        record_event(
            "VOLUME.DETACH",
            acting_user=acting_user,
            resource=volume,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Detaching volume {volume.name} from {instance.name}",
        )
    return job


def delete_volume(volume: Volume, *, acting_user, client_ip: str | None = None) -> AsyncJob | None:
    """Delete a detached data volume.

    An Allocated volume (never created on storage) is gone at once and ``None`` is returned;
    a created one is marked Destroy and ``volume.delete`` removes it from its pool, gives the
    pool's capacity back and marks it Expunged.
    """
    _check_usable(volume)
    if volume.volume_type == VolumeType.ROOT:
        raise ValidationError(
            {"volume": "A root disk goes with its instance; destroy the instance instead."}
        )
    if volume.instance_id is not None:
        raise ValidationError(
            {"volume": f"Volume {volume.name} is attached; detach it first."}, code="in_use"
        )
    if volume.state not in (VolumeState.ALLOCATED, VolumeState.READY, VolumeState.ERROR):
        raise ValidationError({"volume": f"Volume {volume.name} is {volume.state}."})
    return expunge_volume(volume, acting_user=acting_user, client_ip=client_ip)


def expunge_volume(volume: Volume, *, acting_user, client_ip: str | None = None):
    """Remove a detached volume (checked by the caller): at once when it was never on
    storage (``None``), else mark it Destroy and return the ``volume.delete`` job, which
    puts it back in its current state if the agent fails."""
    with transaction.atomic():
        if volume.pool_id is None:
            taken = Volume.objects.filter(
                pk=volume.pk, state=volume.state, instance__isnull=True
            ).update(state=VolumeState.EXPUNGED, removed=timezone.now())
            if not taken:
                raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
            volume.state = VolumeState.EXPUNGED
            ResourceTag.objects.filter(resource_uuid=volume.uuid).delete()
            record_event(
                "VOLUME.DELETE", acting_user=acting_user, resource=volume, client_ip=client_ip
            )
            return None
        taken = Volume.objects.filter(
            pk=volume.pk, state=volume.state, instance__isnull=True
        ).update(state=VolumeState.DESTROY)
        if not taken:
            raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
        job = create_job(
            "volume.delete",
            acting_user=acting_user,
            resource=volume,
            params={"previous_state": volume.state},
        )
        volume.state = VolumeState.DESTROY
        record_event(
            "VOLUME.DELETE",
            acting_user=acting_user,
            resource=volume,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
        )
    return job


def resize_volume(
    volume: Volume,
    *,
    acting_user,
    size: int | None = None,
    disk_offering: DiskOffering | None = None,
    client_ip: str | None = None,
) -> Volume:
    """Grow a volume to ``size`` GiB (or to a new disk offering's size); quota is checked
    on the difference.

    Only volumes not yet created on storage (Allocated) can be resized for now: growing a
    created disk needs a resize command in the agent protocol.
    """
    _check_usable(volume)
    offering = disk_offering or volume.disk_offering
    if volume.volume_type != VolumeType.DATADISK:
        raise ValidationError({"volume": "Only data disks can be resized."})
    if offering is None:
        if not size:
            raise ValidationError({"size": "Give the new size in GiB."})
        new_gib = size
    elif disk_offering is None and not offering.customized:
        raise ValidationError(
            {
                "disk_offering": f"Disk offering {offering.name} has a fixed size; give a "
                "custom-size or a larger disk offering."
            }
        )
    else:
        new_gib = _size_from_offering(offering, size)
    check_disk_size(volume.zone, new_gib, custom=offering is None or offering.customized)
    old_gib = _gib(volume.size)
    if new_gib < old_gib:
        raise ValidationError({"size": f"Volumes only grow: {volume.name} has {old_gib} GiB."})
    if new_gib == old_gib and offering == volume.disk_offering:
        raise ValidationError({"size": f"Volume {volume.name} already has {old_gib} GiB."})
    if volume.state != VolumeState.ALLOCATED or volume.pool_id is not None:
        raise ValidationError(
            {
                "volume": f"Volume {volume.name} is {volume.state}: only volumes not yet created "
                "on storage (Allocated) can be resized."
            },
            code="invalid_state",
        )
    with transaction.atomic():
        check_limit(volume.account, ResourceType.PRIMARY_STORAGE, new_gib - old_gib)
        taken = Volume.objects.filter(
            pk=volume.pk, state=VolumeState.ALLOCATED, pool__isnull=True
        ).update(size=new_gib * GIB, disk_offering=offering)
        if not taken:
            raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
        volume.size, volume.disk_offering = new_gib * GIB, offering
        record_event(
            "VOLUME.RESIZE",
            acting_user=acting_user,
            resource=volume,
            client_ip=client_ip,
            description=f"Resized {volume.name} from {old_gib} to {new_gib} GiB",
        )
    return volume
