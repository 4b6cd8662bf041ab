"""Primary storage joins its hosts, as CloudStack's synchronous ``createStoragePool`` does:
the pool is attached (``modify_storage_pool``) on every Up host of its scope before the call
answers, and takes the capacity those hosts report. When no host can attach it, nothing is
left behind and the caller gets the hosts' reasons (530)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from agents.protocol import commands as c
from agents.protocol.specs import PoolInfo
from compute import agent
from compute.choices import HostStatus, ResourceState
from compute.models import Host
from portal.choices import JobStatus
from portal.services.jobs import JobError, create_job, job_handler, wait_for_job
from storage.models import StoragePool
from storage.services import create_storage_pool, delete_storage_pool

POOL_CONNECT = "storage.pool.connect"


def hosts_for_pool(pool: StoragePool):
    """The Up, Enabled hosts that must mount ``pool``: its host, its cluster's hosts, or
    (zone-wide) the zone's hosts of the pool's hypervisor."""
    if pool.host_id:
        scope = Q(pk=pool.host_id)
    elif pool.cluster_id:
        scope = Q(cluster_id=pool.cluster_id)
    else:
        scope = Q(zone_id=pool.zone_id, hypervisor=pool.hypervisor)
    return Host.objects.filter(
        scope, host_type="Routing", status=HostStatus.UP, resource_state=ResourceState.ENABLED
    ).order_by("id")


def record_capacity(pool: StoragePool, info: PoolInfo | None) -> None:
    """Keep what a host reports about ``pool``: its size unless the operator gave one
    (``capacitybytes``), and the bytes in use."""
    if info is None or info.capacity_bytes <= 0:
        return
    changes = {"used_bytes": max(info.capacity_bytes - info.available_bytes, 0)}
    if not pool.capacity_bytes:
        changes["capacity_bytes"] = info.capacity_bytes
    StoragePool.objects.filter(pk=pool.pk).update(**changes)
    for field, value in changes.items():
        setattr(pool, field, value)


@job_handler(POOL_CONNECT)
def connect_pool_job(job, report) -> dict:
    """Attach the pool on each host of its scope; fail (and remove the new pool) when none
    can."""
    from compute.host_handlers import pool_spec

    pool = StoragePool.objects.filter(pk=job.params["pool_id"]).first()
    if pool is None:
        raise JobError("The storage pool no longer exists.", code=530)
    hosts = list(hosts_for_pool(pool))
    attached, errors = 0, []
    for i, host in enumerate(hosts):
        report(10 + 80 * i // max(len(hosts), 1), f"Attaching {pool.name} on {host.name}")
        try:
            answer = agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
        except JobError as exc:
            errors.append(f"{host.name}: {exc}")
            continue
        attached += 1
        record_capacity(pool, answer.pool)
    if hosts and not attached:
        _remove(pool, job.user)
        raise JobError(
            f"Failed to add storage pool {pool.name}: no host could attach it "
            f"({'; '.join(errors)})",
            code=530,
        )
    return {"attached_hosts": attached, "errors": errors}


def _remove(pool: StoragePool, acting_user) -> None:
    """Take back a pool that never joined its hosts (unless something already uses it)."""
    try:
        delete_storage_pool(pool, acting_user=acting_user)
    except ValidationError:
        pass


def create_pool_and_connect(
    *, acting_user, client_ip: str | None = None, timeout_s: float | None = None, **fields
) -> StoragePool:
    """:func:`storage.services.create_storage_pool`, then wait up to ``timeout_s``
    (``ADD_HOST_WAIT_SECONDS``) until the Up hosts of its scope have attached it. Without
    such hosts the pool is returned at once (hosts attach it when they connect). Raises
    :class:`JobError` (530) when no host could attach it or on timeout; the pool is gone."""
    with transaction.atomic():
        pool = create_storage_pool(acting_user=acting_user, client_ip=client_ip, **fields)
        job = None
        if hosts_for_pool(pool).exists():
            job = create_job(
                POOL_CONNECT, acting_user=acting_user, resource=pool, params={"pool_id": pool.pk}
            )
    if job is None or transaction.get_connection().in_atomic_block:
        return pool
    timeout_s = settings.ADD_HOST_WAIT_SECONDS if timeout_s is None else timeout_s
    if wait_for_job(job, timeout_s).status == JobStatus.SUCCEEDED:
        pool.refresh_from_db()
        return pool
    _remove(pool, acting_user)
    raise JobError(
        f"Storage pool {pool.name} was not added: its hosts did not attach it within "
        f"{timeout_s:g} s (job {job.uuid} is {job.status}).",
        code=530,
    )
