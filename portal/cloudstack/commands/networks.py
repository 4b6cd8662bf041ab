"""Networking: guest networks, public IPs, physical networks, traffic types, IP ranges."""

from __future__ import annotations

from ipaddress import IPv4Address

from django.db.models import Q

from compute.models import Pod, Zone
from networking import services
from networking.choices import AclType, IpState, NetworkState
from networking.models import (
    IPAddress,
    Network,
    NetworkOffering,
    PhysicalNetwork,
    PublicIpRange,
    TrafficType,
)
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Domain

from ._common import Param, cs_date, owner, shape, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of
from .vms import _owner_account


@shape(
    "network",
    "id name displaytext zoneid zonename networkofferingid networkofferingname "
    "networkofferingdisplaytext type traffictype state cidr gateway netmask vlan broadcasturi "
    "networkdomain dns1 dns2 physicalnetworkid acltype isdefault canusefordeploy "
    "restartrequired specifyipranges account domainid domain created service tags",
    isdefault="boolean",
    canusefordeploy="boolean",
    restartrequired="boolean",
    specifyipranges="boolean",
    created="date",
    service="list",
    tags="list",
)
def NETWORK(n, ctx):
    offering = n.network_offering
    return {
        "id": uid(n),
        "name": n.name,
        "displaytext": n.display_text or n.name,
        "zoneid": uid(n.zone),
        "zonename": n.zone.name,
        "networkofferingid": uid(offering),
        "networkofferingname": offering.name,
        "networkofferingdisplaytext": offering.display_text or offering.name,
        "networkofferingavailability": offering.availability,
        "type": n.guest_type,
        "traffictype": "Guest",
        "state": n.state,
        "cidr": n.cidr or None,
        "gateway": n.gateway,
        "netmask": n.netmask,
        "vlan": n.vlan.removeprefix("vlan://") if n.vlan else None,
        "broadcasturi": n.vlan or None,
        "networkdomain": n.network_domain or None,
        "dns1": n.dns1,
        "dns2": n.dns2,
        "physicalnetworkid": uid(n.physical_network),
        "acltype": n.acl_type,
        "isdefault": False,
        "canusefordeploy": True,
        "restartrequired": False,
        "specifyipranges": offering.specify_ip_ranges,
        "created": cs_date(n.created),
        "service": [{"name": s} for s in sorted(offering.services or {})],
        "tags": tags_of(ctx, "Network", n),
        **owner(n),
    }


def network_queryset():
    return Network.objects.select_related(
        "zone", "network_offering", "physical_network", "account__domain", "project"
    )


register_result("Network", network_queryset, NETWORK, "Network")


@command(
    "listNetworks",
    "Lists all available networks.",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listNetworks"),
        Param("zoneid", "uuid", related="listZones"),
        Param("type"),
        Param("traffictype"),
        Param("physicalnetworkid", "uuid"),
        Param("canusefordeploy", "boolean"),
    ],
    shape=NETWORK,
    is_list=True,
    owned=True,
)
def list_networks(ctx):
    live = network_queryset().filter(removed__isnull=True).exclude(state=NetworkState.DESTROY)
    qs = ctx.owned(live.restrict(ctx.user, "view"))
    account = getattr(ctx.user, "account", None)
    if account is not None and not any(ctx.has(p) for p in ("account", "domainid", "projectid")):
        # as upstream: besides the caller's own, the shared networks it may use
        shared = live.filter(services.shared_with(account))
        qs = live.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=shared.values("pk")))
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Network, "id").pk)
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    if ctx.has("physicalnetworkid"):
        qs = qs.filter(physical_network=ctx.get(PhysicalNetwork, "physicalnetworkid"))
    if ctx.has("type"):
        qs = qs.filter(guest_type__iexact=ctx.str("type"))
    # every network listed here is a Guest network an instance can be deployed in
    if ctx.has("traffictype") and ctx.str("traffictype").lower() != "guest":
        qs = qs.none()
    if "canusefordeploy" in ctx.params and not ctx.bool("canusefordeploy"):
        qs = qs.none()
    qs = filter_by_tag_params(ctx, qs, "Network")
    return ctx.listing(ctx.keyword(qs, "name", "display_text").order_by("id"))


@command(
    "createNetwork",
    "Creates a network",
    params=[
        Param("name", required=True),
        Param("networkofferingid", "uuid", required=True, related="listNetworkOfferings"),
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("displaytext"),
        Param("gateway"),
        Param("netmask"),
        Param("startip"),
        Param("endip"),
        Param("vlan"),
        Param("physicalnetworkid", "uuid", related="listPhysicalNetworks"),
        Param("networkdomain"),
        Param("acltype", description="Account or Domain (shared networks: Domain by default)"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=NETWORK,
)
def create_network(ctx):
    fields = {
        "name": ctx.str("name"),
        "display_text": ctx.str("displaytext") or ctx.str("name"),
        "zone": ctx.get(Zone, "zoneid", required=True),
        "network_offering": ctx.get(NetworkOffering, "networkofferingid", required=True),
        "physical_network": ctx.get(PhysicalNetwork, "physicalnetworkid"),
        "account": _owner_account(ctx),
    }
    for param, field in (
        ("gateway", "gateway"),
        ("netmask", "netmask"),
        ("startip", "start_ip"),
        ("endip", "end_ip"),
        ("vlan", "vlan"),
        ("networkdomain", "network_domain"),
    ):
        if ctx.has(param):
            fields[field] = ctx.str(param)
    if ctx.has("acltype"):
        fields["acl_type"] = _acl_type(ctx.str("acltype"))
    network = services.create_network(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return ctx.one(network_queryset().get(pk=network.pk))


def _acl_type(value: str) -> str:
    for choice in AclType.values:
        if choice.lower() == value.lower():
            return choice
    raise param_error(f"acltype must be Account or Domain, not {value!r}")


@command(
    "deleteNetwork",
    "Deletes a network",
    params=[Param("id", "uuid", required=True, related="listNetworks"), Param("forced", "boolean")],
    isasync=True,
)
def delete_network(ctx):
    network = ctx.get(Network, "id", action="delete", required=True)
    services.delete_network(network, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(completed_job(ctx, network, success_only=True))


@shape(
    "publicipaddress",
    "id ipaddress allocated zoneid zonename issourcenat isstaticnat state associatednetworkid "
    "associatednetworkname vlanid vlanname forvirtualnetwork account domainid domain tags",
    allocated="date",
    tags="list",
    issourcenat="boolean",
    isstaticnat="boolean",
    forvirtualnetwork="boolean",
)
def PUBLIC_IP(ip, ctx):
    ip_range = ip.ip_range
    return {
        "id": uid(ip),
        "ipaddress": ip.address,
        "allocated": cs_date(ip.allocated),
        "zoneid": uid(ip.zone),
        "zonename": ip.zone.name,
        "issourcenat": ip.is_source_nat,
        "isstaticnat": _static_nat(ip) is not None,
        "virtualmachineid": uid(getattr(_static_nat(ip), "instance", None)),
        "issystem": False,
        "state": ip.state,
        "associatednetworkid": uid(ip.network),
        "associatednetworkname": ip.network.name if ip.network else None,
        "vlanid": uid(ip_range),
        "vlanname": ip_range.vlan,
        "forvirtualnetwork": ip_range.for_virtual_network,
        "physicalnetworkid": uid(ip_range.physical_network),
        "tags": tags_of(ctx, "PublicIpAddress", ip),
        **owner(ip),
    }


def _static_nat(ip):
    return getattr(ip, "static_nat", None)


IP_ADDRESS = type(PUBLIC_IP)("ipaddress", PUBLIC_IP.fields, PUBLIC_IP.render)


def ip_queryset():
    return IPAddress.objects.select_related(
        "zone", "network", "account__domain", "ip_range__physical_network", "static_nat__instance"
    )


register_result("IPAddress", ip_queryset, IP_ADDRESS, "IpAddress")


@command(
    "listPublicIpAddresses",
    "Lists all public IP addresses",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listPublicIpAddresses"),
        Param("ipaddress"),
        Param("zoneid", "uuid", related="listZones"),
        Param("associatednetworkid", "uuid"),
        Param("allocatedonly", "boolean"),
        Param("issourcenat", "boolean"),
        Param("isstaticnat", "boolean"),
        Param("forvirtualnetwork", "boolean"),
    ],
    shape=PUBLIC_IP,
    is_list=True,
    owned=True,
)
def list_public_ip_addresses(ctx):
    qs = ip_queryset().restrict(ctx.user, "view")
    if ctx.bool("allocatedonly", True):
        qs = qs.exclude(state=IpState.FREE)
        qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(IPAddress, "id").pk)
    if ctx.has("ipaddress"):
        qs = qs.filter(address=ctx.str("ipaddress"))
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    if ctx.has("associatednetworkid"):
        qs = qs.filter(network=ctx.get(Network, "associatednetworkid"))
    if "issourcenat" in ctx.params:
        qs = qs.filter(is_source_nat=ctx.bool("issourcenat"))
    if "isstaticnat" in ctx.params:
        qs = qs.filter(static_nat__isnull=not ctx.bool("isstaticnat"))
    if "forvirtualnetwork" in ctx.params:
        qs = qs.filter(ip_range__for_virtual_network=ctx.bool("forvirtualnetwork"))
    qs = filter_by_tag_params(ctx, qs, "PublicIpAddress")
    return ctx.listing(ctx.keyword(qs, "address").order_by("id"))


def _ipv4(ctx, name: str) -> str | None:
    value = ctx.str(name)
    if value is not None:
        try:
            IPv4Address(value)
        except ValueError as exc:
            raise param_error(
                f"Invalid parameter {name} value={value}: not an IPv4 address"
            ) from exc
    return value


@command(
    "associateIpAddress",
    "Acquires and associates a public IP to an account.",
    params=[
        Param("zoneid", "uuid", related="listZones"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("ipaddress", description="the free public IP address to acquire"),
    ],
    shape=IP_ADDRESS,
    isasync=True,
)
def associate_ip_address(ctx):
    network = ctx.get(Network, "networkid", action="change")
    zone = ctx.get(Zone, "zoneid") or (network.zone if network else None)
    if zone is None:
        raise param_error(
            "Unable to execute API command associateipaddress due to missing parameter zoneid"
        )
    account = _owner_account(ctx) or (network.account if network else ctx.user.account)
    ip = services.allocate_public_ip(
        account,
        zone,
        network,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        address=_ipv4(ctx, "ipaddress"),
    )
    return answer(completed_job(ctx, ip), ip)


@command(
    "disassociateIpAddress",
    "Disassociates an IP address from the account.",
    params=[Param("id", "uuid", required=True, related="listPublicIpAddresses")],
    isasync=True,
)
def disassociate_ip_address(ctx):
    ip = ctx.get(IPAddress, "id", action="change", required=True)
    services.release_public_ip(ip, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(completed_job(ctx, ip, success_only=True))


@shape(
    "physicalnetwork",
    "id name zoneid zonename state isolationmethods vlan networkspeed "
    "broadcastdomainrange tags domainid",
)
def PHYSICAL_NETWORK(p, ctx):
    return {
        "id": uid(p),
        "name": p.name,
        "zoneid": uid(p.zone),
        "zonename": p.zone.name,
        "state": p.state,
        "isolationmethods": p.isolation_method,
        "vlan": p.vlan_range or None,
        "networkspeed": p.speed or None,
        "broadcastdomainrange": "ZONE",
        "tags": ",".join(p.tags) if p.tags else None,
        "domainid": uid(p.domain),
    }


register_result(
    "PhysicalNetwork",
    lambda: PhysicalNetwork.objects.select_related("zone", "domain"),
    PHYSICAL_NETWORK,
    "PhysicalNetwork",
)


@command(
    "listPhysicalNetworks",
    "Lists physical networks",
    params=[
        Param("id", "uuid", related="listPhysicalNetworks"),
        Param("name"),
        Param("zoneid", "uuid", related="listZones"),
    ],
    shape=PHYSICAL_NETWORK,
    is_list=True,
)
def list_physical_networks(ctx):
    qs = PhysicalNetwork.objects.restrict(ctx.user, "view").select_related("zone", "domain")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(PhysicalNetwork, "id").pk)
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    return ctx.listing(ctx.keyword(qs))


@command(
    "createPhysicalNetwork",
    "Creates a physical network",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("name", required=True),
        Param("isolationmethods", "list"),
        Param("vlan"),
        Param("networkspeed"),
        Param("tags", "list"),
        Param("broadcastdomainrange"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=PHYSICAL_NETWORK,
    isasync=True,
)
def create_physical_network(ctx):
    fields = {
        "zone": ctx.get(Zone, "zoneid", required=True),
        "name": ctx.str("name"),
        "domain": ctx.get(Domain, "domainid"),
    }
    if ctx.list("isolationmethods"):
        fields["isolation_method"] = ctx.list("isolationmethods")[0].upper()
    if ctx.has("vlan"):
        fields["vlan_range"] = ctx.str("vlan")
    if ctx.has("networkspeed"):
        fields["speed"] = ctx.str("networkspeed")
    if ctx.has("tags"):
        fields["tags"] = ctx.list("tags")
    physical = services.create_physical_network(
        acting_user=ctx.user, client_ip=ctx.client_ip, **fields
    )
    return answer(completed_job(ctx, physical), physical)


@command(
    "updatePhysicalNetwork",
    "Updates a physical network",
    params=[
        Param("id", "uuid", required=True, related="listPhysicalNetworks"),
        Param("state"),
        Param("vlan"),
        Param("networkspeed"),
        Param("tags", "list"),
    ],
    shape=PHYSICAL_NETWORK,
    isasync=True,
)
def update_physical_network(ctx):
    physical = ctx.get(PhysicalNetwork, "id", action="change", required=True)
    changes = {}
    for param, field in (("state", "state"), ("vlan", "vlan_range"), ("networkspeed", "speed")):
        if ctx.has(param):
            changes[field] = ctx.str(param)
    if ctx.has("tags"):
        changes["tags"] = ctx.list("tags")
    physical = services.update_physical_network(
        physical, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return answer(completed_job(ctx, physical), physical)


@shape("traffictype", "id traffictype physicalnetworkid kvmnetworklabel hypervnetworklabel")
def TRAFFIC_TYPE(t, ctx):
    return {
        "id": uid(t),
        "traffictype": t.traffic_type,
        "physicalnetworkid": uid(t.physical_network),
        "kvmnetworklabel": t.kvm_label or None,
        "hypervnetworklabel": t.hyperv_label or None,
    }


register_result(
    "TrafficType",
    lambda: TrafficType.objects.select_related("physical_network"),
    TRAFFIC_TYPE,
    "TrafficType",
)


@command(
    "addTrafficType",
    "Adds traffic type to a physical network",
    params=[
        Param("physicalnetworkid", "uuid", required=True, related="listPhysicalNetworks"),
        Param("traffictype", required=True),
        Param("kvmnetworklabel"),
        Param("hypervnetworklabel"),
        Param("vlan"),
    ],
    shape=TRAFFIC_TYPE,
    isasync=True,
)
def add_traffic_type(ctx):
    physical = ctx.get(PhysicalNetwork, "physicalnetworkid", action="change", required=True)
    kind = ctx.str("traffictype").capitalize()
    fields = {"physical_network": physical, "traffic_type": kind}
    if ctx.has("kvmnetworklabel"):
        fields["kvm_label"] = ctx.str("kvmnetworklabel")
    if ctx.has("hypervnetworklabel"):
        fields["hyperv_label"] = ctx.str("hypervnetworklabel")
    traffic = services.create_traffic_type(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
    return answer(completed_job(ctx, traffic), traffic)


VLAN_SPEC = (
    "id zoneid podid podname networkid physicalnetworkid vlan gateway netmask startip endip "
    "forvirtualnetwork account domainid domain domainpath"
)


def _vlan(r, ctx):
    return {
        "id": uid(r),
        "zoneid": uid(r.zone),
        "podid": uid(r.pod),
        "podname": r.pod.name if r.pod else None,
        "networkid": uid(r.network),
        "physicalnetworkid": uid(r.physical_network),
        "vlan": r.vlan,
        "gateway": r.gateway,
        "netmask": r.netmask,
        "startip": r.start_ip,
        "endip": r.end_ip,
        "forvirtualnetwork": r.for_virtual_network,
        **_dedicated_to(r),
    }


def _dedicated_to(r) -> dict:
    """account/domain of a dedicated range (an account's range answers its domain)."""
    domain = r.domain or (r.account.domain if r.account else None)
    return {
        "account": r.account.name if r.account else None,
        "domainid": uid(domain),
        "domain": domain.name if domain else None,
        "domainpath": domain.path if domain else None,
    }


VLAN = shape("vlan", VLAN_SPEC, forvirtualnetwork="boolean")(_vlan)
VLAN_RANGE = shape("vlaniprange", VLAN_SPEC, forvirtualnetwork="boolean")(_vlan)


@command(
    "listVlanIpRanges",
    "Lists all VLAN IP ranges.",
    params=[
        Param("id", "uuid"),
        Param("zoneid", "uuid", related="listZones"),
        Param("networkid", "uuid"),
        Param("physicalnetworkid", "uuid"),
        Param("forvirtualnetwork", "boolean"),
    ],
    shape=VLAN_RANGE,
    is_list=True,
)
def list_vlan_ip_ranges(ctx):
    qs = PublicIpRange.objects.restrict(ctx.user, "view").select_related(
        "zone", "pod", "network", "physical_network", "account__domain", "domain"
    )
    for param, model, field in (
        ("id", PublicIpRange, "pk"),
        ("zoneid", Zone, "zone"),
        ("networkid", Network, "network"),
        ("physicalnetworkid", PhysicalNetwork, "physical_network"),
    ):
        if ctx.has(param):
            obj = ctx.get(model, param)
            qs = qs.filter(**{field: obj.pk if field == "pk" else obj})
    if "forvirtualnetwork" in ctx.params:
        qs = qs.filter(for_virtual_network=ctx.bool("forvirtualnetwork"))
    return ctx.listing(qs)


@command(
    "createVlanIpRange",
    "Creates a VLAN IP range.",
    params=[
        Param("zoneid", "uuid", related="listZones"),
        Param("podid", "uuid", related="listPods"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("physicalnetworkid", "uuid", related="listPhysicalNetworks"),
        Param("startip"),
        Param("endip"),
        Param("gateway"),
        Param("netmask"),
        Param("vlan"),
        Param("forvirtualnetwork", "boolean"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=VLAN,
)
def create_vlan_ip_range(ctx):
    network = ctx.get(Network, "networkid")
    physical = ctx.get(PhysicalNetwork, "physicalnetworkid")
    zone = (
        ctx.get(Zone, "zoneid")
        or (network.zone if network else None)
        or (physical.zone if physical else None)
    )
    if physical is None and zone is not None:
        physical = (
            network.physical_network
            if network
            else PhysicalNetwork.objects.filter(zone=zone).first()
        )
    fields = {
        "zone": zone,
        "pod": ctx.get(Pod, "podid"),
        "network": network,
        "physical_network": physical,
        "gateway": ctx.str("gateway"),
        "netmask": ctx.str("netmask"),
        "start_ip": ctx.str("startip"),
        "end_ip": ctx.str("endip") or ctx.str("startip"),
        "for_virtual_network": ctx.bool("forvirtualnetwork", network is None),
        "account": _owner_account(ctx),
    }
    if ctx.has("vlan"):
        fields["vlan"] = ctx.str("vlan").removeprefix("vlan://")
    ip_range = services.create_public_ip_range(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        **{k: v for k, v in fields.items() if v is not None},
    )
    return ctx.one(ip_range)
