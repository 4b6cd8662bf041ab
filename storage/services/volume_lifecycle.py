"""Destroy, recover and migrate data volumes, with CloudStack's semantics.

``destroy_volume`` without ``expunge`` puts a detached data volume in the Destroy state: it
leaves the account's counts (as upstream) and stays on its pool until expunged, and
``recover_volume`` brings it back. With ``expunge`` it is removed from storage (the
``volume.delete`` job of :mod:`storage.services.volumes`). ``migrate_volume`` moves a
created volume to another pool through an agent that reaches both (``volume.migrate`` in
:mod:`storage.volume_migrate`); the destination's capacity is claimed here and given back
if the job fails.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from compute import capacity
from compute.choices import InstanceState
from compute.planner import InsufficientCapacity
from portal.choices import EventState, JobStatus, ResourceType
from portal.models import AsyncJob
from portal.querysets import is_root_admin
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import check_limit
from storage.choices import PoolScope, PoolState, VolumeState, VolumeType
from storage.models import StoragePool, Volume
from storage.services.volumes import delete_volume, expunge_volume

GIB = 1024**3
DESTROYABLE = (VolumeState.ALLOCATED, VolumeState.READY, VolumeState.ERROR)


def _pending_delete(volume: Volume) -> bool:
    return AsyncJob.objects.filter(
        command="volume.delete",
        resource_id=str(volume.uuid),
        status__in=[JobStatus.PENDING, JobStatus.RUNNING],
    ).exists()


def _check_data_disk(volume: Volume) -> None:
    if volume.removed is not None or volume.state == VolumeState.EXPUNGED:
        raise ValidationError({"volume": f"Volume {volume.name} is expunged."})
    if volume.volume_type != VolumeType.DATADISK:
        raise ValidationError(
            {"volume": "A root disk goes with its instance; destroy the instance instead."}
        )
    if volume.instance_id is not None:
        raise ValidationError(
            {"volume": f"Volume {volume.name} is attached to a VM; detach it first."},
            code="in_use",
        )


def destroy_volume(
    volume: Volume, *, acting_user, expunge: bool = False, client_ip: str | None = None
):
    """Destroy a detached data volume (recoverable), or with ``expunge`` remove it.

    Returns the volume (destroyed, or expunged when it was never on storage) or the
    ``volume.delete`` job that removes it from its pool."""
    _check_data_disk(volume)
    if volume.state == VolumeState.DESTROY:
        if not expunge:
            raise ValidationError({"volume": f"Volume {volume.name} is already destroyed."})
        if _pending_delete(volume):
            raise ValidationError({"volume": f"Volume {volume.name} is being expunged."})
        return expunge_volume(volume, acting_user=acting_user, client_ip=client_ip) or volume
    if volume.state not in DESTROYABLE:
        raise ValidationError({"volume": f"Volume {volume.name} is {volume.state}."})
    if expunge:
        return delete_volume(volume, acting_user=acting_user, client_ip=client_ip) or volume
    with transaction.atomic():
        taken = Volume.objects.filter(
            pk=volume.pk, state=volume.state, instance__isnull=True, removed__isnull=True
        ).update(state=VolumeState.DESTROY)
        if not taken:
            raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
        volume.state = VolumeState.DESTROY
        record_event(
            "VOLUME.DESTROY", acting_user=acting_user, resource=volume, client_ip=client_ip
        )
    return volume


def recover_volume(volume: Volume, *, acting_user, client_ip: str | None = None) -> Volume:
    """Bring a destroyed (not expunged) volume back: Ready when it is on storage, Allocated
    when it never was; the account's volume and primary storage limits are checked again."""
    if volume.removed is not None or volume.state != VolumeState.DESTROY:
        raise ValidationError(
            {
                "volume": f"Volume {volume.name} is {volume.state}: only a destroyed volume "
                "can be recovered."
            }  # fmt: skip
        )
    if _pending_delete(volume):
        raise ValidationError({"volume": f"Volume {volume.name} is being expunged."})
    state = VolumeState.READY if volume.pool_id else VolumeState.ALLOCATED
    with transaction.atomic():
        check_limit(volume.account, ResourceType.VOLUME, 1)
        check_limit(volume.account, ResourceType.PRIMARY_STORAGE, -(-volume.size // GIB))
        taken = Volume.objects.filter(
            pk=volume.pk, state=VolumeState.DESTROY, removed__isnull=True
        ).update(state=state)
        if not taken:
            raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
        volume.state = state
        record_event(
            "VOLUME.RECOVER", acting_user=acting_user, resource=volume, client_ip=client_ip
        )
    return volume


def _check_destination(volume: Volume, pool: StoragePool) -> None:
    errors = {}
    if pool.pk == volume.pool_id:
        errors["storage"] = f"Volume {volume.name} is already on {pool.name}."
    elif pool.zone_id != volume.zone_id:
        errors["storage"] = f"Storage {pool.name} is in another zone."
    elif pool.state != PoolState.UP:
        errors["storage"] = f"Storage {pool.name} is {pool.state}."
    elif pool.scope == PoolScope.HOST or volume.pool.scope == PoolScope.HOST:
        errors["storage"] = "Volumes on or to local storage are not migrated here."
    offering = volume.disk_offering
    wanted = set(offering.tags or []) if offering else set()
    if not errors and not wanted <= set(pool.tags or []):
        errors["storage"] = (
            f"Storage {pool.name} lacks the tags {', '.join(sorted(wanted))} of the disk offering."
        )
    instance = volume.instance
    if not errors and instance is not None:
        host = instance.host or instance.last_host
        if instance.state != InstanceState.STOPPED:
            errors["volume"] = (
                f"Instance {instance.name} is {instance.state}: stop it to migrate its volume "
                "(live migration is not supported)."
            )
        elif (
            pool.scope == PoolScope.CLUSTER
            and host is not None
            and host.cluster_id != pool.cluster_id
        ):
            errors["storage"] = f"Storage {pool.name} is not reachable from {instance.name}."
    if errors:
        raise ValidationError(errors)


def migrate_volume(
    volume: Volume, pool: StoragePool, *, acting_user, client_ip: str | None = None
) -> AsyncJob:
    """Move a created volume (detached, or of a stopped instance) to ``pool``: claims room
    there, marks the volume Migrating and enqueues ``volume.migrate``. Root admins only
    (storage pools are the operator's)."""
    if not is_root_admin(acting_user):
        raise PermissionDenied("Only a root admin migrates volumes between storage pools.")
    if volume.removed is not None or volume.state != VolumeState.READY or volume.pool is None:
        raise ValidationError(
            {
                "volume": f"Volume {volume.name} is {volume.state}: only a Ready volume on "
                "storage can be migrated."
            }  # fmt: skip
        )
    _check_destination(volume, pool)
    if volume.snapshots.filter(removed__isnull=True).exists():
        raise ValidationError(
            {
                "volume": f"Volume {volume.name} has snapshots on its primary storage; delete "
                "them first."
            }  # fmt: skip
        )
    with transaction.atomic():
        taken = Volume.objects.filter(
            pk=volume.pk, state=VolumeState.READY, pool_id=volume.pool_id
        ).update(state=VolumeState.MIGRATING)
        if not taken:
            raise ValidationError({"volume": f"Volume {volume.name} is busy; try again."})
        if not capacity.claim_pool(pool, size_bytes=volume.size):
            raise InsufficientCapacity(
                f"Storage {pool.name} has no room for {volume.size // GIB} GiB."
            )
        job = create_job(
            "volume.migrate",
            acting_user=acting_user,
            resource=volume,
            params={"pool_id": pool.pk, "source_pool_id": volume.pool_id},
        )
        volume.state = VolumeState.MIGRATING
        record_event(
            "VOLUME.MIGRATE",
            acting_user=acting_user,
            resource=volume,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Migrating volume {volume.name} from {volume.pool.name} to {pool.name}",
        )
    return job
