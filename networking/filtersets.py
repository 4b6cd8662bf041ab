"""FilterSets shared by the networking UI lists and the API."""

import django_filters

from compute.filtersets import PortalFilterSet
from networking.models import (
    GuestVlan,
    IPAddress,
    Network,
    NetworkOffering,
    Nic,
    PhysicalNetwork,
    PublicIpRange,
    TrafficType,
)


class PhysicalNetworkFilterSet(PortalFilterSet):
    search_fields = ("name", "vlan_range")

    class Meta:
        model = PhysicalNetwork
        fields = ["zone", "name", "isolation_method", "state", "domain"]


class TrafficTypeFilterSet(PortalFilterSet):
    search_fields = ("kvm_label", "hyperv_label", "simulator_label")

    class Meta:
        model = TrafficType
        fields = ["physical_network", "traffic_type"]


class NetworkOfferingFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text")

    class Meta:
        model = NetworkOffering
        fields = [
            "name",
            "guest_ip_type",
            "traffic_type",
            "state",
            "availability",
            "is_default",
            "for_vpc",
            "specify_vlan",
        ]


class NetworkFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text", "cidr")

    class Meta:
        model = Network
        fields = [
            "name",
            "zone",
            "physical_network",
            "network_offering",
            "account",
            "domain",
            "project",
            "guest_type",
            "acl_type",
            "state",
            "cidr",
            "vlan",
        ]


class PublicIpRangeFilterSet(PortalFilterSet):
    search_fields = ("start_ip", "end_ip", "gateway", "vlan")

    class Meta:
        model = PublicIpRange
        fields = [
            "zone",
            "pod",
            "physical_network",
            "network",
            "vlan",
            "for_virtual_network",
            "account",
            "domain",
        ]


class IPAddressFilterSet(PortalFilterSet):
    search_fields = ("address",)

    class Meta:
        model = IPAddress
        fields = ["address", "state", "zone", "network", "account", "ip_range", "is_source_nat"]


class NicFilterSet(PortalFilterSet):
    search_fields = ("mac_address", "ip_address")

    class Meta:
        model = Nic
        fields = ["instance", "network", "ip_address", "mac_address", "state", "is_default"]


class GuestVlanFilterSet(django_filters.FilterSet):
    in_use = django_filters.BooleanFilter(
        field_name="network", lookup_expr="isnull", exclude=True, label="In use"
    )

    class Meta:
        model = GuestVlan
        fields = ["physical_network", "vnet", "network", "account"]
