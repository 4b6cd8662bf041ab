"""Network offerings: the built-in defaults and admins' custom ones."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from networking.choices import GuestIpType, OfferingState
from networking.models import NetworkOffering
from networking.services._common import refuse_changes
from portal.services.base import apply_changes, save_validated
from portal.services.removal import check_not_removed, delete_or_mark_removed

#: The network services CloudStack knows (``Network.Service``).
NETWORK_SERVICES = (
    "Dhcp",
    "Dns",
    "UserData",
    "SourceNat",
    "StaticNat",
    "PortForwarding",
    "Firewall",
    "Lb",
    "Vpn",
    "NetworkACL",
    "SecurityGroup",
    "Gateway",
    "Connectivity",
)
#: Services that make no sense without IP addressing.
L3_SERVICES = {"SourceNat", "StaticNat", "PortForwarding", "Firewall", "Lb", "Vpn", "NetworkACL"}


def validate_services(services, guest_ip_type: str | None = None) -> dict[str, list[str]]:
    """Check a ``{"Dhcp": ["VirtualRouter"], ...}`` map; return it normalised."""
    if services is None:
        return {}
    if not isinstance(services, dict):
        raise ValidationError({"services": "Expected an object of service name to providers."})
    clean: dict[str, list[str]] = {}
    for name, providers in services.items():
        if name not in NETWORK_SERVICES:
            raise ValidationError(
                {"services": f"Unknown service '{name}'; known: {', '.join(NETWORK_SERVICES)}."}
            )
        if isinstance(providers, str):
            providers = [providers]
        if not isinstance(providers, list) or not all(
            isinstance(p, str) and p.strip() for p in providers
        ):
            raise ValidationError(
                {"services": f"Providers of '{name}' must be a list of non-empty strings."}
            )
        clean[name] = [p.strip() for p in providers]
    if guest_ip_type == GuestIpType.L2 and L3_SERVICES & clean.keys():
        names = ", ".join(sorted(L3_SERVICES & clean.keys()))
        raise ValidationError({"services": f"L2 offerings cannot provide {names}."})
    if "SourceNat" in clean and guest_ip_type == GuestIpType.SHARED:
        raise ValidationError({"services": "Shared offerings cannot provide SourceNat."})
    return clean


def create_network_offering(*, acting_user, client_ip=None, **fields) -> NetworkOffering:
    """Create a custom network offering (disabled until enabled, like CloudStack)."""
    fields.pop("is_default", None)
    fields["services"] = validate_services(fields.get("services"), fields.get("guest_ip_type"))
    return save_validated(
        NetworkOffering(**fields),
        event_type="NETWORK.OFFERING.CREATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def update_network_offering(
    offering: NetworkOffering, *, acting_user, client_ip=None, **changes
) -> NetworkOffering:
    """Change an offering. Built-in ones may only be renamed in display, enabled or disabled;
    the IP type of an offering in use cannot change."""
    changes.pop("is_default", None)
    check_not_removed(offering, "network offering")
    if offering.is_default:
        refuse_changes(
            offering,
            changes,
            ("name", "guest_ip_type", "traffic_type", "services", "specify_vlan", "for_vpc"),
        )
    if offering.networks.exists():
        refuse_changes(offering, changes, ("guest_ip_type",))
    if "services" in changes or "guest_ip_type" in changes:
        changes["services"] = validate_services(
            changes.get("services", offering.services),
            changes.get("guest_ip_type", offering.guest_ip_type),
        )
    return save_validated(
        apply_changes(offering, changes),
        event_type="NETWORK.OFFERING.EDIT",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_network_offering(offering: NetworkOffering, *, acting_user, client_ip=None) -> None:
    """Delete a custom offering, as CloudStack does: one that networks still use is marked
    removed (and Disabled): gone from lists and new networks, kept by those networks.
    Built-in ones can only be disabled."""
    check_not_removed(offering, "network offering")
    if offering.is_default:
        raise ValidationError("Built-in network offerings cannot be deleted; disable it instead.")
    delete_or_mark_removed(
        offering,
        inactive_state=OfferingState.DISABLED,
        event_type="NETWORK.OFFERING.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
