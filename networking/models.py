"""Physical networks, traffic types, network offerings, guest networks, IP ranges, IPs,
guest VLANs and NICs."""

import uuid

from django.db import models
from django.db.models import Q

from networking.choices import (
    AclType,
    Availability,
    GuestIpType,
    IpState,
    IsolationMethod,
    NetworkState,
    NicState,
    OfferingState,
    PhysicalNetworkState,
    TrafficKind,
)
from portal.models import PortalModel


class PhysicalNetwork(PortalModel):
    """A zone's physical network with its isolation method and guest VLAN range."""

    zone = models.ForeignKey(
        "compute.Zone",
        verbose_name="zone",
        on_delete=models.PROTECT,
        related_name="physical_networks",
    )
    name = models.CharField(verbose_name="name", max_length=255)
    isolation_method = models.CharField(
        verbose_name="isolation method",
        max_length=8,
        choices=IsolationMethod.choices,
        default=IsolationMethod.VLAN,
    )
    vlan_range = models.CharField(
        verbose_name="VLAN range",
        max_length=255,
        blank=True,
        help_text='Comma-separated ranges, e.g. "100-199,300-310".',
    )
    speed = models.CharField(verbose_name="speed", max_length=32, blank=True)
    tags = models.JSONField(verbose_name="tags", default=list, blank=True)
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=PhysicalNetworkState.choices,
        default=PhysicalNetworkState.DISABLED,
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="physical_networks",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "name"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="physicalnetwork_unique_name")
        ]


class TrafficType(models.Model):
    """Which kind of traffic a physical network carries, with per-hypervisor labels."""

    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.CASCADE,
        related_name="traffic_types",
    )
    traffic_type = models.CharField(
        verbose_name="traffic type", max_length=16, choices=TrafficKind.choices
    )
    kvm_label = models.CharField(verbose_name="KVM label (bridge)", max_length=255, blank=True)
    hyperv_label = models.CharField(
        verbose_name="Hyper-V label (switch)", max_length=255, blank=True
    )
    simulator_label = models.CharField(verbose_name="simulator label", max_length=255, blank=True)
    uuid = models.UUIDField(verbose_name="UUID", default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["physical_network", "traffic_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["physical_network", "traffic_type"], name="traffictype_unique_per_network"
            )
        ]

    def __str__(self) -> str:
        return f"{self.physical_network} {self.traffic_type}"


class GuestVlan(models.Model):
    """One VLAN ID of a physical network's range; ``network`` set while it is in use.
    Allocation picks a free row with a row lock, so two networks never share a VLAN."""

    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.CASCADE,
        related_name="guest_vlans",
    )
    vnet = models.PositiveIntegerField(verbose_name="VLAN ID")
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    network = models.OneToOneField(
        "networking.Network",
        verbose_name="network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guest_vlan",
    )
    allocated = models.DateTimeField(verbose_name="allocated", null=True, blank=True)

    class Meta:
        ordering = ["physical_network", "vnet"]
        constraints = [
            models.UniqueConstraint(fields=["physical_network", "vnet"], name="guestvlan_unique"),
            models.CheckConstraint(
                condition=Q(vnet__gte=1, vnet__lte=16777215), name="guestvlan_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.vnet)


class NetworkOffering(PortalModel):
    """What a guest network provides: IP type, services and their providers."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=255, blank=True)
    guest_ip_type = models.CharField(
        verbose_name="guest IP type", max_length=8, choices=GuestIpType.choices
    )
    traffic_type = models.CharField(
        verbose_name="traffic type",
        max_length=16,
        choices=TrafficKind.choices,
        default=TrafficKind.GUEST,
    )
    services = models.JSONField(
        verbose_name="services",
        default=dict,
        blank=True,
        help_text='Service name to provider list, e.g. {"Dhcp": ["VirtualRouter"]}.',
    )
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=OfferingState.choices,
        default=OfferingState.DISABLED,
    )
    availability = models.CharField(
        verbose_name="availability",
        max_length=8,
        choices=Availability.choices,
        default=Availability.OPTIONAL,
    )
    is_default = models.BooleanField(verbose_name="default (built in)", default=False)
    specify_vlan = models.BooleanField(verbose_name="specify VLAN", default=False)
    specify_ip_ranges = models.BooleanField(verbose_name="specify IP ranges", default=False)
    conserve_mode = models.BooleanField(verbose_name="conserve mode", default=True)
    is_persistent = models.BooleanField(verbose_name="persistent", default=False)
    egress_default_policy = models.BooleanField(
        verbose_name="egress allowed by default", default=True
    )
    for_vpc = models.BooleanField(verbose_name="for VPC", default=False)
    network_rate = models.PositiveIntegerField(verbose_name="rate (Mb/s)", null=True, blank=True)

    removed = models.DateTimeField(
        verbose_name="removed",
        null=True,
        blank=True,
        help_text="Deleted while in use: hidden from lists and new use; users keep it.",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["name"]


class Network(PortalModel):
    """A guest network: isolated (own VLAN), shared, or L2."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=255, blank=True)
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="networks"
    )
    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="networks",
    )
    network_offering = models.ForeignKey(
        NetworkOffering,
        verbose_name="network offering",
        on_delete=models.PROTECT,
        related_name="networks",
    )
    account = models.ForeignKey(
        "portal.Account", verbose_name="account", on_delete=models.PROTECT, related_name="networks"
    )
    domain = models.ForeignKey(
        "portal.Domain", verbose_name="domain", on_delete=models.PROTECT, related_name="networks"
    )
    project = models.ForeignKey(
        "portal.Project",
        verbose_name="project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="networks",
    )
    guest_type = models.CharField(
        verbose_name="guest type", max_length=8, choices=GuestIpType.choices
    )
    acl_type = models.CharField(
        verbose_name="ACL type", max_length=8, choices=AclType.choices, default=AclType.ACCOUNT
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=NetworkState.choices,
        default=NetworkState.ALLOCATED,
    )
    cidr = models.CharField(verbose_name="CIDR", max_length=43, blank=True)
    gateway = models.GenericIPAddressField(verbose_name="gateway", null=True, blank=True)
    netmask = models.GenericIPAddressField(verbose_name="netmask", null=True, blank=True)
    start_ip = models.GenericIPAddressField(verbose_name="start IP", null=True, blank=True)
    end_ip = models.GenericIPAddressField(verbose_name="end IP", null=True, blank=True)
    vlan = models.CharField(verbose_name="VLAN / broadcast URI", max_length=64, blank=True)
    network_domain = models.CharField(verbose_name="network domain", max_length=255, blank=True)
    dns1 = models.GenericIPAddressField(verbose_name="DNS 1", null=True, blank=True)
    dns2 = models.GenericIPAddressField(verbose_name="DNS 2", null=True, blank=True)
    removed = models.DateTimeField(verbose_name="removed", null=True, blank=True)

    class Meta:
        ordering = ["-id"]


class PublicIpRange(PortalModel):
    """A public (or shared-network) IP range on a VLAN, as CloudStack's ``createVlanIpRange``."""

    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="ip_ranges"
    )
    pod = models.ForeignKey(
        "compute.Pod",
        verbose_name="pod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_ranges",
    )
    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.PROTECT,
        related_name="ip_ranges",
    )
    network = models.ForeignKey(
        Network,
        verbose_name="network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_ranges",
    )
    vlan = models.CharField(verbose_name="VLAN", max_length=32, default="untagged")
    gateway = models.GenericIPAddressField(verbose_name="gateway", protocol="IPv4")
    netmask = models.GenericIPAddressField(verbose_name="netmask", protocol="IPv4")
    start_ip = models.GenericIPAddressField(verbose_name="start IP", protocol="IPv4")
    end_ip = models.GenericIPAddressField(verbose_name="end IP", protocol="IPv4")
    for_virtual_network = models.BooleanField(verbose_name="for virtual network", default=True)
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="dedicated to account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_ranges",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="dedicated to domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_ranges",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "start_ip"]

    def __str__(self) -> str:
        return f"{self.start_ip}-{self.end_ip}"


class IPAddress(PortalModel):
    """One public IP of a range; allocated to an account (and network) or free."""

    address = models.GenericIPAddressField(verbose_name="address", protocol="IPv4")
    ip_range = models.ForeignKey(
        PublicIpRange, verbose_name="IP range", on_delete=models.CASCADE, related_name="addresses"
    )
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="ip_addresses"
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_addresses",
    )
    network = models.ForeignKey(
        Network,
        verbose_name="network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_ips",
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=IpState.choices,
        default=IpState.FREE,
        db_index=True,
    )
    is_source_nat = models.BooleanField(verbose_name="source NAT", default=False)
    allocated = models.DateTimeField(verbose_name="allocated", null=True, blank=True)

    class Meta:
        ordering = ["zone", "address"]
        verbose_name = "IP address"
        constraints = [
            models.UniqueConstraint(fields=["zone", "address"], name="ipaddress_unique_per_zone")
        ]

    def __str__(self) -> str:
        return self.address


class Nic(PortalModel):
    """An instance's network interface on a guest network."""

    instance = models.ForeignKey(
        "compute.Instance", verbose_name="instance", on_delete=models.CASCADE, related_name="nics"
    )
    network = models.ForeignKey(
        Network, verbose_name="network", on_delete=models.PROTECT, related_name="nics"
    )
    mac_address = models.CharField(verbose_name="MAC address", max_length=17, unique=True)
    ip_address = models.GenericIPAddressField(verbose_name="IP address", null=True, blank=True)
    netmask = models.GenericIPAddressField(verbose_name="netmask", null=True, blank=True)
    gateway = models.GenericIPAddressField(verbose_name="gateway", null=True, blank=True)
    broadcast_uri = models.CharField(verbose_name="broadcast URI", max_length=64, blank=True)
    device_id = models.PositiveSmallIntegerField(verbose_name="device ID", default=0)
    is_default = models.BooleanField(verbose_name="default NIC", default=False)
    state = models.CharField(
        verbose_name="state", max_length=16, choices=NicState.choices, default=NicState.ALLOCATED
    )

    tenant_scope = "instance__account"

    class Meta:
        ordering = ["instance", "device_id"]
        verbose_name = "NIC"
        constraints = [
            models.UniqueConstraint(
                fields=["network", "ip_address"],
                condition=Q(ip_address__isnull=False),
                name="nic_unique_ip_per_network",
            ),
            models.UniqueConstraint(fields=["instance", "device_id"], name="nic_unique_device"),
        ]

    def __str__(self) -> str:
        return self.mac_address


from networking.models_rules import *  # noqa: E402, F403  (firewall/PF/static NAT/SG models)


class NetworkServiceProvider(PortalModel):
    """A network element a physical network offers (VirtualRouter, SecurityGroupProvider...)
    and whether the operator has enabled it there. Rows are created on first listing."""

    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.CASCADE,
        related_name="service_providers",
    )
    name = models.CharField(verbose_name="name", max_length=64)
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=OfferingState.choices,
        default=OfferingState.ENABLED,
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["physical_network", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["physical_network", "name"], name="networkserviceprovider_unique_name"
            )
        ]


class DedicatedGuestVlanRange(PortalModel):
    """Guest VLANs ``start``..``end`` of a physical network dedicated to one account (or
    project's account) or domain subtree (``dedicateGuestVlanRange``): only its networks
    get those VLANs, and it gets them before the shared pool."""

    physical_network = models.ForeignKey(
        PhysicalNetwork,
        verbose_name="physical network",
        on_delete=models.CASCADE,
        related_name="dedicated_vlan_ranges",
    )
    start = models.PositiveIntegerField(verbose_name="first VLAN")
    end = models.PositiveIntegerField(verbose_name="last VLAN")
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dedicated_vlan_ranges",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.CASCADE,
        related_name="dedicated_vlan_ranges",
    )
    project = models.ForeignKey(
        "portal.Project",
        verbose_name="project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dedicated_vlan_ranges",
    )

    tenant_scope = "public"  # operators only (upstream: root admin)

    class Meta:
        ordering = ["physical_network", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="dedicatedvlan_start_le_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"
