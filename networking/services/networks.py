"""Guest networks: isolated (own VLAN, allocated when implemented), shared and L2."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from netaddr import IPNetwork

from compute.choices import AllocationState
from networking.choices import AclType, GuestIpType, IpState, OfferingState, TrafficKind
from networking.models import IPAddress, Network, PhysicalNetwork
from networking.services._common import (
    check_limit,
    network_from_gateway,
    parse_cidr,
    parse_ipv4,
    refuse_changes,
)
from networking.services.ipam import ancestor_paths
from networking.services.physical import release_guest_vlan
from portal.choices import ResourceType
from portal.querysets import is_root_admin
from portal.services.audit import record_event
from portal.services.base import apply_changes, save_validated

#: What may change on an existing network; the rest is fixed at creation.
UPDATABLE_FIELDS = ("name", "display_text", "network_domain", "dns1", "dns2")
IP_FIELDS = ("cidr", "gateway", "netmask", "start_ip", "end_ip")


def shared_with(account) -> Q:
    """Shared networks of Domain scope that ``account`` may use: those of its domain or a
    domain above it (CloudStack's acltype=Domain)."""
    return Q(
        guest_type=GuestIpType.SHARED,
        acl_type=AclType.DOMAIN,
        domain__path__in=ancestor_paths(account.domain.path),
    )


def usable_networks(queryset, user, action: str = "view"):
    """``queryset`` as ``user`` sees it: its own networks (``restrict``), plus, to view and
    to deploy into, the shared Domain networks of its domain or above."""
    restricted = queryset.restrict(user, action)
    account = getattr(user, "account", None)
    if action != "view" or account is None or is_root_admin(user):
        return restricted
    return queryset.filter(Q(pk__in=restricted.values("pk")) | shared_with(account))


def _guest_physical_network(zone, given: PhysicalNetwork | None) -> PhysicalNetwork:
    if given is not None:
        if given.zone_id != zone.pk:
            raise ValidationError({"physical_network": "The physical network is not in the zone."})
        return given
    physical_network = (
        PhysicalNetwork.objects.filter(zone=zone, traffic_types__traffic_type=TrafficKind.GUEST)
        .order_by("id")
        .first()
    )
    if physical_network is None:
        raise ValidationError({"zone": "The zone has no physical network carrying Guest traffic."})
    return physical_network


def _check_range_in(subnet: IPNetwork, fields: dict, errors: dict) -> None:
    """start_ip/end_ip (if given) inside ``subnet`` and in order."""
    bounds = {}
    for field in ("start_ip", "end_ip"):
        if fields.get(field):
            try:
                bounds[field] = parse_ipv4(fields[field], field)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
                continue
            if bounds[field] not in subnet:
                errors[field] = f"{bounds[field]} is outside {subnet}."
    if len(bounds) == 2 and bounds["start_ip"] > bounds["end_ip"]:
        errors.setdefault("end_ip", "The end IP is before the start IP.")
    if len(bounds) == 1:
        missing = "end_ip" if "start_ip" in bounds else "start_ip"
        errors.setdefault(missing, "Give both start_ip and end_ip, or neither.")


def _vlan_uri(value, errors: dict) -> str:
    text = str(value).strip()
    if text.startswith("vlan://"):
        text = text[len("vlan://") :]
    if text.lower() == "untagged":
        return "vlan://untagged"
    if not text.isdigit() or not 1 <= int(text) <= 4094:
        errors["vlan"] = "Use a VLAN ID between 1 and 4094 (or 'untagged')."
        return ""
    return f"vlan://{int(text)}"


PRIVATE_NETWORKS = (
    IPNetwork("10.0.0.0/8"),
    IPNetwork("172.16.0.0/12"),
    IPNetwork("192.168.0.0/16"),
)


def _isolated_subnet(zone, fields: dict) -> IPNetwork:
    """The cidr given, else the one gateway/netmask make (any RFC 1918 range, as upstream),
    else the zone's guest CIDR."""
    if fields.get("cidr") or not (fields.get("gateway") and fields.get("netmask")):
        return parse_cidr(fields.get("cidr") or zone.guest_cidr, "cidr")
    subnet = network_from_gateway(parse_ipv4(fields["gateway"], "gateway"), fields["netmask"])
    if not any(subnet in private for private in PRIVATE_NETWORKS):
        raise ValidationError(
            {
                "gateway": f"Invalid guest CIDR {subnet}: it must be RFC 1918 (private) "
                "address space."
            }
        )
    return subnet


def _isolated_addressing(zone, fields: dict, errors: dict) -> None:
    try:
        subnet = _isolated_subnet(zone, fields)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        return
    if subnet.prefixlen > 30:
        errors["cidr"] = "The CIDR must be /30 or larger to hold a gateway and guests."
        return
    fields["cidr"] = str(subnet)
    if fields.get("gateway"):
        try:
            gateway = parse_ipv4(fields["gateway"], "gateway")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            return
        if gateway not in subnet or gateway in (subnet.network, subnet.broadcast):
            errors["gateway"] = f"The gateway must be a host address inside {subnet}."
            return
        fields["gateway"] = str(gateway)
    else:
        fields["gateway"] = str(subnet[1])
    if fields.get("netmask") and str(fields["netmask"]) != str(subnet.netmask):
        errors["netmask"] = f"The netmask of {subnet} is {subnet.netmask}."
    fields["netmask"] = str(subnet.netmask)
    _check_range_in(subnet, fields, errors)


def _shared_addressing(fields: dict, errors: dict) -> None:
    for field in ("gateway", "netmask", "start_ip", "end_ip", "vlan"):
        if not fields.get(field):
            errors[field] = "Shared networks need a gateway, netmask, start/end IP and VLAN."
    if errors:
        return
    try:
        gateway = parse_ipv4(fields["gateway"], "gateway")
        subnet = network_from_gateway(gateway, fields["netmask"])
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        return
    if fields.get("cidr") and str(fields["cidr"]) != str(subnet):
        errors["cidr"] = f"The gateway and netmask make {subnet}."
    fields["cidr"] = str(subnet)
    _check_range_in(subnet, fields, errors)


def create_network(*, acting_user, client_ip=None, **fields) -> Network:
    """Create a guest network for ``account`` (default: the acting user's account).

    Isolated networks default to the zone's guest CIDR with the first host as gateway; their
    VLAN is allocated when implemented. Shared networks are admin-only and need explicit
    addressing and VLAN. L2 networks have no IP settings.
    """
    account = fields.pop("account", None) or acting_user.account
    zone, offering = fields.get("zone"), fields.get("network_offering")
    errors: dict[str, str] = {}
    if zone is None:
        errors["zone"] = "This field is required."
    if offering is None:
        errors["network_offering"] = "This field is required."
    if errors:
        raise ValidationError(errors)
    admin = is_root_admin(acting_user)
    if zone.allocation_state != AllocationState.ENABLED and not admin:
        raise ValidationError({"zone": "The zone is disabled."})
    if offering.state != OfferingState.ENABLED:
        raise ValidationError({"network_offering": "The network offering is not enabled."})
    if offering.for_vpc or offering.traffic_type != TrafficKind.GUEST:
        raise ValidationError({"network_offering": "The offering is not for guest networks."})
    guest_type = offering.guest_ip_type
    if guest_type == GuestIpType.SHARED and not admin:
        raise PermissionDenied("Only administrators can create shared networks.")
    fields["physical_network"] = _guest_physical_network(zone, fields.get("physical_network"))

    if guest_type == GuestIpType.ISOLATED:
        _isolated_addressing(zone, fields, errors)
    elif guest_type == GuestIpType.SHARED:
        _shared_addressing(fields, errors)
    else:
        for field in IP_FIELDS:
            if fields.get(field):
                errors[field] = "L2 networks have no IP settings."
    if fields.get("vlan"):
        if guest_type != GuestIpType.SHARED and not offering.specify_vlan:
            errors["vlan"] = "The network offering does not let you specify a VLAN."
        else:
            fields["vlan"] = _vlan_uri(fields["vlan"], errors)
            clash = Network.objects.filter(
                physical_network=fields["physical_network"], vlan=fields["vlan"]
            )
            if fields["vlan"] and fields["vlan"] != "vlan://untagged" and clash.exists():
                errors["vlan"] = "Another network on the physical network uses that VLAN."
    if errors:
        raise ValidationError(errors)

    fields.setdefault("acl_type", AclType.DOMAIN if guest_type == GuestIpType.SHARED else None)
    if not fields["acl_type"]:
        fields["acl_type"] = AclType.ACCOUNT
    fields.setdefault("network_domain", "")
    if not fields["network_domain"]:
        fields["network_domain"] = account.network_domain or zone.network_domain
    with transaction.atomic():
        check_limit(account, ResourceType.NETWORK)
        network = Network(**fields, account=account, domain=account.domain, guest_type=guest_type)
        return save_validated(
            network, event_type="NETWORK.CREATE", acting_user=acting_user, client_ip=client_ip
        )


def update_network(network: Network, *, acting_user, client_ip=None, **changes) -> Network:
    """Rename a network or change its DNS settings; addressing and placement are fixed."""
    fixed = tuple(f for f in changes if f not in UPDATABLE_FIELDS)
    refuse_changes(network, changes, fixed)
    changes = {f: v for f, v in changes.items() if f in UPDATABLE_FIELDS}
    return save_validated(
        apply_changes(network, changes),
        event_type="NETWORK.UPDATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_network(network: Network, *, acting_user, client_ip=None) -> None:
    """Delete a network without NICs: its VLAN, its public IPs and its own IP ranges are
    released first."""
    if network.nics.exists():
        raise ValidationError("The network still has NICs; remove its instances first.")
    with transaction.atomic():
        release_guest_vlan(network)
        for ip in IPAddress.objects.filter(network=network).select_related("account"):
            record_event("NET.IPRELEASE", acting_user=acting_user, resource=ip, client_ip=client_ip)
        IPAddress.objects.filter(network=network).update(
            state=IpState.FREE,
            account=None,
            network=None,
            is_source_nat=False,
            allocated=None,
            updated=timezone.now(),
        )
        for ip_range in network.ip_ranges.all():
            ip_range.delete()
        record_event(
            "NETWORK.DELETE", acting_user=acting_user, resource=network, client_ip=client_ip
        )
        network.delete()
