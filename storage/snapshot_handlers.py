"""Job handlers for volume snapshots: create, delete and revert (run by the Celery worker).

Each finds the host that can act on the volume (its running instance's host; else the
instance's last host, if Up; else any Up host reaching the pool), sends one agent command,
and on failure puts the snapshot back in the state it had (or Error for a failed create).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from agents.protocol import commands as c
from compute import agent
from compute.choices import HostStatus, InstanceState
from compute.lifecycle import specs
from compute.models import Host
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.models import Snapshot, SnapshotState, Volume
from storage.volume_handlers import host_for_pool

log = logging.getLogger(__name__)


def _snapshot(job) -> Snapshot:
    return Snapshot.objects.select_related(
        "volume__pool", "volume__instance__host", "volume__instance__last_host", "account"
    ).get(uuid=job.resource_id)


def _target(volume: Volume) -> tuple[Host, str]:
    """The host to send a snapshot command to, and the VM name the volume is attached to."""
    instance = volume.instance
    vm_name = specs.vm_name(instance) if instance is not None else ""
    host = None
    if instance is not None and instance.state == InstanceState.RUNNING:
        host = instance.host
        if host is None:
            raise JobError(f"Instance {instance.name} runs on no known host.")
    elif instance is not None and instance.last_host is not None:
        if instance.last_host.status == HostStatus.UP:
            host = instance.last_host
    if host is None:
        host = host_for_pool(volume.pool)
    if host is None:
        raise JobError(f"No Up host reaches primary storage {volume.pool.name}.", code=534)
    return host, vm_name


def _send(volume: Volume, snapshot: Snapshot, command_class, report, what: str):
    from compute.host_handlers import pool_spec

    host, vm_name = _target(volume)
    report(30, f"{what} snapshot {snapshot.name} of {volume.name} through {host.name}")
    agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(volume.pool), add=True))
    return agent.send(
        host,
        command_class(
            pool=specs.pool_name(volume.pool),
            volume=specs.volume_name(volume),
            snapshot=snapshot.physical_name,
            vm_name=vm_name,
        ),
    )


def _failed(event: str, job, snapshot: Snapshot, exc: Exception, **restore) -> None:
    with transaction.atomic():
        Snapshot.objects.filter(pk=snapshot.pk).update(**restore)
        record_event(
            event,
            acting_user=job.user,
            resource=snapshot,
            job=job,
            level=EventLevel.ERROR,
            description=f"{event.split('.')[1].capitalize()} failed: {exc}",
        )


@job_handler("snapshot.create")
def create_snapshot_job(job, report) -> dict:
    """Take the snapshot on primary storage; BackedUp on success, Error on failure."""
    snapshot = _snapshot(job)
    volume = snapshot.volume
    try:
        if volume.pool is None or volume.removed is not None:
            raise JobError(f"Volume {volume.name} is no longer on primary storage.", code=431)
        answer = _send(volume, snapshot, c.CreateSnapshotCommand, report, "Taking")
    except Exception as exc:
        _failed("SNAPSHOT.CREATE", job, snapshot, exc, state=SnapshotState.ERROR)
        raise
    with transaction.atomic():
        Snapshot.objects.filter(pk=snapshot.pk).update(
            state=SnapshotState.BACKED_UP,
            size=answer.size_bytes or volume.size,
            path=answer.path,
        )
        record_event(
            "SNAPSHOT.CREATE",
            acting_user=job.user,
            resource=snapshot,
            job=job,
            description=f"Snapshot {snapshot.name} of volume {volume.name} taken",
        )
    return {"snapshot": str(snapshot.uuid), "state": SnapshotState.BACKED_UP}


@job_handler("snapshot.delete")
def delete_snapshot_job(job, report) -> dict:
    """Remove the snapshot from primary storage (nothing to remove when its volume is gone)
    and mark it Destroyed; on failure it gets its previous state back."""
    snapshot = _snapshot(job)
    volume = snapshot.volume
    try:
        if volume.pool is not None and volume.removed is None:
            _send(volume, snapshot, c.DeleteSnapshotCommand, report, "Deleting")
    except Exception as exc:
        previous = job.params.get("previous_state") or SnapshotState.BACKED_UP
        _failed("SNAPSHOT.DELETE", job, snapshot, exc, state=previous)
        raise
    with transaction.atomic():
        Snapshot.objects.filter(pk=snapshot.pk).update(
            state=SnapshotState.DESTROYED, removed=timezone.now()
        )
        record_event("SNAPSHOT.DELETE", acting_user=job.user, resource=snapshot, job=job)
    return {"snapshot": str(snapshot.uuid), "state": SnapshotState.DESTROYED}


@job_handler("snapshot.revert")
def revert_snapshot_job(job, report) -> dict:
    """Revert the volume to the snapshot; its instance must still be Stopped."""
    snapshot = _snapshot(job)
    volume = snapshot.volume
    instance = volume.instance
    try:
        if snapshot.state != SnapshotState.BACKED_UP:
            raise JobError(f"Snapshot {snapshot.name} is {snapshot.state}.", code=431)
        if instance is not None and instance.state != InstanceState.STOPPED:
            raise JobError(
                f"Instance {instance.name} is {instance.state}; stop it before reverting.",
                code=431,
            )
        if volume.pool is None or volume.removed is not None:
            raise JobError(f"Volume {volume.name} is no longer on primary storage.", code=431)
        _send(volume, snapshot, c.RevertSnapshotCommand, report, "Reverting to")
    except Exception as exc:
        _failed("SNAPSHOT.REVERT", job, snapshot, exc)
        raise
    record_event(
        "SNAPSHOT.REVERT",
        acting_user=job.user,
        resource=snapshot,
        job=job,
        description=f"Volume {volume.name} reverted to snapshot {snapshot.name}",
    )
    return {"snapshot": str(snapshot.uuid), "volume": str(volume.uuid), "state": snapshot.state}
