"""Network service providers: the elements each physical network offers, enabled or
disabled per physical network by the operator (CloudStack's PhysicalNetworkServiceProvider).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from networking.choices import OfferingState
from networking.models import NetworkServiceProvider, PhysicalNetwork
from portal.services.base import apply_changes, save_validated

_ROUTER = ["Dhcp", "Dns", "UserData", "SourceNat", "StaticNat", "PortForwarding", "Firewall"]
_ROUTER += ["Lb", "Vpn", "Gateway"]
#: provider name -> the services it can provide
PROVIDERS: dict[str, list[str]] = {
    "VirtualRouter": _ROUTER,
    "VpcVirtualRouter": [*_ROUTER, "NetworkACL"],
    "SecurityGroupProvider": ["SecurityGroup"],
    "ConfigDrive": ["UserData"],
}


def ensure_providers(physical_networks) -> None:
    """Give each physical network its providers (Enabled) if it has none yet."""
    rows = [
        NetworkServiceProvider(physical_network=pn, name=name)
        for pn in physical_networks
        for name in PROVIDERS
    ]
    NetworkServiceProvider.objects.bulk_create(rows, ignore_conflicts=True)


def provider_for(physical_network: PhysicalNetwork, name: str) -> NetworkServiceProvider:
    """The provider ``name`` of ``physical_network``, created on first use."""
    if name not in PROVIDERS:
        raise ValidationError(
            {"name": f"Unknown provider '{name}'; known: {', '.join(PROVIDERS)}."}
        )
    ensure_providers([physical_network])
    return NetworkServiceProvider.objects.get(physical_network=physical_network, name=name)


def update_network_service_provider(
    provider: NetworkServiceProvider, *, acting_user, client_ip=None, **changes
) -> NetworkServiceProvider:
    """Enable or disable a provider on its physical network (only ``state`` changes)."""
    unknown = set(changes) - {"state"}
    if unknown:
        raise ValidationError({f: "This field cannot be changed." for f in sorted(unknown)})
    if "state" in changes and changes["state"] not in OfferingState.values:
        raise ValidationError({"state": "Use Enabled or Disabled."})
    return save_validated(
        apply_changes(provider, changes),
        event_type="SERVICE.PROVIDER.UPDATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
