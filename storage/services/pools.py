"""Primary storage pool services: add pools from a URL, change their state, delete them."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.hypervisors import validate_hypervisor
from compute.services._common import check_immutable, check_tag_list, check_unique
from portal.services.audit import record_event
from portal.services.base import apply_changes, delete_with_event, save_validated
from portal.services.configuration import config_value
from storage.choices import PoolProtocol, PoolScope, PoolState
from storage.drivers import validate_with_driver
from storage.models import StoragePool
from storage.services.urls import parse_storage_url

POOL_SCHEMES = ("nfs", "smb", "cifs", "file", "local")
PROTOCOLS = {
    "nfs": PoolProtocol.NFS,
    "smb": PoolProtocol.SMB,
    "cifs": PoolProtocol.SMB,
    "local": PoolProtocol.FILESYSTEM,
}


def _place(fields: dict) -> dict:
    """Fill zone/pod/cluster/host from the most specific one given and check the scope."""
    zone = fields.get("zone")
    cluster, host = fields.get("cluster"), fields.get("host")
    scope = fields.get("scope") or (
        PoolScope.HOST if host else PoolScope.CLUSTER if cluster else PoolScope.ZONE
    )
    if scope == PoolScope.HOST:
        if host is None:
            raise ValidationError({"host": "A host-scoped pool needs a host."})
        derived = {"zone": host.zone, "pod": host.pod, "cluster": host.cluster}
    elif scope == PoolScope.CLUSTER:
        if cluster is None:
            raise ValidationError({"cluster": "A cluster-scoped pool needs a cluster."})
        if host is not None:
            raise ValidationError({"host": "Only a host-scoped pool has a host."})
        derived = {"zone": cluster.zone, "pod": cluster.pod}
    else:
        if zone is None:
            raise ValidationError({"zone": "A zone-wide pool needs a zone."})
        for name in ("pod", "cluster", "host"):
            if fields.get(name) is not None:
                raise ValidationError({name: f"A zone-wide pool has no {name}."})
        derived = {}
    for name, value in derived.items():
        given = fields.get(name)
        if given is not None and given.pk != value.pk:
            raise ValidationError({name: f"Does not match the {scope.lower()}'s {name}."})
        fields[name] = value
    fields["scope"] = scope
    return fields


def create_storage_pool(*, acting_user, client_ip: str | None = None, **fields) -> StoragePool:
    """Add a primary storage pool from ``url``.

    SMB credentials given as URL parameters are moved into the encrypted ``credentials``
    and stripped from the stored URL. Local paths (``file:///path``, ``local``) are
    host-scoped; a cluster-scoped pool takes the cluster's hypervisor.
    """
    parsed = parse_storage_url(fields.pop("url", ""), allowed=POOL_SCHEMES)
    protocol = PROTOCOLS[parsed.scheme]
    if protocol == PoolProtocol.FILESYSTEM and fields.get("scope", PoolScope.HOST) != (
        PoolScope.HOST
    ):
        raise ValidationError({"scope": "A local path pool is host-scoped."})
    if protocol == PoolProtocol.FILESYSTEM:
        fields["scope"] = PoolScope.HOST
    fields = _place(fields)
    hypervisor = fields.get("hypervisor") or ""
    owner = fields.get("host") or fields.get("cluster")
    if owner is not None:
        if hypervisor and hypervisor != owner.hypervisor:
            kind = "host" if fields.get("host") else "cluster"
            raise ValidationError(
                {"hypervisor": f"The {kind}'s hypervisor is {owner.hypervisor}, not {hypervisor}."}
            )
        fields["hypervisor"] = owner.hypervisor
    elif not hypervisor:
        raise ValidationError({"hypervisor": "A zone-wide pool needs a hypervisor."})
    else:
        validate_hypervisor(hypervisor)
    if protocol == PoolProtocol.SMB and not parsed.credentials.get("username"):
        raise ValidationError({"url": "An SMB pool needs ?user=...&password=... in its URL."})
    if fields.get("overprovisioning_factor") is None:  # new pools start with the global value
        fields["overprovisioning_factor"] = config_value("storage.overprovisioning.factor")
    pool = StoragePool(
        protocol=protocol,
        url=parsed.clean_url,
        server=parsed.server,
        path=parsed.path,
        credentials=json.dumps(parsed.credentials) if parsed.credentials else "",
        **fields,
    )
    _validate_pool(pool)
    validate_with_driver(pool)
    return save_validated(
        pool, event_type="STORAGE.POOL.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def _validate_pool(pool: StoragePool) -> None:
    pool.tags = check_tag_list(pool.tags, "tags")
    if pool.capacity_bytes is not None and pool.capacity_bytes < 0:
        raise ValidationError({"capacity_bytes": "Must not be negative."})
    if pool.overprovisioning_factor is not None and Decimal(
        str(pool.overprovisioning_factor)
    ) < Decimal(1):
        raise ValidationError({"overprovisioning_factor": "Must be at least 1."})
    check_unique(
        StoragePool.objects.filter(zone=pool.zone_id),
        "name",
        pool.name,
        exclude_pk=pool.pk,
        message=f"A storage pool named '{pool.name}' already exists in this zone.",
    )


def update_storage_pool(
    pool: StoragePool, *, acting_user, client_ip: str | None = None, **changes
) -> StoragePool:
    """Rename a pool or change its tags, capacity or overprovisioning factor."""
    check_immutable(
        pool, changes, ("zone", "pod", "cluster", "host", "scope", "url", "hypervisor", "provider")
    )
    pool = apply_changes(pool, changes)
    _validate_pool(pool)
    return save_validated(
        pool, event_type="STORAGE.POOL.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_storage_pool(pool: StoragePool, *, acting_user, client_ip: str | None = None) -> None:
    """Delete a pool that holds no volumes."""
    if pool.volumes.exists():
        raise ValidationError("The pool still holds volumes; migrate or delete them first.")
    delete_with_event(
        pool, event_type="STORAGE.POOL.DELETE", acting_user=acting_user, client_ip=client_ip
    )


def _set_state(
    pool: StoragePool,
    *,
    allowed_from: tuple[str, ...],
    new_state: str,
    event_type: str,
    acting_user,
    client_ip: str | None,
) -> StoragePool:
    with transaction.atomic():
        locked = StoragePool.objects.select_for_update(no_key=True).get(pk=pool.pk)
        if locked.state not in allowed_from:
            raise ValidationError(
                {
                    "state": f"Not possible while the pool is {locked.state} "
                    f"(allowed from: {', '.join(allowed_from)})."
                }
            )
        StoragePool.objects.filter(pk=pool.pk).update(state=new_state)
        record_event(event_type, acting_user=acting_user, resource=pool, client_ip=client_ip)
    pool.refresh_from_db()
    return pool


def enable_storage_pool(pool: StoragePool, *, acting_user, client_ip: str | None = None):
    """Let the allocator place volumes on the pool again."""
    return _set_state(
        pool,
        allowed_from=(PoolState.DISABLED, PoolState.UP),
        new_state=PoolState.UP,
        event_type="STORAGE.POOL.ENABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def disable_storage_pool(pool: StoragePool, *, acting_user, client_ip: str | None = None):
    """Stop placing new volumes on the pool (existing ones stay usable)."""
    return _set_state(
        pool,
        allowed_from=(PoolState.UP, PoolState.DISABLED),
        new_state=PoolState.DISABLED,
        event_type="STORAGE.POOL.DISABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def enable_storage_pool_maintenance(
    pool: StoragePool, *, acting_user, client_ip: str | None = None
):
    """Put the pool in maintenance (stopping its instances is the lifecycle work's job)."""
    return _set_state(
        pool,
        allowed_from=(PoolState.UP, PoolState.DISABLED, PoolState.DOWN),
        new_state=PoolState.MAINTENANCE,
        event_type="STORAGE.POOL.MAINTENANCE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def cancel_storage_pool_maintenance(
    pool: StoragePool, *, acting_user, client_ip: str | None = None
):
    """Bring the pool back Up after maintenance."""
    return _set_state(
        pool,
        allowed_from=(PoolState.MAINTENANCE,),
        new_state=PoolState.UP,
        event_type="STORAGE.POOL.MAINTENANCE.CANCEL",
        acting_user=acting_user,
        client_ip=client_ip,
    )
