"""Networking API serializers: ``id``/``url``/``display``, brief nested related objects."""

from rest_framework import serializers

from compute.models import Zone
from networking.choices import GuestIpType, OfferingState, PhysicalNetworkState
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
from portal.api.serializers import BriefRelatedField, PortalModelSerializer
from portal.models import Account


def described_choices(choices, what: str, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose labels name ``what``: the OpenAPI enum then gets its own component
    instead of colliding with equal value sets of other models (e.g. Enabled/Disabled)."""
    labelled = [(value, f"{label} {what}") for value, label in choices]
    return serializers.ChoiceField(choices=labelled, **kwargs)


class PhysicalNetworkSerializer(PortalModelSerializer):
    state = described_choices(PhysicalNetworkState.choices, "physical network", required=False)
    traffic_types = serializers.SerializerMethodField()

    class Meta:
        model = PhysicalNetwork
        url_basename = "physicalnetwork"
        validators: list = []  # uniqueness is checked by the service, per field
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "zone",
            "name",
            "isolation_method",
            "vlan_range",
            "speed",
            "tags",
            "state",
            "domain",
            "traffic_types",
            "created",
            "updated",
        ]

    def get_traffic_types(self, obj) -> list[str]:
        return [t.traffic_type for t in obj.traffic_types.all()]


class TrafficTypeSerializer(PortalModelSerializer):
    class Meta:
        model = TrafficType
        url_basename = "traffictype"
        validators: list = []
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "physical_network",
            "traffic_type",
            "kvm_label",
            "hyperv_label",
            "simulator_label",
        ]


class NetworkOfferingSerializer(PortalModelSerializer):
    state = described_choices(OfferingState.choices, "offering", required=False)

    class Meta:
        model = NetworkOffering
        url_basename = "networkoffering"
        read_only_fields = ["is_default"]
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
            "guest_ip_type",
            "traffic_type",
            "services",
            "state",
            "availability",
            "is_default",
            "specify_vlan",
            "specify_ip_ranges",
            "conserve_mode",
            "is_persistent",
            "egress_default_policy",
            "for_vpc",
            "network_rate",
            "created",
            "updated",
        ]


class NetworkSerializer(PortalModelSerializer):
    account = BriefRelatedField(
        queryset=Account.objects.all(),
        required=False,
        help_text="Owner (default: your account); admins may create for accounts they manage.",
    )
    guest_type = described_choices(GuestIpType.choices, "network", read_only=True)

    class Meta:
        model = Network
        url_basename = "network"
        read_only_fields = ["domain", "project", "guest_type", "acl_type", "state"]
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
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
            "gateway",
            "netmask",
            "start_ip",
            "end_ip",
            "vlan",
            "network_domain",
            "dns1",
            "dns2",
            "created",
            "updated",
        ]
        extra_kwargs = {"physical_network": {"required": False}}


class PublicIpRangeSerializer(PortalModelSerializer):
    class Meta:
        model = PublicIpRange
        url_basename = "publiciprange"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "zone",
            "pod",
            "physical_network",
            "network",
            "vlan",
            "gateway",
            "netmask",
            "start_ip",
            "end_ip",
            "for_virtual_network",
            "account",
            "domain",
            "created",
            "updated",
        ]


class IPAddressSerializer(PortalModelSerializer):
    class Meta:
        model = IPAddress
        url_basename = "ipaddress"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "address",
            "ip_range",
            "zone",
            "account",
            "network",
            "state",
            "is_source_nat",
            "allocated",
            "created",
            "updated",
        ]
        read_only_fields = fields


class AllocatePublicIpSerializer(serializers.Serializer):
    """Input of ``POST /api/networking/ipaddresses/allocate/``."""

    zone = BriefRelatedField(queryset=Zone.objects.all())
    network = BriefRelatedField(queryset=Network.objects.all(), required=False, allow_null=True)
    account = BriefRelatedField(
        queryset=Account.objects.all(),
        required=False,
        help_text="Owner (default: your account, or the network's).",
    )


class NicSerializer(PortalModelSerializer):
    class Meta:
        model = Nic
        url_basename = "nic"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "instance",
            "network",
            "mac_address",
            "ip_address",
            "netmask",
            "gateway",
            "broadcast_uri",
            "device_id",
            "is_default",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields


class GuestVlanSerializer(PortalModelSerializer):
    class Meta:
        model = GuestVlan
        url_basename = "guestvlan"
        fields = [
            "id",
            "url",
            "display",
            "physical_network",
            "vnet",
            "account",
            "network",
            "allocated",
        ]
        read_only_fields = fields
