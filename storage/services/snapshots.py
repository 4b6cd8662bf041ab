"""Volume snapshots (CloudStack's createSnapshot, deleteSnapshot, revertSnapshot).

Snapshots live on the volume's primary storage: a qcow2 internal snapshot on KVM (the
volume must be detached or its VM stopped), a VM checkpoint on Hyper-V (the volume must be
attached), anything on the simulator. Each service checks state and quota, writes the row
and an audit event, and enqueues the job that talks to the host
(:mod:`storage.snapshot_handlers`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compute.choices import InstanceState
from portal.choices import AccountType, EventState, ResourceType
from portal.models import AsyncJob, ResourceLimit
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import ResourceLimitExceeded, check_limit
from portal.services.tenancy import ancestors
from storage.choices import VolumeState
from storage.models import Snapshot, SnapshotState, Volume

# Instance states a volume may be snapshotted in (CloudStack: Running or Stopped).
SNAPSHOT_INSTANCE_STATES = (InstanceState.RUNNING, InstanceState.STOPPED)
# Snapshot states that count against the ``snapshot`` limit.
LIVE_STATES = (SnapshotState.CREATING, SnapshotState.BACKED_UP, SnapshotState.DESTROYING)


def _check_quota(account) -> None:
    """The ``snapshot`` limit of the account and of each of its domains.

    :func:`check_limit` does not count snapshots yet (``portal.services.limits`` has no
    usage for them), so it only catches a limit of 0; the live snapshots are counted here.
    """
    check_limit(account, ResourceType.SNAPSHOT, 1)
    if account.account_type == AccountType.ADMIN:  # root admins are never limited
        return
    live = Snapshot.objects.filter(state__in=LIVE_STATES, removed__isnull=True)
    own = ResourceLimit.objects.filter(account=account, resource_type=ResourceType.SNAPSHOT)
    own = own.exclude(max=-1).first()
    if own is not None:
        used = live.filter(account=account).count()
        if used + 1 > own.max:
            raise ResourceLimitExceeded(
                resource_type=ResourceType.SNAPSHOT,
                limit=own.max,
                used=used,
                requested=1,
                owner=account,
            )
    chain = ancestors(account.domain)
    limits = {
        limit.domain_id: limit.max
        for limit in ResourceLimit.objects.filter(
            domain__in=chain, resource_type=ResourceType.SNAPSHOT
        ).exclude(max=-1)
    }
    for domain in chain:
        if domain.pk in limits:
            used = live.filter(account__domain__path__startswith=domain.path).count()
            if used + 1 > limits[domain.pk]:
                raise ResourceLimitExceeded(
                    resource_type=ResourceType.SNAPSHOT,
                    limit=limits[domain.pk],
                    used=used,
                    requested=1,
                    owner=domain,
                )


def _check_volume(volume: Volume) -> None:
    if volume.removed is not None or volume.state in (VolumeState.DESTROY, VolumeState.EXPUNGED):
        raise ValidationError({"volume": f"Volume {volume.name} is {volume.state}."})
    if volume.state != VolumeState.READY or volume.pool_id is None:
        raise ValidationError(
            {
                "volume": f"Volume {volume.name} is {volume.state}: only volumes created on "
                "primary storage (Ready) can be snapshotted."
            },
            code="invalid_state",
        )


def default_name(volume: Volume) -> str:
    """CloudStack's default: ``<vm>_<volume>_<yyyyMMddHHmmss>`` (the VM part when attached)."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    instance = volume.instance
    prefix = f"{instance.name}_" if instance is not None else ""
    return f"{prefix}{volume.name}_{stamp}"[:255]


def create_snapshot(
    volume: Volume, *, acting_user, name: str = "", client_ip: str | None = None
) -> tuple[Snapshot, AsyncJob]:
    """Snapshot ``volume`` (Ready; its instance, if any, Running or Stopped).

    Checks the ``snapshot`` quota of the volume's account, writes a Creating snapshot and
    enqueues ``snapshot.create``. Returns the snapshot and its job.
    """
    _check_volume(volume)
    instance = volume.instance
    if instance is not None and instance.state not in SNAPSHOT_INSTANCE_STATES:
        raise ValidationError(
            {
                "volume": f"Instance {instance.name} is {instance.state}; snapshots need it "
                "Running or Stopped."
            },
            code="invalid_state",
        )
    if len(name) > 255:
        raise ValidationError({"name": "At most 255 characters."})
    account = volume.account
    with transaction.atomic():
        _check_quota(account)
        snapshot = Snapshot(
            name=name or default_name(volume),
            volume=volume,
            account=account,
            domain=account.domain,
            zone_id=volume.zone_id,
            state=SnapshotState.CREATING,
            size=volume.size,
        )
        snapshot.physical_name = f"snap-{snapshot.uuid}"
        snapshot.save()
        job = create_job("snapshot.create", acting_user=acting_user, resource=snapshot)
        record_event(
            "SNAPSHOT.CREATE",
            acting_user=acting_user,
            resource=snapshot,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Creating snapshot {snapshot.name} of volume {volume.name}",
        )
    return snapshot, job


def delete_snapshot(snapshot: Snapshot, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Delete a BackedUp (or failed) snapshot: it goes Destroying and ``snapshot.delete``
    removes it from primary storage, then marks it Destroyed."""
    if snapshot.state not in (SnapshotState.BACKED_UP, SnapshotState.ERROR):
        raise ValidationError(
            {"snapshot": f"Snapshot {snapshot.name} is {snapshot.state}."}, code="invalid_state"
        )
    with transaction.atomic():
        taken = Snapshot.objects.filter(
            pk=snapshot.pk, state=snapshot.state, removed__isnull=True
        ).update(state=SnapshotState.DESTROYING)
        if not taken:
            raise ValidationError({"snapshot": f"Snapshot {snapshot.name} is busy; try again."})
        job = create_job(
            "snapshot.delete",
            acting_user=acting_user,
            resource=snapshot,
            params={"previous_state": snapshot.state},
        )
        snapshot.state = SnapshotState.DESTROYING
        record_event(
            "SNAPSHOT.DELETE",
            acting_user=acting_user,
            resource=snapshot,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
        )
    return job


def revert_snapshot(snapshot: Snapshot, *, acting_user, client_ip: str | None = None) -> AsyncJob:
    """Bring the snapshot's volume back to it (``snapshot.revert``). The volume must be
    detached or its instance Stopped; nothing else of the snapshot changes."""
    if snapshot.state != SnapshotState.BACKED_UP:
        raise ValidationError(
            {"snapshot": f"Snapshot {snapshot.name} is {snapshot.state}; only BackedUp "
             "snapshots can be reverted to."},
            code="invalid_state",
        )  # fmt: skip
    # fresh rows: the instance may have been stopped since ``snapshot`` was loaded
    volume = Volume.objects.select_related("instance").get(pk=snapshot.volume_id)
    _check_volume(volume)
    instance = volume.instance
    if instance is not None and instance.state != InstanceState.STOPPED:
        raise ValidationError(
            {
                "snapshot": f"Instance {instance.name} is {instance.state}; stop it before "
                f"reverting volume {volume.name}."
            },
            code="invalid_state",
        )
    busy = volume.snapshots.filter(
        state__in=(SnapshotState.CREATING, SnapshotState.DESTROYING)
    ).exclude(pk=snapshot.pk)
    if busy.exists():
        raise ValidationError(
            {"snapshot": f"Another snapshot of volume {volume.name} is in progress; try again."}
        )
    with transaction.atomic():
        job = create_job(
            "snapshot.revert",
            acting_user=acting_user,
            resource=snapshot,
            params={"instance_id": instance.pk if instance is not None else None},
        )
        record_event(
            "SNAPSHOT.REVERT",
            acting_user=acting_user,
            resource=snapshot,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
            description=f"Reverting volume {volume.name} to snapshot {snapshot.name}",
        )
    return job
