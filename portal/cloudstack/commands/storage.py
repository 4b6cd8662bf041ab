"""Storage: primary pools, image (secondary) stores, volumes."""

from __future__ import annotations

from compute.models import Cluster, Host, Instance, Pod, Zone
from compute.pool_connect import create_pool_and_connect
from portal.cloudstack.registry import command
from storage import services
from storage.choices import PoolScope, VolumeState
from storage.models import ImageStore, StoragePool, Volume

from ._common import Param, cs_date, owner, shape, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of

GIB = 1024**3


@shape(
    "storagepool",
    "id name zoneid zonename podid podname clusterid clustername type ipaddress path "
    "state scope hypervisor disksizetotal disksizeused disksizeallocated tags created",
    disksizetotal="long",
    disksizeused="long",
    disksizeallocated="long",
    created="date",
)
def POOL(pool, ctx):
    return {
        "id": uid(pool),
        "name": pool.name,
        "zoneid": uid(pool.zone),
        "zonename": pool.zone.name,
        "podid": uid(pool.pod),
        "podname": pool.pod.name if pool.pod else None,
        "clusterid": uid(pool.cluster),
        "clustername": pool.cluster.name if pool.cluster else None,
        "type": pool.protocol,
        "ipaddress": pool.server or None,
        "path": pool.path,
        "state": pool.state,
        "scope": pool.scope,
        "hypervisor": pool.hypervisor or None,
        "disksizetotal": pool.capacity_bytes,
        "disksizeused": pool.used_bytes,
        "disksizeallocated": pool.allocated_bytes,
        "tags": ",".join(pool.tags) if pool.tags else None,
        "created": cs_date(pool.created),
    }


@command(
    "listStoragePools",
    "Lists storage pools.",
    params=[
        Param("id", "uuid", related="listStoragePools"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("podid", "uuid", related="listPods"),
        Param("clusterid", "uuid", related="listClusters"),
        Param("scope"),
        Param("status"),
    ],
    shape=POOL,
    is_list=True,
)
def list_storage_pools(ctx):
    qs = StoragePool.objects.restrict(ctx.user, "view").select_related("zone", "pod", "cluster")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(StoragePool, "id").pk)
    for param, model, field in (
        ("zoneid", Zone, "zone"),
        ("podid", Pod, "pod"),
        ("clusterid", Cluster, "cluster"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.get(model, param)})
    for param, field in (("name", "name"), ("scope", "scope__iexact"), ("status", "state__iexact")):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    qs = filter_by_tag_params(ctx, qs, "Volume")
    return ctx.listing(ctx.keyword(qs))


@command(
    "createStoragePool",
    "Creates a storage pool.",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("name", required=True),
        Param("url", required=True, length=2048),
        Param("scope"),
        Param("podid", "uuid", related="listPods"),
        Param("clusterid", "uuid", related="listClusters"),
        Param("hostid", "uuid", related="listHosts"),
        Param("hypervisor"),
        Param("provider"),
        Param("tags", "list"),
        Param("capacitybytes", "long"),
    ],
    shape=POOL,
)
def create_storage_pool(ctx):
    fields = {
        "name": ctx.str("name"),
        "url": ctx.str("url"),
        "zone": ctx.get(Zone, "zoneid", required=True),
        "pod": ctx.get(Pod, "podid"),
        "cluster": ctx.get(Cluster, "clusterid"),
        "host": ctx.get(Host, "hostid"),
    }
    if ctx.has("scope"):
        fields["scope"] = ctx.str("scope").upper()
    elif fields["cluster"] is None and fields["host"] is None:
        fields["scope"] = PoolScope.ZONE
    if ctx.has("hypervisor"):
        from .infra import _hypervisor

        fields["hypervisor"] = _hypervisor(ctx.str("hypervisor"))
    if ctx.has("tags"):
        fields["tags"] = ctx.list("tags")
    if ctx.has("capacitybytes"):
        fields["capacity_bytes"] = ctx.int("capacitybytes")
    fields = {k: v for k, v in fields.items() if v is not None}
    pool = create_pool_and_connect(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one(pool)


# Synchronous like upstream: the pool must be committed before its hosts can attach it.
create_storage_pool.manages_transactions = True


@shape(
    "imagestore",
    "id name zoneid zonename protocol providername url scope readonly disksizetotal disksizeused",
    readonly="boolean",
    disksizetotal="long",
    disksizeused="long",
)
def IMAGE_STORE(store, ctx):
    return {
        "id": uid(store),
        "name": store.name,
        "zoneid": uid(store.zone),
        "zonename": store.zone.name if store.zone else None,
        "protocol": store.protocol,
        "providername": store.provider,
        "url": store.url,
        "scope": "ZONE" if store.zone_id else "REGION",
        "readonly": store.read_only,
        "disksizetotal": store.capacity_bytes or None,
        "disksizeused": store.used_bytes or None,
    }


@command(
    "listImageStores",
    "Lists image stores.",
    params=[
        Param("id", "uuid", related="listImageStores"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("protocol"),
        Param("provider"),
    ],
    shape=IMAGE_STORE,
    is_list=True,
)
def list_image_stores(ctx):
    qs = ImageStore.objects.restrict(ctx.user, "view").select_related("zone")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(ImageStore, "id").pk)
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    for param, field in (
        ("name", "name"),
        ("protocol", "protocol__iexact"),
        ("provider", "provider__iexact"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    qs = filter_by_tag_params(ctx, qs, "Volume")
    return ctx.listing(ctx.keyword(qs))


@command(
    "addImageStore",
    "Adds backup image store (nfs:// or cifs://server/share?user=U&password=P).",
    params=[
        Param("provider", required=True),
        Param("url", length=2048),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("details", "map"),
    ],
    shape=IMAGE_STORE,
)
def add_image_store(ctx):
    url = ctx.str("url")
    details = {d.get("key"): d.get("value") for d in ctx.map("details")}
    if url is None and details.get("url"):
        url = details["url"]
    fields = {"url": url or "", "zone": ctx.get(Zone, "zoneid")}
    fields["name"] = ctx.str("name") or ""  # default: the URL without its credentials
    store = services.create_image_store(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one(store)


@shape(
    "volume",
    "id name type state size zoneid zonename virtualmachineid vmname vmdisplayname vmstate "
    "deviceid diskofferingid diskofferingname storage storageid storagetype path account "
    "domainid domain created attached tags",
    size="long",
    deviceid="long",
    created="date",
    attached="date",
    tags="list",
)
def VOLUME(volume, ctx):
    vm = volume.instance
    offering = volume.disk_offering
    return {
        "id": uid(volume),
        "name": volume.name,
        "type": volume.volume_type,
        "state": volume.state,
        "size": volume.size,
        "zoneid": uid(volume.zone),
        "zonename": volume.zone.name,
        "virtualmachineid": uid(vm),
        "vmname": vm.name if vm else None,
        "vmdisplayname": vm.display_name if vm else None,
        "vmstate": vm.state if vm else None,
        "deviceid": volume.device_id,
        "diskofferingid": uid(offering),
        "diskofferingname": offering.name if offering else None,
        "storageid": uid(volume.pool),
        "storage": volume.pool.name if volume.pool else None,
        "storagetype": "shared",
        "path": volume.path or None,
        "templateid": uid(volume.template),
        "created": cs_date(volume.created),
        # volumes created with their VM (at deploy) are attached since their creation
        "attached": cs_date(volume.attached or volume.created) if vm else None,
        "destroyed": volume.state == VolumeState.DESTROY,
        "tags": tags_of(ctx, "Volume", volume),
        **owner(volume),
    }


@command(
    "listVolumes",
    "Lists all volumes.",
    params=[
        Param("id", "uuid", related="listVolumes"),
        Param("ids", "list"),
        Param("name"),
        Param("virtualmachineid", "uuid", related="listVirtualMachines"),
        Param("type"),
        Param("zoneid", "uuid", related="listZones"),
        Param("state"),
        TAGS_FILTER,
    ],
    shape=VOLUME,
    is_list=True,
    owned=True,
)
def list_volumes(ctx):
    qs = (
        Volume.objects.restrict(ctx.user, "view")
        .filter(removed__isnull=True)
        .exclude(state=VolumeState.EXPUNGED)
        .select_related("account__domain", "zone", "pool", "instance", "disk_offering", "template")
        .order_by("id")
    )
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Volume, "id").pk)
    if ctx.has("ids"):
        qs = qs.filter(uuid__in=ctx.list("ids"))
    if ctx.has("virtualmachineid"):
        qs = qs.filter(instance=ctx.get(Instance, "virtualmachineid"))
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    for param, field in (
        ("name", "name"),
        ("type", "volume_type__iexact"),
        ("state", "state__iexact"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    qs = filter_by_tag_params(ctx, qs, "Volume")
    return ctx.listing(ctx.keyword(qs))
