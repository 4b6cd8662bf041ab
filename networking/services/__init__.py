"""Networking services: every mutation of physical networks, traffic types, offerings, IP
ranges, public IPs, guest VLANs and guest networks goes through here."""

from networking.services.errors import InsufficientCapacity
from networking.services.ipam import (
    allocate_nic_ip,
    allocate_public_ip,
    create_public_ip_range,
    delete_public_ip_range,
    generate_mac,
    release_public_ip,
    update_public_ip_range,
)
from networking.services.networks import (
    create_network,
    delete_network,
    shared_with,
    update_network,
    usable_networks,
)
from networking.services.offerings import (
    NETWORK_SERVICES,
    create_network_offering,
    delete_network_offering,
    update_network_offering,
)
from networking.services.physical import (
    allocate_guest_vlan,
    create_physical_network,
    create_traffic_type,
    delete_physical_network,
    delete_traffic_type,
    parse_vlan_range,
    release_guest_vlan,
    update_physical_network,
    update_traffic_type,
)

__all__ = [
    "NETWORK_SERVICES",
    "InsufficientCapacity",
    "allocate_guest_vlan",
    "allocate_nic_ip",
    "allocate_public_ip",
    "create_network",
    "create_network_offering",
    "create_physical_network",
    "create_public_ip_range",
    "create_traffic_type",
    "delete_network",
    "delete_network_offering",
    "delete_physical_network",
    "delete_public_ip_range",
    "delete_traffic_type",
    "generate_mac",
    "parse_vlan_range",
    "release_guest_vlan",
    "release_public_ip",
    "shared_with",
    "update_network",
    "update_network_offering",
    "update_physical_network",
    "update_public_ip_range",
    "update_traffic_type",
    "usable_networks",
]
