"""Job handlers for data volumes: attach, detach and delete (run by the Celery worker).

Like the instance handlers, each claims what it needs step by step (pool capacity, the
disk on the hypervisor, the live attachment) and gives back exactly that on failure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from agents.protocol import commands as c
from compute import agent, capacity
from compute.choices import HostStatus, InstanceState
from compute.lifecycle import specs
from compute.models import Host, Instance
from compute.planner import PlacementRequest, pools_for
from portal.choices import EventLevel
from portal.models import ResourceTag
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import PoolScope, VolumeState
from storage.models import StoragePool, Volume

log = logging.getLogger(__name__)


def _volume(job) -> Volume:
    return Volume.objects.select_related("pool", "disk_offering", "account__domain", "zone").get(
        uuid=job.resource_id
    )


def _instance(pk: int) -> Instance:
    return Instance.objects.select_related("host__cluster", "last_host__cluster", "zone").get(pk=pk)


def _usable_host(host: Host | None) -> Host | None:
    return host if host is not None and host.status == HostStatus.UP else None


def host_for_pool(pool: StoragePool) -> Host | None:
    """An Up host that reaches ``pool`` (to create or delete volumes on it)."""
    hosts = Host.objects.filter(zone_id=pool.zone_id, status=HostStatus.UP, host_type="Routing")
    if pool.scope == PoolScope.CLUSTER:
        hosts = hosts.filter(cluster_id=pool.cluster_id)
    elif pool.scope == PoolScope.HOST:
        hosts = hosts.filter(pk=pool.host_id)
    return hosts.order_by("id").first()


@dataclass
class _AttachClaims:
    pool: StoragePool | None = None
    created_on: Host | None = None
    attached_on: Host | None = None

    def release(self, volume: Volume, instance: Instance) -> None:
        if self.attached_on is not None:
            try:
                agent.send(
                    self.attached_on,
                    c.DetachDiskCommand(
                        vm_name=specs.vm_name(instance), disk=specs.disk_spec(volume)
                    ),
                )
            except JobError:
                log.warning("could not detach volume %s during rollback", volume.pk)
        if self.created_on is not None:
            try:
                agent.send(
                    self.created_on,
                    c.DeleteVolumeCommand(
                        pool=specs.pool_name(self.pool), volume=specs.volume_name(volume)
                    ),
                )
            except JobError:
                log.warning("could not delete volume %s during rollback", volume.pk)
        if self.pool is not None:
            capacity.release_pool(self.pool.pk, size_bytes=volume.size)


def _create_on_storage(volume: Volume, instance: Instance, host: Host, claims, report) -> None:
    """Choose a pool ``host`` reaches, claim room on it and create the disk there."""
    from compute.host_handlers import pool_spec

    report(20, "Choosing primary storage")
    offering = volume.disk_offering
    request = PlacementRequest(
        zone=instance.zone,
        cpu_number=0,
        cpu_speed=0,
        memory_mib=0,
        root_disk_bytes=volume.size,
        storage_tags=list(offering.tags or []) if offering else [],
        local_storage=bool(offering and offering.storage_type == "local"),
    )
    pool = next(
        (p for p in pools_for(host, request) if capacity.claim_pool(p, size_bytes=volume.size)),
        None,
    )
    if pool is None:
        raise JobError(
            f"No primary storage reachable from host {host.name} with "
            f"{volume.size // 1024**3} GiB free for volume {volume.name}.",
            code=533,
        )
    claims.pool = volume.pool = pool
    report(40, f"Creating volume {volume.name} on {pool.name}")
    agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
    volume.format = "VHDX" if instance.hypervisor == "Hyperv" else volume.format
    answer = agent.send(
        host,
        c.CreateVolumeCommand(
            pool=specs.pool_name(pool),
            volume=specs.volume_name(volume),
            size_bytes=volume.size,
            format=specs.FORMATS.get(volume.format, "qcow2"),
        ),
    )
    claims.created_on = host
    volume.path = answer.path
    volume.state = VolumeState.READY


@job_handler("volume.attach")
def attach_volume_job(job, report) -> dict:
    """Create the volume on storage if needed, attach it live to a running instance, and
    record the attachment (a stopped instance gets the disk at its next start)."""
    volume = _volume(job)
    instance = _instance(job.params["instance_id"])
    previous = job.params.get("previous_state") or VolumeState.ALLOCATED
    volume.state = previous
    volume.device_id = job.params["device_id"]
    claims = _AttachClaims()
    try:
        if instance.state not in (InstanceState.RUNNING, InstanceState.STOPPED):
            raise JobError(
                f"Instance {instance.name} is {instance.state}; cannot attach volumes now.",
                code=431,
            )
        running = instance.state == InstanceState.RUNNING
        host = instance.host if running else _usable_host(instance.last_host)
        if running and host is None:
            raise JobError(f"Instance {instance.name} runs on no known host.")
        if volume.state == VolumeState.ALLOCATED and host is not None:
            _create_on_storage(volume, instance, host, claims, report)
        if running:
            report(70, f"Attaching {volume.name} to {instance.name} on {host.name}")
            agent.send(
                host,
                c.AttachDiskCommand(vm_name=specs.vm_name(instance), disk=specs.disk_spec(volume)),
            )
            claims.attached_on = host
        with transaction.atomic():
            Volume.objects.filter(pk=volume.pk).update(
                instance=instance,
                device_id=volume.device_id,
                attached=timezone.now(),
                state=volume.state,
                pool=volume.pool,
                path=volume.path,
                format=volume.format,
            )
            record_event(
                "VOLUME.ATTACH",
                acting_user=job.user,
                resource=volume,
                job=job,
                description=f"Attached {volume.name} to {instance.name} as device "
                f"{volume.device_id}",
            )
    except Exception as exc:
        with transaction.atomic():
            claims.release(volume, instance)
            restore = {"state": previous, "instance": None, "device_id": None}
            if claims.pool is not None:
                restore |= {"pool": None, "path": ""}
            Volume.objects.filter(pk=volume.pk).update(**restore)
            record_event(
                "VOLUME.ATTACH",
                acting_user=job.user,
                resource=volume,
                job=job,
                level=EventLevel.ERROR,
                description=f"Attach to {instance.name} failed: {exc}",
            )
        raise
    return {
        "volume": str(volume.uuid),
        "instance": str(instance.uuid),
        "device_id": volume.device_id,
        "state": volume.state,
    }


@job_handler("volume.detach")
def detach_volume_job(job, report) -> dict:
    """Detach the disk from the running VM (if it runs), then forget the attachment."""
    volume = _volume(job)
    instance = _instance(job.params["instance_id"])
    if volume.instance_id != instance.pk:
        raise JobError(f"Volume {volume.name} is no longer attached to {instance.name}.", 431)
    if instance.state == InstanceState.RUNNING:
        if instance.host is None:
            raise JobError(f"Instance {instance.name} runs on no known host.")
        report(40, f"Detaching {volume.name} from {instance.name} on {instance.host.name}")
        agent.send(
            instance.host,
            c.DetachDiskCommand(vm_name=specs.vm_name(instance), disk=specs.disk_spec(volume)),
        )
    elif instance.state != InstanceState.STOPPED:
        raise JobError(f"Instance {instance.name} is {instance.state}; cannot detach now.", 431)
    with transaction.atomic():
        Volume.objects.filter(pk=volume.pk).update(instance=None, device_id=None, attached=None)
        record_event(
            "VOLUME.DETACH",
            acting_user=job.user,
            resource=volume,
            job=job,
            description=f"Detached {volume.name} from {instance.name}",
        )
    return {"volume": str(volume.uuid), "state": volume.state}


@job_handler("volume.delete")
def delete_volume_job(job, report) -> dict:
    """Remove the disk from its pool, give the pool's capacity back, mark it Expunged."""
    from compute.host_handlers import pool_spec

    volume = _volume(job)
    pool = volume.pool
    try:
        host = host_for_pool(pool)
        if host is None:
            raise JobError(f"No Up host reaches primary storage {pool.name}.", code=534)
        report(40, f"Deleting {volume.name} from {pool.name} through {host.name}")
        agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
        agent.send(
            host,
            c.DeleteVolumeCommand(pool=specs.pool_name(pool), volume=specs.volume_name(volume)),
        )
    except Exception as exc:
        with transaction.atomic():
            Volume.objects.filter(pk=volume.pk).update(
                state=job.params.get("previous_state") or VolumeState.READY
            )
            record_event(
                "VOLUME.DELETE",
                acting_user=job.user,
                resource=volume,
                job=job,
                level=EventLevel.ERROR,
                description=f"Delete failed: {exc}",
            )
        raise
    with transaction.atomic():
        capacity.release_pool(pool.pk, size_bytes=volume.size)
        Volume.objects.filter(pk=volume.pk).update(
            state=VolumeState.EXPUNGED, removed=timezone.now(), path=""
        )
        ResourceTag.objects.filter(resource_uuid=volume.uuid).delete()
        forget_snapshots([volume.pk])
        record_event("VOLUME.DELETE", acting_user=job.user, resource=volume, job=job)
    return {"volume": str(volume.uuid), "state": VolumeState.EXPUNGED}


def forget_snapshots(volume_ids) -> None:
    """Snapshots live on primary storage with their volume: they go when it is deleted."""
    from storage.models import Snapshot

    Snapshot.objects.filter(volume_id__in=volume_ids, removed__isnull=True).update(
        state="Destroyed", removed=timezone.now()
    )
