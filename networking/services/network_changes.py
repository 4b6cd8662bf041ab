"""Changes to an existing guest network: its offering and guest VM CIDR
(``updateNetwork``), and ``restartNetwork`` (the network element pushes its rules again)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from netaddr import IPAddress as Addr

from networking.choices import GuestIpType, NetworkState, OfferingState, TrafficKind
from networking.models import Network, NetworkOffering, Nic
from networking.services._common import parse_cidr
from networking.services.rules import queue_apply
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job

RESTART_COMMAND = "network.restart"
RESTARTABLE = (NetworkState.IMPLEMENTED, NetworkState.SETUP)


def check_offering_change(network: Network, offering: NetworkOffering) -> None:
    """Field errors unless ``network`` may move to ``offering``: an enabled guest offering
    of the same guest type (and IP-range mode), not for VPCs, as upstream's ``canUpgrade``."""
    if offering.pk == network.network_offering_id:
        return
    errors = {}
    if offering.state != OfferingState.ENABLED or getattr(offering, "removed", None):
        errors["network_offering"] = f"Network offering {offering.name} is not enabled."
    elif offering.traffic_type != TrafficKind.GUEST or offering.for_vpc:
        errors["network_offering"] = f"Network offering {offering.name} is not for guest networks."
    elif offering.guest_ip_type != network.guest_type:
        errors["network_offering"] = (
            f"Can't upgrade a {network.guest_type} network to the {offering.guest_ip_type} "
            f"offering {offering.name}: the guest types differ."
        )
    elif offering.specify_ip_ranges != network.network_offering.specify_ip_ranges:
        errors["network_offering"] = "The offerings differ in specifying IP ranges."
    elif network.guest_type == GuestIpType.SHARED:
        errors["network_offering"] = "The offering of a shared network cannot be changed."
    if errors:
        raise ValidationError(errors)


def guest_vm_range(network: Network, value: str) -> dict[str, str]:
    """start_ip/end_ip for guest VM addresses within ``value``, a CIDR inside an isolated
    network's CIDR that holds the addresses its NICs already have."""
    if network.guest_type != GuestIpType.ISOLATED or not network.cidr:
        raise ValidationError({"guestvmcidr": "Only isolated networks take a guest VM CIDR."})
    subnet = parse_cidr(value, "guestvmcidr")
    whole = parse_cidr(network.cidr, "cidr")
    if subnet not in whole:
        raise ValidationError({"guestvmcidr": f"{subnet} is not inside the network's {whole}."})
    if subnet.prefixlen > 30:
        raise ValidationError({"guestvmcidr": "The guest VM CIDR must be /30 or larger."})
    used = Nic.objects.filter(network=network, ip_address__isnull=False).values_list(
        "ip_address", flat=True
    )
    outside = sorted(ip for ip in used if Addr(ip) not in subnet)
    if outside:
        raise ValidationError(
            {"guestvmcidr": f"NIC addresses outside {subnet}: {', '.join(outside[:10])}."}
        )
    return {"start_ip": str(subnet[1]), "end_ip": str(subnet[-2])}


def update_network_settings(
    network: Network,
    *,
    acting_user,
    client_ip=None,
    network_offering: NetworkOffering | None = None,
    guest_vm_cidr: str | None = None,
    **changes,
) -> Network:
    """``update_network`` (name, display text, domain, DNS) plus the offering and the guest
    VM CIDR. A new offering is re-applied to the hosts by a rules job (its egress policy
    may differ)."""
    from networking.services.networks import update_network

    if network_offering is not None:
        check_offering_change(network, network_offering)
    vm_range = guest_vm_range(network, guest_vm_cidr) if guest_vm_cidr else {}
    moved = network_offering is not None and network_offering.pk != network.network_offering_id
    with transaction.atomic():
        fixed = dict(vm_range, **({"network_offering": network_offering} if moved else {}))
        if fixed:  # fields update_network keeps fixed, changed here after their checks
            Network.objects.filter(pk=network.pk).update(**fixed)
            for field, value in fixed.items():
                setattr(network, field, value)
        network = update_network(network, acting_user=acting_user, client_ip=client_ip, **changes)
        if moved and network.state in RESTARTABLE:
            queue_apply(network, acting_user=acting_user, resource=network, success_only=True)
    return network


def restart_network(
    network: Network, *, acting_user, cleanup: bool = False, client_ip=None
) -> AsyncJob:
    """Queue the job that pushes the network's rules (and its instances' security groups)
    to its hosts again; ``cleanup`` first empties the hosts' rule sets of the network.
    Rules left in ``Error`` by a failed push are tried again."""
    if network.state not in RESTARTABLE:
        raise ValidationError(
            {
                "state": f"Network {network.name} is not in the right state to be restarted "
                f"({network.state}). Correct states are: Implemented, Setup."
            }
        )
    with transaction.atomic():
        record_event(
            "NETWORK.RESTART",
            acting_user=acting_user,
            resource=network,
            client_ip=client_ip,
            description=f"Restarting network {network.name}" + (" with cleanup" if cleanup else ""),
        )
        return create_job(
            RESTART_COMMAND,
            acting_user=acting_user,
            resource=network,
            params={"network_id": network.pk, "cleanup": cleanup, "success": True},
        )
