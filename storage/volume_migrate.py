"""The ``volume.migrate`` job: copy a volume to another pool through an Up host that reaches
both, delete the source, then record the move. The destination's capacity was claimed by
:func:`storage.services.volume_lifecycle.migrate_volume`; on any failure the copy is
deleted, that claim given back and the volume is Ready on its old pool again."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from agents.protocol import commands as c
from compute import agent, capacity
from compute.choices import HostStatus
from compute.lifecycle import specs
from compute.models import Host
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import PoolScope, VolumeState
from storage.models import StoragePool, Volume

log = logging.getLogger(__name__)


def _reaches(pool: StoragePool) -> Q:
    if pool.scope == PoolScope.CLUSTER:
        return Q(cluster_id=pool.cluster_id)
    if pool.scope == PoolScope.HOST:
        return Q(pk=pool.host_id)
    return Q(zone_id=pool.zone_id)


def host_for_pools(source: StoragePool, target: StoragePool) -> Host | None:
    """An Up host that reaches both pools (the copy goes through its agent)."""
    return (
        Host.objects.filter(status=HostStatus.UP, host_type="Routing", zone_id=target.zone_id)
        .filter(_reaches(source))
        .filter(_reaches(target))
        .order_by("id")
        .first()
    )


@job_handler("volume.migrate")
def migrate_volume_job(job, report) -> dict:
    from compute.host_handlers import pool_spec

    volume = Volume.objects.select_related("pool").get(uuid=job.resource_id)
    source = StoragePool.objects.get(pk=job.params["source_pool_id"])
    target = StoragePool.objects.get(pk=job.params["pool_id"])
    name, fmt = specs.volume_name(volume), specs.FORMATS.get(volume.format, "qcow2")
    copied_on = None
    try:
        host = host_for_pools(source, target)
        if host is None:
            raise JobError(f"No Up host reaches both {source.name} and {target.name}.", code=534)
        report(20, f"Copying {volume.name} from {source.name} to {target.name} on {host.name}")
        for pool in (source, target):
            agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
        answer = agent.send(
            host,
            c.CopyVolumeCommand(
                source_pool=specs.pool_name(source),
                pool=specs.pool_name(target),
                volume=name,
                format=fmt,
            ),
        )
        copied_on = host
        report(70, f"Deleting {volume.name} from {source.name}")
        agent.send(host, c.DeleteVolumeCommand(pool=specs.pool_name(source), volume=name))
    except Exception as exc:
        if copied_on is not None:
            try:
                agent.send(
                    copied_on, c.DeleteVolumeCommand(pool=specs.pool_name(target), volume=name)
                )
            except JobError:
                log.warning("could not delete the copy of volume %s on rollback", volume.pk)
        with transaction.atomic():
            capacity.release_pool(target.pk, size_bytes=volume.size)
            Volume.objects.filter(pk=volume.pk).update(state=VolumeState.READY)
            record_event(
                "VOLUME.MIGRATE",
                acting_user=job.user,
                resource=volume,
                job=job,
                level=EventLevel.ERROR,
                description=f"Migration to {target.name} failed: {exc}",
            )
        raise
    with transaction.atomic():
        capacity.release_pool(source.pk, size_bytes=volume.size)
        Volume.objects.filter(pk=volume.pk).update(
            pool=target, path=answer.path, state=VolumeState.READY
        )
        record_event(
            "VOLUME.MIGRATE",
            acting_user=job.user,
            resource=volume,
            job=job,
            description=f"Migrated {volume.name} from {source.name} to {target.name}",
        )
    return {"volume": str(volume.uuid), "storage": str(target.uuid)}
