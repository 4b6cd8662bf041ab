"""Infrastructure: zones, pods, clusters, hosts, hypervisors, capacity."""

from __future__ import annotations

from urllib.parse import urlsplit

from compute import services
from compute.choices import AllocationState, Hypervisor
from compute.models import Cluster, Host, Pod, Zone
from portal.cloudstack.registry import command

from ._common import Param, cs_date, shape, success, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of


@shape(
    "zone",
    "id name description dns1 dns2 internaldns1 internaldns2 guestcidraddress networktype "
    "securitygroupsenabled localstorageenabled allocationstate domain domainid tags",
    securitygroupsenabled="boolean",
    localstorageenabled="boolean",
    tags="list",
)
def ZONE(zone, ctx):
    return {
        "id": uid(zone),
        "name": zone.name,
        "description": zone.description or None,
        "dns1": zone.dns1,
        "dns2": zone.dns2,
        "internaldns1": zone.internal_dns1,
        "internaldns2": zone.internal_dns2,
        "guestcidraddress": zone.guest_cidr,
        "networktype": zone.network_type,
        "securitygroupsenabled": zone.security_group_enabled,
        "localstorageenabled": zone.local_storage_enabled,
        "allocationstate": zone.allocation_state,
        "dhcpprovider": "VirtualRouter",
        "domainid": uid(zone.domain),
        "domain": zone.domain.name if zone.domain else None,
        "tags": tags_of(ctx, "Zone", zone),
    }


ZONE_FIELDS = {
    "name": "name",
    "description": "description",
    "networktype": "network_type",
    "dns1": "dns1",
    "dns2": "dns2",
    "internaldns1": "internal_dns1",
    "internaldns2": "internal_dns2",
    "guestcidraddress": "guest_cidr",
    "domain": "network_domain",
}


def _zone_fields(ctx) -> dict:
    out = {field: ctx.str(p) for p, field in ZONE_FIELDS.items() if ctx.has(p)}
    for p, field in (
        ("localstorageenabled", "local_storage_enabled"),
        ("securitygroupenabled", "security_group_enabled"),
    ):
        if p in ctx.params:
            out[field] = ctx.bool(p)
    if ctx.has("allocationstate"):
        out["allocation_state"] = ctx.str("allocationstate")
    return out


@command(
    "listZones",
    "Lists zones",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listZones"),
        Param("name"),
        Param("available", "boolean"),
        Param("networktype"),
    ],
    shape=ZONE,
    is_list=True,
)
def list_zones(ctx):
    qs = Zone.objects.restrict(ctx.user, "view").select_related("domain")
    if ctx.has("id"):
        qs = qs.filter(uuid=ctx.get(Zone, "id").uuid)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("networktype"):
        qs = qs.filter(network_type__iexact=ctx.str("networktype"))
    if not ctx.is_root:
        qs = qs.filter(allocation_state=AllocationState.ENABLED)
    qs = filter_by_tag_params(ctx, qs, "Zone")
    return ctx.listing(ctx.keyword(qs))


@command(
    "createZone",
    "Creates a Zone.",
    params=[
        Param("name", required=True),
        Param("networktype", required=True),
        Param("dns1", required=True),
        Param("internaldns1", required=True),
        Param("dns2"),
        Param("internaldns2"),
        Param("guestcidraddress"),
        Param("domain"),
        Param("localstorageenabled", "boolean"),
        Param("securitygroupenabled", "boolean"),
        Param("allocationstate"),
    ],
    shape=ZONE,
)
def create_zone(ctx):
    zone = services.create_zone(acting_user=ctx.user, client_ip=ctx.client_ip, **_zone_fields(ctx))
    return ctx.one(zone)


@command(
    "updateZone",
    "Updates a Zone.",
    params=[
        Param("id", "uuid", required=True, related="listZones"),
        Param("name"),
        Param("dns1"),
        Param("dns2"),
        Param("internaldns1"),
        Param("internaldns2"),
        Param("guestcidraddress"),
        Param("domain"),
        Param("allocationstate"),
        Param("localstorageenabled", "boolean"),
    ],
    shape=ZONE,
)
def update_zone(ctx):
    zone = ctx.get(Zone, "id", action="change", required=True)
    changes = _zone_fields(ctx)
    changes.pop("network_type", None)
    zone = services.update_zone(zone, acting_user=ctx.user, client_ip=ctx.client_ip, **changes)
    return ctx.one(zone)


@command(
    "deleteZone",
    "Deletes a Zone.",
    params=[Param("id", "uuid", required=True, related="listZones")],
)
def delete_zone(ctx):
    zone = ctx.get(Zone, "id", action="delete", required=True)
    services.delete_zone(zone, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@shape("pod", "id name zoneid zonename gateway netmask startip endip allocationstate")
def POD(pod, ctx):
    return {
        "id": uid(pod),
        "name": pod.name,
        "zoneid": uid(pod.zone),
        "zonename": pod.zone.name,
        "gateway": pod.gateway,
        "netmask": pod.netmask,
        "startip": [pod.start_ip],
        "endip": [pod.end_ip],
        "allocationstate": pod.allocation_state,
    }


@command(
    "listPods",
    "Lists all Pods.",
    params=[
        Param("id", "uuid", related="listPods"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("allocationstate"),
    ],
    shape=POD,
    is_list=True,
)
def list_pods(ctx):
    qs = Pod.objects.restrict(ctx.user, "view").select_related("zone")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Pod, "id").pk)
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("allocationstate"):
        qs = qs.filter(allocation_state__iexact=ctx.str("allocationstate"))
    return ctx.listing(ctx.keyword(qs))


@command(
    "createPod",
    "Creates a new Pod.",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("name", required=True),
        Param("gateway"),
        Param("netmask"),
        Param("startip"),
        Param("endip"),
        Param("allocationstate"),
    ],
    shape=POD,
)
def create_pod(ctx):
    fields = {
        "zone": ctx.get(Zone, "zoneid", required=True),
        "name": ctx.str("name"),
        "gateway": ctx.str("gateway"),
        "netmask": ctx.str("netmask"),
        "start_ip": ctx.str("startip"),
        "end_ip": ctx.str("endip") or ctx.str("startip"),
    }
    if ctx.has("allocationstate"):
        fields["allocation_state"] = ctx.str("allocationstate")
    pod = services.create_pod(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one(pod)


@shape(
    "cluster",
    "id name zoneid zonename podid podname hypervisortype clustertype allocationstate "
    "managedstate cpuovercommitratio memoryovercommitratio extensionid extensionname",
)
def CLUSTER(cluster, ctx):
    return {
        "id": uid(cluster),
        "name": cluster.name,
        "zoneid": uid(cluster.zone),
        "zonename": cluster.zone.name,
        "podid": uid(cluster.pod),
        "podname": cluster.pod.name,
        "hypervisortype": cluster.hypervisor,
        "clustertype": cluster.cluster_type,
        "allocationstate": cluster.allocation_state,
        "managedstate": "Managed",
        "cpuovercommitratio": str(cluster.cpu_overcommit_ratio),
        "memoryovercommitratio": str(cluster.memory_overcommit_ratio),
        **_extension_of(cluster),
    }


@command(
    "listClusters",
    "Lists clusters.",
    params=[
        Param("id", "uuid", related="listClusters"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("podid", "uuid", related="listPods"),
        Param("hypervisor"),
        Param("clustertype"),
        Param("allocationstate"),
    ],
    shape=CLUSTER,
    is_list=True,
)
def list_clusters(ctx):
    qs = Cluster.objects.restrict(ctx.user, "view").select_related("zone", "pod")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Cluster, "id").pk)
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    if ctx.has("podid"):
        qs = qs.filter(pod=ctx.get(Pod, "podid"))
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("hypervisor"):
        qs = qs.filter(hypervisor__iexact=ctx.str("hypervisor"))
    if ctx.has("clustertype"):
        qs = qs.filter(cluster_type__iexact=ctx.str("clustertype"))
    if ctx.has("allocationstate"):
        qs = qs.filter(allocation_state__iexact=ctx.str("allocationstate"))
    return ctx.listing(ctx.keyword(qs))


def _extension_of(cluster) -> dict:
    """``extensionid``/``extensionname`` of an External cluster (and its hosts)."""
    if cluster.hypervisor != Hypervisor.EXTERNAL:
        return {}
    from marketplace.services.bindings import cluster_binding

    from .extensions import extension_fields

    return extension_fields(cluster_binding(cluster.pk))


def _hypervisor(value: str | None) -> str | None:
    if value is None:
        return None
    for choice in Hypervisor.values:
        if choice.lower() == value.lower():
            return choice
    return value


@command(
    "addCluster",
    "Adds a new cluster",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("podid", "uuid", required=True, related="listPods"),
        Param("clustername", required=True),
        Param("clustertype", required=True),
        Param("hypervisor", required=True),
        Param("allocationstate"),
        Param("extensionid", "uuid", related="listExtensions"),
        Param("externaldetails", "map"),
    ],
    shape=CLUSTER,
)
def add_cluster(ctx):
    fields = {
        "zone": ctx.get(Zone, "zoneid", required=True),
        "pod": ctx.get(Pod, "podid", required=True),
        "name": ctx.str("clustername"),
        "cluster_type": ctx.str("clustertype"),
        "hypervisor": _hypervisor(ctx.str("hypervisor")),
    }
    if ctx.has("allocationstate"):
        fields["allocation_state"] = ctx.str("allocationstate")
    if ctx.has("extensionid") or ctx.map("externaldetails"):
        from .extensions import external_cluster  # bound to its extension in one transaction

        return ctx.one_as_list(external_cluster(ctx, fields))
    cluster = services.create_cluster(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one_as_list(cluster)


@shape(
    "host",
    "id name type state resourcestate hypervisor ipaddress zoneid zonename podid podname "
    "clusterid clustername cpunumber cpuspeed cpuallocated memorytotal memoryallocated "
    "lastpinged version hosttags created extensionid extensionname",
    cpunumber="integer",
    cpuspeed="long",
    memorytotal="long",
    memoryallocated="long",
    created="date",
    lastpinged="date",
)
def HOST(host, ctx):
    total = host.cpu_total_mhz
    return {
        "id": uid(host),
        "name": host.name,
        "type": host.host_type,
        "state": host.status,
        "resourcestate": host.resource_state,
        "hypervisor": host.hypervisor,
        # upstream: the address addHost's url names when the agent reports none
        "ipaddress": host.private_ip or urlsplit(host.url).hostname,
        "zoneid": uid(host.zone),
        "zonename": host.zone.name,
        "podid": uid(host.pod),
        "podname": host.pod.name,
        "clusterid": uid(host.cluster),
        "clustername": host.cluster.name,
        "clustertype": host.cluster.cluster_type,
        "cpunumber": host.cpus,
        "cpusockets": host.cpu_sockets,
        "cpuspeed": host.cpu_speed,
        "cpuallocated": f"{(100 * host.cpu_allocated_mhz / total) if total else 0:.2f}%",
        "memorytotal": host.memory,
        "memoryallocated": host.memory_allocated,
        "lastpinged": cs_date(host.last_ping),
        "version": host.agent_version or None,
        "hosttags": ",".join(host.host_tags) if host.host_tags else None,
        **_extension_of(host.cluster),
        "created": cs_date(host.created),
    }


@command(
    "listHosts",
    "Lists hosts.",
    params=[
        Param("id", "uuid", related="listHosts"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
        Param("podid", "uuid", related="listPods"),
        Param("clusterid", "uuid", related="listClusters"),
        Param("type"),
        Param("state"),
        Param("hypervisor"),
        Param("resourcestate"),
    ],
    shape=HOST,
    is_list=True,
)
def list_hosts(ctx):
    qs = Host.objects.restrict(ctx.user, "view").select_related("zone", "pod", "cluster")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Host, "id").pk)
    for param, model, field in (
        ("zoneid", Zone, "zone"),
        ("podid", Pod, "pod"),
        ("clusterid", Cluster, "cluster"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.get(model, param)})
    for param, field in (
        ("name", "name"),
        ("type", "host_type__iexact"),
        ("state", "status__iexact"),
        ("hypervisor", "hypervisor__iexact"),
        ("resourcestate", "resource_state__iexact"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    return ctx.listing(ctx.keyword(qs))


@command(
    "addHost",
    "Adds a new host.",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("podid", "uuid", required=True, related="listPods"),
        Param("url", required=True),
        Param("hypervisor", required=True),
        Param("clusterid", "uuid", related="listClusters"),
        Param("clustername"),
        Param("username"),
        Param("password"),
        Param("hosttags", "list"),
        Param("externaldetails", "map", description="hosts of External clusters"),
    ],
    shape=HOST,
)
def add_host(ctx):
    zone, pod = ctx.get(Zone, "zoneid", required=True), ctx.get(Pod, "podid", required=True)
    cluster = ctx.get(Cluster, "clusterid")
    if cluster is None and ctx.has("clustername"):
        cluster = (
            Cluster.objects.restrict(ctx.user, "view")
            .filter(pod=pod, name=ctx.str("clustername"))
            .first()
        )
    if cluster is None:
        from portal.cloudstack.errors import param_error

        raise param_error(
            "Either clusterid or the name of an existing cluster (clustername) is required"
        )
    fields = {
        "cluster": cluster,
        "zone": zone,
        "pod": pod,
        "url": ctx.str("url"),
        "hypervisor": _hypervisor(ctx.str("hypervisor")),
    }
    for p in ("username", "password"):
        if ctx.has(p):
            fields[p] = ctx.str(p)
    if ctx.has("hosttags"):
        fields["host_tags"] = ctx.list("hosttags")
    if ctx.map("externaldetails"):
        from .extensions import details_map

        fields["external_details"] = details_map(ctx, "externaldetails")
    host = services.add_host_and_wait(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one_as_list(host)


# Synchronous like upstream: the host must be committed before its connect job can run.
add_host.manages_transactions = True


@shape("hypervisor", "name")
def HYPERVISOR(name, ctx):
    return {"name": name}


@command(
    "listHypervisors",
    "List hypervisors",
    params=[Param("zoneid", "uuid", related="listZones")],
    shape=HYPERVISOR,
    is_list=True,
)
def list_hypervisors(ctx):
    if ctx.has("zoneid"):
        zone = ctx.get(Zone, "zoneid")
        names = sorted(set(Cluster.objects.filter(zone=zone).values_list("hypervisor", flat=True)))
    else:
        names = list(Hypervisor.values)
    return ctx.listing(names)


@shape(
    "capacity",
    "type name capacityused capacitytotal capacityallocated percentused zoneid zonename "
    "podid podname clusterid clustername",
    type="short",
    capacityused="long",
    capacitytotal="long",
    capacityallocated="long",
)
def CAPACITY(row, ctx):
    return row


CAPACITY_NAMES = {0: "MEMORY", 1: "CPU", 2: "STORAGE", 3: "STORAGE_ALLOCATED"}


def _capacity_rows(ctx) -> list[dict]:
    from compute.capacity_summary import zone_capacity
    from storage.models import StoragePool

    zones = Zone.objects.restrict(ctx.user, "view")
    hosts = Host.objects.all()
    pools = StoragePool.objects.all()
    if ctx.has("zoneid"):
        zone = ctx.get(Zone, "zoneid")
        zones, hosts, pools = (
            zones.filter(pk=zone.pk),
            hosts.filter(zone=zone),
            pools.filter(zone=zone),
        )
    if ctx.has("podid"):
        pod = ctx.get(Pod, "podid")
        hosts, pools = hosts.filter(pod=pod), pools.filter(pod=pod)
    if ctx.has("clusterid"):
        cluster = ctx.get(Cluster, "clusterid")
        hosts, pools = hosts.filter(cluster=cluster), pools.filter(cluster=cluster)
    capacity = zone_capacity(hosts, pools)
    wanted = ctx.int("type")
    rows = []
    for zone in zones:
        values = capacity.get(zone.pk, {})
        for kind in (0, 1, 2, 3):
            used, total = values.get(kind, (0, 0))
            if wanted is not None and kind != wanted:
                continue
            rows.append(
                {
                    "type": kind,
                    "name": CAPACITY_NAMES[kind],
                    "capacityused": used,
                    "capacityallocated": used,
                    "capacitytotal": total,
                    "percentused": f"{(100 * used / total) if total else 0:.2f}",
                    "zoneid": uid(zone),
                    "zonename": zone.name,
                }
            )
    if ctx.str("sortby") == "usage":
        rows.sort(key=lambda r: -float(r["percentused"]))
    return rows


@command(
    "listCapacity",
    "Lists all the system wide capacities.",
    params=[
        Param("zoneid", "uuid", related="listZones"),
        Param("podid", "uuid", related="listPods"),
        Param("clusterid", "uuid", related="listClusters"),
        Param("type", "integer"),
        Param("fetchlatest", "boolean"),
        Param("sortby"),
    ],
    shape=CAPACITY,
    is_list=True,
)
def list_capacity(ctx):
    return ctx.listing(_capacity_rows(ctx))
