"""Offerings: service (compute), disk and network offerings."""

from __future__ import annotations

from compute import services as compute_services
from compute.models import Instance, ServiceOffering, Zone
from networking.models import NetworkOffering
from portal.cloudstack.registry import command
from storage import services as storage_services
from storage.models import DiskOffering

from ._common import Param, cs_date, shape, uid

GIB = 1024**3


@shape(
    "serviceoffering",
    "id name displaytext cpunumber cpuspeed memory offerha limitcpuuse storagetype hosttags "
    "storagetags iscustomized issystem state rootdisksize domainid domain created",
    cpunumber="integer",
    cpuspeed="integer",
    memory="integer",
    offerha="boolean",
    limitcpuuse="boolean",
    iscustomized="boolean",
    issystem="boolean",
    rootdisksize="long",
    created="date",
)
def SERVICE_OFFERING(o, ctx):
    return {
        "id": uid(o),
        "name": o.name,
        "displaytext": o.display_text or o.name,
        "cpunumber": o.cpu_number,
        "cpuspeed": o.cpu_speed,
        "memory": o.memory,
        "offerha": o.offer_ha,
        "limitcpuuse": o.limit_cpu_use,
        "storagetype": o.storage_type,
        "hosttags": ",".join(o.host_tags) if o.host_tags else None,
        "storagetags": ",".join(o.storage_tags) if o.storage_tags else None,
        "iscustomized": o.customized,
        "issystem": o.is_system,
        "state": o.state,
        "rootdisksize": o.root_disk_size,
        "domainid": uid(o.domain),
        "domain": o.domain.name if o.domain else None,
        "created": cs_date(o.created),
    }


@command(
    "listServiceOfferings",
    "Lists all available service offerings.",
    params=[
        Param("id", "uuid", related="listServiceOfferings"),
        Param("name"),
        Param("issystem", "boolean"),
        Param("zoneid", "uuid", related="listZones"),
        Param("virtualmachineid", "uuid", related="listVirtualMachines"),
    ],
    shape=SERVICE_OFFERING,
    is_list=True,
)
def list_service_offerings(ctx):
    qs = ServiceOffering.objects.restrict(ctx.user, "view").select_related("domain")
    qs = qs.filter(removed__isnull=True)
    qs = qs.filter(is_system=ctx.bool("issystem"))
    if not ctx.is_root:
        qs = qs.filter(state="Active")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(ServiceOffering, "id").pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    ctx.get(Zone, "zoneid")  # offerings are not zone-scoped: a valid zone lists them all
    if ctx.has("virtualmachineid"):
        # the offerings the instance can change to: not the one it has
        vm = ctx.get(Instance, "virtualmachineid")
        qs = qs.exclude(pk=vm.service_offering_id).filter(
            storage_type=vm.service_offering.storage_type
        )
    return ctx.listing(ctx.keyword(qs))


@command(
    "createServiceOffering",
    "Creates a service offering.",
    params=[
        Param("name", required=True),
        Param("displaytext"),
        Param("cpunumber", "integer"),
        Param("cpuspeed", "integer"),
        Param("memory", "integer"),
        Param("customized", "boolean"),
        Param("offerha", "boolean"),
        Param("limitcpuuse", "boolean"),
        Param("storagetype"),
        Param("hosttags", description="comma-separated tags the host must carry"),
        Param("tags", description="comma-separated storage tags the root disk's pool must carry"),
        Param("issystem", "boolean"),
        Param("rootdisksize", "long"),
        Param("externaldetails", "map", description="for External clusters' extensions"),
    ],
    shape=SERVICE_OFFERING,
)
def create_service_offering(ctx):
    fields = {"name": ctx.str("name"), "display_text": ctx.str("displaytext") or ctx.str("name")}
    for param, field in (
        ("cpunumber", "cpu_number"),
        ("cpuspeed", "cpu_speed"),
        ("memory", "memory"),
        ("rootdisksize", "root_disk_size"),
    ):
        if ctx.has(param):
            fields[field] = ctx.int(param)
    for param, field in (
        ("customized", "customized"),
        ("offerha", "offer_ha"),
        ("limitcpuuse", "limit_cpu_use"),
        ("issystem", "is_system"),
    ):
        if param in ctx.params:
            fields[field] = ctx.bool(param)
    if ctx.has("storagetype"):
        fields["storage_type"] = ctx.str("storagetype").lower()
    if ctx.has("hosttags"):
        fields["host_tags"] = ctx.list("hosttags")
    if ctx.has("tags"):
        fields["storage_tags"] = ctx.list("tags")
    if ctx.map("externaldetails"):
        from .extensions import details_map

        fields["external_details"] = details_map(ctx, "externaldetails")
    offering = compute_services.create_service_offering(
        acting_user=ctx.user, client_ip=ctx.client_ip, **fields
    )
    return ctx.one(offering)


@shape(
    "diskoffering",
    "id name displaytext disksize iscustomized minsize maxsize storagetype provisioningtype "
    "tags state domainid domain created",
    disksize="long",
    iscustomized="boolean",
    created="date",
)
def DISK_OFFERING(o, ctx):
    return {
        "id": uid(o),
        "name": o.name,
        "displaytext": o.display_text or o.name,
        "disksize": o.disk_size or 0,
        "iscustomized": o.customized,
        "minsize": o.min_size,
        "maxsize": o.max_size,
        "storagetype": o.storage_type,
        "provisioningtype": o.provisioning_type,
        "tags": ",".join(o.tags) if o.tags else None,
        "state": o.state,
        "domainid": uid(o.domain),
        "domain": o.domain.name if o.domain else None,
        "created": cs_date(o.created),
    }


@command(
    "listDiskOfferings",
    "Lists all available disk offerings.",
    params=[
        Param("id", "uuid", related="listDiskOfferings"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
    ],
    shape=DISK_OFFERING,
    is_list=True,
)
def list_disk_offerings(ctx):
    qs = DiskOffering.objects.restrict(ctx.user, "view").select_related("domain")
    qs = qs.filter(removed__isnull=True)
    if not ctx.is_root:
        qs = qs.filter(state="Active")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(DiskOffering, "id").pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    ctx.get(Zone, "zoneid")  # offerings are not zone-scoped: a valid zone lists them all
    return ctx.listing(ctx.keyword(qs))


@command(
    "createDiskOffering",
    "Creates a disk offering.",
    params=[
        Param("name", required=True),
        Param("displaytext"),
        Param("disksize", "long"),
        Param("customized", "boolean"),
        Param("minsize", "long"),
        Param("maxsize", "long"),
        Param("storagetype"),
        Param("provisioningtype"),
        Param("tags"),
    ],
    shape=DISK_OFFERING,
)
def create_disk_offering(ctx):
    fields = {"name": ctx.str("name"), "display_text": ctx.str("displaytext") or ctx.str("name")}
    for param, field in (
        ("disksize", "disk_size"),
        ("minsize", "min_size"),
        ("maxsize", "max_size"),
    ):
        if ctx.has(param):
            fields[field] = ctx.int(param)
    if "customized" in ctx.params:
        fields["customized"] = ctx.bool("customized")
    if ctx.has("storagetype"):
        fields["storage_type"] = ctx.str("storagetype").lower()
    if ctx.has("provisioningtype"):
        fields["provisioning_type"] = ctx.str("provisioningtype").lower()
    if ctx.has("tags"):
        fields["tags"] = ctx.list("tags")
    offering = storage_services.create_disk_offering(
        acting_user=ctx.user, client_ip=ctx.client_ip, **fields
    )
    return ctx.one(offering)


@shape(
    "networkoffering",
    "id name displaytext guestiptype traffictype state availability isdefault specifyvlan "
    "specifyipranges conservemode ispersistent egressdefaultpolicy forvpc networkrate service "
    "created",
    isdefault="boolean",
    specifyvlan="boolean",
    specifyipranges="boolean",
    conservemode="boolean",
    ispersistent="boolean",
    egressdefaultpolicy="boolean",
    forvpc="boolean",
    service="list",
    created="date",
)
def NETWORK_OFFERING(o, ctx):
    return {
        "id": uid(o),
        "name": o.name,
        "displaytext": o.display_text or o.name,
        "guestiptype": o.guest_ip_type,
        "traffictype": o.traffic_type.upper(),
        "state": o.state,
        "availability": o.availability,
        "isdefault": o.is_default,
        "specifyvlan": o.specify_vlan,
        "specifyipranges": o.specify_ip_ranges,
        "conservemode": o.conserve_mode,
        "ispersistent": o.is_persistent,
        "egressdefaultpolicy": o.egress_default_policy,
        "forvpc": o.for_vpc,
        "networkrate": o.network_rate,
        "serviceofferingid": None,
        "service": [
            {"name": name, "provider": [{"name": p} for p in providers]}
            for name, providers in sorted((o.services or {}).items())
        ],
        "created": cs_date(o.created),
    }


@command(
    "listNetworkOfferings",
    "Lists all available network offerings.",
    params=[
        Param("id", "uuid", related="listNetworkOfferings"),
        Param("name"),
        Param("state"),
        Param("guestiptype"),
        Param("traffictype"),
        Param("zoneid", "uuid", related="listZones"),
        Param("isdefault", "boolean"),
        Param("forvpc", "boolean"),
    ],
    shape=NETWORK_OFFERING,
    is_list=True,
)
def list_network_offerings(ctx):
    qs = NetworkOffering.objects.restrict(ctx.user, "view").filter(removed__isnull=True)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(NetworkOffering, "id").pk)
    if ctx.has("zoneid"):
        ctx.get(Zone, "zoneid")
    for param, field in (
        ("name", "name"),
        ("state", "state__iexact"),
        ("guestiptype", "guest_ip_type__iexact"),
        ("traffictype", "traffic_type__iexact"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    for param, field in (("isdefault", "is_default"), ("forvpc", "for_vpc")):
        if param in ctx.params:
            qs = qs.filter(**{field: ctx.bool(param)})
    return ctx.listing(ctx.keyword(qs))
