"""createNetworkOffering/updateNetworkOffering and the network service providers of
physical networks (listNetworkServiceProviders, updateNetworkServiceProvider)."""

from __future__ import annotations

from networking.models import NetworkOffering, NetworkServiceProvider, PhysicalNetwork
from networking.services import offerings as offering_services
from networking.services import providers as provider_services
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param, shape, uid
from .offerings import NETWORK_OFFERING

_SERVICES = {s.lower(): s for s in offering_services.NETWORK_SERVICES}
_PROVIDERS = {p.lower(): p for p in provider_services.PROVIDERS}
_CHOICES = {
    "guestiptype": {"isolated": "Isolated", "shared": "Shared", "l2": "L2"},
    "traffictype": {"guest": "Guest"},
    "availability": {"optional": "Optional", "required": "Required"},
    "state": {"enabled": "Enabled", "disabled": "Disabled"},
}
_FLAGS = (
    ("specifyvlan", "specify_vlan"),
    ("specifyipranges", "specify_ip_ranges"),
    ("conservemode", "conserve_mode"),
    ("ispersistent", "is_persistent"),
    ("egressdefaultpolicy", "egress_default_policy"),
    ("forvpc", "for_vpc"),
)


def _choice(ctx, name: str) -> str | None:
    value = ctx.str(name)
    if value is None:
        return None
    try:
        return _CHOICES[name][value.lower()]
    except KeyError:
        known = ", ".join(_CHOICES[name].values())
        raise param_error(f"Invalid value {value} for {name}: use {known}") from None


def _services(ctx) -> dict[str, list[str]]:
    """supportedservices + serviceproviderlist[i].service/.provider -> {service: [providers]}
    (a service without a provider gets the virtual router, or the security group provider)."""

    def canonical(table, value, what):
        if value.lower() not in table:
            raise param_error(f"Invalid {what} {value}; known: {', '.join(table.values())}")
        return table[value.lower()]

    services = {canonical(_SERVICES, s, "service"): [] for s in ctx.list("supportedservices")}
    for entry in ctx.map("serviceproviderlist"):
        service = canonical(_SERVICES, entry.get("service", ""), "service")
        if service not in services:
            raise param_error(f"Provider given for {service}, which is not a supported service")
        services[service].append(canonical(_PROVIDERS, entry.get("provider", ""), "provider"))
    for service, providers in services.items():
        if not providers:
            providers.append(
                "SecurityGroupProvider" if service == "SecurityGroup" else "VirtualRouter"
            )
    return services


def _offering_fields(ctx) -> dict:
    fields = {}
    for param, field in (("name", "name"), ("displaytext", "display_text")):
        if ctx.has(param):
            fields[field] = ctx.str(param)
    for param, field in (
        ("guestiptype", "guest_ip_type"),
        ("traffictype", "traffic_type"),
        ("availability", "availability"),
        ("state", "state"),
    ):
        if ctx.has(param):
            fields[field] = _choice(ctx, param)
    for param, field in _FLAGS:
        if param in ctx.params:
            fields[field] = ctx.bool(param)
    if ctx.has("networkrate"):
        fields["network_rate"] = ctx.int("networkrate")
    if ctx.has("supportedservices") or ctx.map("serviceproviderlist"):
        fields["services"] = _services(ctx)
    return fields


OFFERING_PARAMS = [
    Param("displaytext"),
    Param("availability", description="Optional or Required"),
    Param("networkrate", "integer", description="data transfer rate in Mb/s"),
    *(Param(param, "boolean") for param, _ in _FLAGS),
]


@command(
    "createNetworkOffering",
    "Creates a network offering (Disabled until updateNetworkOffering state=Enabled).",
    params=[
        Param("name", required=True),
        Param("guestiptype", required=True, description="Isolated, Shared or L2"),
        Param("traffictype", required=True, description="GUEST"),
        Param("supportedservices", "list", description="services, e.g. Dhcp,Dns,SourceNat"),
        Param("serviceproviderlist", "map", description="[i].service and [i].provider"),
        *OFFERING_PARAMS,
    ],
    shape=NETWORK_OFFERING,
)
def create_network_offering(ctx):
    fields = _offering_fields(ctx)
    fields.setdefault("display_text", fields["name"])
    fields.setdefault("services", {})
    offering = offering_services.create_network_offering(
        acting_user=ctx.user, client_ip=ctx.client_ip, **fields
    )
    return ctx.one(offering)


@command(
    "updateNetworkOffering",
    "Updates a network offering (name, display text, availability, state).",
    params=[
        Param("id", "uuid", required=True, related="listNetworkOfferings"),
        Param("name"),
        Param("state", description="Enabled or Disabled"),
        *OFFERING_PARAMS,
    ],
    shape=NETWORK_OFFERING,
)
def update_network_offering(ctx):
    offering = ctx.get(NetworkOffering, "id", action="change", required=True)
    changes = _offering_fields(ctx)
    offering = offering_services.update_network_offering(
        offering, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return ctx.one(offering)


@shape(
    "networkserviceprovider",
    "id name physicalnetworkid destinationphysicalnetworkid state servicelist "
    "canenableindividualservice",
    servicelist="list",
    canenableindividualservice="boolean",
)
def PROVIDER(p, ctx):
    return {
        "id": uid(p),
        "name": p.name,
        "physicalnetworkid": uid(p.physical_network),
        "destinationphysicalnetworkid": "0",
        "state": p.state,
        "servicelist": provider_services.PROVIDERS.get(p.name, []),
        "canenableindividualservice": p.name != "SecurityGroupProvider",
    }


def provider_queryset():
    return NetworkServiceProvider.objects.select_related("physical_network")


register_result(
    "NetworkServiceProvider", provider_queryset, PROVIDER, "PhysicalNetworkServiceProvider"
)


@command(
    "listNetworkServiceProviders",
    "Lists network service providers of physical networks.",
    params=[
        Param("physicalnetworkid", "uuid", related="listPhysicalNetworks"),
        Param("name"),
        Param("state", description="Enabled or Disabled"),
    ],
    shape=PROVIDER,
    is_list=True,
)
def list_network_service_providers(ctx):
    networks = PhysicalNetwork.objects.restrict(ctx.user, "view")
    if ctx.has("physicalnetworkid"):
        networks = networks.filter(pk=ctx.get(PhysicalNetwork, "physicalnetworkid").pk)
    provider_services.ensure_providers(list(networks))
    qs = provider_queryset().filter(physical_network__in=networks)
    if ctx.has("name"):
        qs = qs.filter(name__iexact=ctx.str("name"))
    if ctx.has("state"):
        qs = qs.filter(state__iexact=ctx.str("state"))
    return ctx.listing(ctx.keyword(qs.order_by("physical_network_id", "name")))


@command(
    "updateNetworkServiceProvider",
    "Updates a network service provider: state=Enabled or Disabled.",
    params=[
        Param("id", "uuid", required=True, related="listNetworkServiceProviders"),
        Param("state", description="Enabled or Disabled"),
        Param("servicelist", "list", description="ignored: providers offer all their services"),
    ],
    shape=PROVIDER,
    isasync=True,
)
def update_network_service_provider(ctx):
    provider = ctx.get(NetworkServiceProvider, "id", action="change", required=True)
    changes = {"state": _choice(ctx, "state")} if ctx.has("state") else {}
    provider = provider_services.update_network_service_provider(
        provider, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return answer(completed_job(ctx, provider), provider)
