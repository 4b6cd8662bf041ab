"""Networking factories beyond ``tests/factories.py``: guest-ready physical networks (with
their GuestVlan rows and Guest traffic), traffic types, IP ranges with their addresses,
custom offerings and NICs."""

import factory
from netaddr import IPAddress as Addr

from networking.models import (
    GuestVlan,
    IPAddress,
    NetworkOffering,
    Nic,
    PhysicalNetwork,
    PublicIpRange,
    TrafficType,
)
from tests.factories import InstanceFactory, NetworkFactory, ZoneFactory


class GuestPhysicalNetworkFactory(factory.django.DjangoModelFactory):
    """A physical network carrying Guest traffic, with one GuestVlan row per VLAN ID."""

    class Meta:
        model = PhysicalNetwork
        skip_postgeneration_save = True

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"guestphys{n}")
    vlan_range = "100-109"
    state = "Enabled"

    @factory.post_generation
    def guest_vlans(obj, create, extracted, **kwargs):
        if not create:
            return
        from networking.services import parse_vlan_range

        GuestVlan.objects.bulk_create(
            GuestVlan(physical_network=obj, vnet=vnet)
            for start, end in parse_vlan_range(obj.vlan_range, obj.isolation_method)
            for vnet in range(start, end + 1)
        )
        TrafficType.objects.create(physical_network=obj, traffic_type="Guest", kvm_label="cloudbr1")


class TrafficTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrafficType

    physical_network = factory.SubFactory("tests.factories.PhysicalNetworkFactory", vlan_range="")
    traffic_type = "Public"
    kvm_label = "cloudbr0"
    hyperv_label = "External"


class NetworkOfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkOffering

    name = factory.Sequence(lambda n: f"netoffering{n}")
    display_text = "custom"
    guest_ip_type = "Isolated"
    services = factory.LazyFunction(lambda: {"Dhcp": ["VirtualRouter"]})
    state = "Enabled"


class PublicIpRangeFactory(factory.django.DjangoModelFactory):
    """A range with one free IPAddress row per address (``size`` addresses, default 3)."""

    class Meta:
        model = PublicIpRange
        skip_postgeneration_save = True

    class Params:
        size = 3

    zone = factory.SubFactory(ZoneFactory)
    physical_network = factory.SubFactory(
        "tests.factories.PhysicalNetworkFactory",
        zone=factory.SelfAttribute("..zone"),
        vlan_range="",
    )
    vlan = "untagged"
    gateway = factory.Sequence(lambda n: f"172.{16 + n // 256 % 16}.{n % 256}.1")
    netmask = "255.255.255.0"
    start_ip = factory.LazyAttribute(lambda o: str(Addr(o.gateway) + 9))
    end_ip = factory.LazyAttribute(lambda o: str(Addr(o.gateway) + 8 + o.size))

    @factory.post_generation
    def addresses(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        first, last = int(Addr(obj.start_ip)), int(Addr(obj.end_ip))
        IPAddress.objects.bulk_create(
            IPAddress(address=str(Addr(n)), ip_range=obj, zone=obj.zone)
            for n in range(first, last + 1)
        )


class AllocatedIPFactory(factory.django.DjangoModelFactory):
    """An IP address allocated to ``account`` in its own one-address range."""

    class Meta:
        model = IPAddress

    ip_range = factory.SubFactory(PublicIpRangeFactory, size=1, addresses=False)
    zone = factory.SelfAttribute("ip_range.zone")
    address = factory.LazyAttribute(lambda o: str(Addr(o.ip_range.start_ip)))
    account = factory.SubFactory("tests.factories.AccountFactory")
    state = "Allocated"


class NicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nic

    instance = factory.SubFactory(InstanceFactory)
    network = factory.SubFactory(
        NetworkFactory,
        account=factory.SelfAttribute("..instance.account"),
        zone=factory.SelfAttribute("..instance.zone"),
    )
    mac_address = factory.Sequence(lambda n: f"02:00:00:00:{n // 256 % 256:02x}:{n % 256:02x}")
    ip_address = factory.Sequence(lambda n: f"10.1.1.{10 + n % 200}")
    netmask = "255.255.255.0"
    gateway = "10.1.1.1"
