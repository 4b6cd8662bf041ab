"""Taking infrastructure down: deletePod, deleteCluster, deleteHost, host and storage
maintenance, deleteStoragePool, deleteDiskOffering, and listStorageProviders. The services
refuse what is still in use (431 naming it); maintenance finishes at once, so those async
commands answer an already finished job whose result is the host or pool."""

from __future__ import annotations

from django.db import transaction

from compute import services as compute_services
from compute.models import Cluster, Host, Pod
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from storage.models import DiskOffering, StoragePool
from storage.services import offerings as disk_services
from storage.services import pools as pool_services

from ._common import Param, shape, success
from .infra import HOST
from .storage import POOL

register_result("Host", lambda: Host.objects.all(), HOST, "Host")
register_result("StoragePool", lambda: StoragePool.objects.all(), POOL, "StoragePool")


def _id(related: str) -> Param:
    return Param("id", "uuid", required=True, related=related)


def _deleted(ctx, model, delete) -> dict:
    obj = ctx.get(model, "id", action="delete", required=True)
    delete(obj, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@command("deletePod", "Deletes a Pod.", params=[_id("listPods")])
def delete_pod(ctx):
    return _deleted(ctx, Pod, compute_services.delete_pod)


@command("deleteCluster", "Deletes a cluster.", params=[_id("listClusters")])
def delete_cluster(ctx):
    return _deleted(ctx, Cluster, compute_services.delete_cluster)


@command(
    "deleteHost",
    "Deletes a host (one in Maintenance or Disabled, or any with forced=true).",
    params=[
        _id("listHosts"),
        Param("forced", "boolean", description="delete even if not in maintenance"),
        Param(
            "forcedestroylocalstorage",
            "boolean",
            description="delete the host's local pools too (default true; they must be empty)",
        ),
    ],
)
def delete_host(ctx):
    host = ctx.get(Host, "id", action="delete", required=True)
    if not ctx.bool("forced") and host.resource_state not in ("Maintenance", "Disabled"):
        raise param_error(
            f"Host {host.name} is {host.resource_state}: put it in maintenance first, "
            "or use forced=true"
        )
    who = {"acting_user": ctx.user, "client_ip": ctx.client_ip}
    local = list(StoragePool.objects.filter(host=host))
    if local and not ctx.bool("forcedestroylocalstorage", True):
        raise param_error(
            f"Host {host.name} has local storage ({', '.join(p.name for p in local)}); "
            "delete it first or use forcedestroylocalstorage=true"
        )
    with transaction.atomic():
        for pool in local:
            pool_services.delete_storage_pool(pool, **who)
        compute_services.delete_host(host, **who)
    return success()


def _state_command(name: str, description: str, model, related: str, change) -> None:
    """A maintenance verb: the service changes the state at once; the async answer is an
    already finished job whose result is the object."""

    def handler(ctx):
        obj = ctx.get(model, "id", action="change", required=True)
        obj = change(obj, acting_user=ctx.user, client_ip=ctx.client_ip)
        return answer(completed_job(ctx, obj))

    command(name, description, params=[_id(related)], isasync=True)(handler)


for _name, _text, _model, _related, _change in (
    (
        "prepareHostForMaintenance",
        "Prepares a host for maintenance.",
        Host,
        "listHosts",
        compute_services.prepare_host_for_maintenance,
    ),
    (
        "cancelHostMaintenance",
        "Cancels host maintenance.",
        Host,
        "listHosts",
        compute_services.cancel_host_maintenance,
    ),
    (
        "enableStorageMaintenance",
        "Puts storage pool into maintenance state",
        StoragePool,
        "listStoragePools",
        pool_services.enable_storage_pool_maintenance,
    ),
    (
        "cancelStorageMaintenance",
        "Cancels maintenance for primary storage",
        StoragePool,
        "listStoragePools",
        pool_services.cancel_storage_pool_maintenance,
    ),
):
    _state_command(_name, _text, _model, _related, _change)


@command(
    "deleteStoragePool",
    "Deletes a storage pool (one without volumes).",
    params=[
        _id("listStoragePools"),
        Param("forced", "boolean", description="not supported: delete the volumes first"),
    ],
)
def delete_storage_pool(ctx):
    if ctx.bool("forced"):
        raise param_error("forced=true is not supported: migrate or delete the volumes first")
    return _deleted(ctx, StoragePool, pool_services.delete_storage_pool)


@command("deleteDiskOffering", "Deletes a disk offering.", params=[_id("listDiskOfferings")])
def delete_disk_offering(ctx):
    return _deleted(ctx, DiskOffering, disk_services.delete_disk_offering)


@shape("dataStoreProvider", "name type")
def PROVIDER(provider, ctx):
    return provider


@command(
    "listStorageProviders",
    "Lists storage providers.",
    params=[Param("type", required=True, description="primary or image")],
    shape=PROVIDER,
    is_list=True,
)
def list_storage_providers(ctx):
    from storage.drivers import primary_drivers

    kind = ctx.str("type", required=True).lower()
    if kind not in ("primary", "image"):
        raise param_error("type must be primary or image")
    # image stores are NFS or SMB (storage.services.imagestores picks by the URL)
    names = sorted(primary_drivers()) if kind == "primary" else ["NFS", "SMB"]
    return ctx.listing([{"name": name, "type": kind.upper()} for name in names])
