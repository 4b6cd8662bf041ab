"""CloudStack's built-in network offerings, enabled after migration."""

VR = ["VirtualRouter"]
ISOLATED_SERVICES = {
    "Dhcp": VR,
    "Dns": VR,
    "UserData": VR,
    "SourceNat": VR,
    "StaticNat": VR,
    "PortForwarding": VR,
    "Firewall": VR,
    "Lb": VR,
    "Vpn": VR,
}
VPC_SERVICES = {
    "Dhcp": ["VpcVirtualRouter"],
    "Dns": ["VpcVirtualRouter"],
    "UserData": ["VpcVirtualRouter"],
    "SourceNat": ["VpcVirtualRouter"],
    "StaticNat": ["VpcVirtualRouter"],
    "PortForwarding": ["VpcVirtualRouter"],
    "NetworkACL": ["VpcVirtualRouter"],
    "Lb": ["VpcVirtualRouter"],
    "Vpn": ["VpcVirtualRouter"],
}

DEFAULT_NETWORK_OFFERINGS = [
    # name, display text, guest IP type, services, extra fields
    (
        "QuickCloudNoServices",
        "Offering for QuickCloud with no services",
        "Shared",
        {},
        {"specify_vlan": True, "specify_ip_ranges": True},
    ),
    (
        "DefaultSharedNetworkOfferingWithSGService",
        "Offering for Shared Security group enabled networks",
        "Shared",
        {"Dhcp": VR, "Dns": VR, "UserData": VR, "SecurityGroup": ["SecurityGroupProvider"]},
        {"specify_vlan": True, "specify_ip_ranges": True},
    ),
    (
        "DefaultSharedNetworkOffering",
        "Offering for Shared networks",
        "Shared",
        {"Dhcp": VR, "Dns": VR, "UserData": VR},
        {"specify_vlan": True, "specify_ip_ranges": True},
    ),
    (
        "DefaultIsolatedNetworkOfferingWithSourceNatService",
        "Offering for Isolated networks with Source Nat service enabled",
        "Isolated",
        ISOLATED_SERVICES,
        {"availability": "Required"},
    ),
    (
        "DefaultIsolatedNetworkOffering",
        "Offering for Isolated networks with no Source Nat service",
        "Isolated",
        {"Dhcp": VR, "Dns": VR, "UserData": VR},
        {"specify_ip_ranges": True},
    ),
    (
        "DefaultIsolatedNetworkOfferingForVpcNetworks",
        "Offering for Isolated VPC networks with Source Nat service enabled",
        "Isolated",
        VPC_SERVICES,
        {"for_vpc": True},
    ),
    ("DefaultL2NetworkOffering", "Offering for L2 networks", "L2", {}, {}),
    (
        "DefaultL2NetworkOfferingVlan",
        "Offering for L2 networks VLAN",
        "L2",
        {},
        {"specify_vlan": True},
    ),
    (
        "DefaultL2NetworkOfferingConfigDrive",
        "Offering for L2 networks with config drive user data",
        "L2",
        {"UserData": ["ConfigDrive"]},
        {},
    ),
    (
        "DefaultL2NetworkOfferingConfigDriveVlan",
        "Offering for L2 networks with config drive user data VLAN",
        "L2",
        {"UserData": ["ConfigDrive"]},
        {"specify_vlan": True},
    ),
]


def create_defaults(apps, schema_editor=None) -> None:
    NetworkOffering = apps.get_model("networking", "NetworkOffering")
    for name, text, ip_type, services, extra in DEFAULT_NETWORK_OFFERINGS:
        NetworkOffering.objects.get_or_create(
            name=name,
            defaults={
                "display_text": text,
                "guest_ip_type": ip_type,
                "services": services,
                "state": "Enabled",
                "is_default": True,
                **extra,
            },
        )
