"""Allocation services: public IPs (exhaustion, release, limits), guest VLANs, NIC addresses
and MAC addresses."""

import re

import pytest

from networking.models import GuestVlan, IPAddress
from networking.services import (
    InsufficientCapacity,
    allocate_guest_vlan,
    allocate_nic_ip,
    allocate_public_ip,
    generate_mac,
    release_guest_vlan,
    release_public_ip,
)
from portal.models import Event, ResourceLimit
from tests.factories import AccountFactory, NetworkFactory
from tests.networking.factories import GuestPhysicalNetworkFactory, NicFactory, PublicIpRangeFactory

pytestmark = pytest.mark.django_db


class TestPublicIpAllocation:
    def test_exhausting_a_three_address_range(self, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        account = tenant.account
        got = [
            allocate_public_ip(account, ip_range.zone, acting_user=tenant).address for _ in range(3)
        ]
        assert sorted(got) == sorted(ip_range.addresses.values_list("address", flat=True))
        with pytest.raises(InsufficientCapacity) as excinfo:
            allocate_public_ip(account, ip_range.zone, acting_user=tenant)
        assert excinfo.value.code == 533
        assert "No free public IP" in str(excinfo.value)
        assert IPAddress.objects.filter(ip_range=ip_range, state="Allocated").count() == 3

    def test_release_makes_it_allocatable_again(self, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        ips = [allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant) for _ in "abc"]
        released = release_public_ip(ips[1], acting_user=tenant)
        assert (released.state, released.account, released.allocated) == ("Free", None, None)
        again = allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant)
        assert again.address == ips[1].address
        assert Event.objects.filter(event_type="NET.IPASSIGN").count() == 4
        assert Event.objects.filter(event_type="NET.IPRELEASE").count() == 1

    def test_allocation_records_owner_and_network(self, tenant):
        network = NetworkFactory(account=tenant.account)
        PublicIpRangeFactory(zone=network.zone)
        ip = allocate_public_ip(tenant.account, network.zone, network, acting_user=tenant)
        assert (ip.state, ip.account, ip.network) == ("Allocated", tenant.account, network)
        assert ip.allocated is not None
        event = Event.objects.get(event_type="NET.IPASSIGN")
        assert event.account == tenant.account and event.resource_id == str(ip.uuid)

    def test_other_zones_and_network_ranges_are_not_used(self, tenant):
        PublicIpRangeFactory(size=3)  # another zone
        mine = PublicIpRangeFactory(size=1)
        shared_range = PublicIpRangeFactory(zone=mine.zone, size=2)
        shared_range.network = NetworkFactory(zone=mine.zone)
        shared_range.save()
        allocate_public_ip(tenant.account, mine.zone, acting_user=tenant)
        with pytest.raises(InsufficientCapacity):
            allocate_public_ip(tenant.account, mine.zone, acting_user=tenant)

    def test_ranges_dedicated_to_another_account_are_not_used(self, tenant):
        ip_range = PublicIpRangeFactory(size=2, account=AccountFactory())
        with pytest.raises(InsufficientCapacity):
            allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant)
        dedicated = PublicIpRangeFactory(zone=ip_range.zone, account=tenant.account)
        ip = allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant)
        assert ip.ip_range_id == dedicated.pk

    def test_public_ip_limit_is_honoured(self, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        ResourceLimit.objects.create(account=tenant.account, resource_type="public_ip", max=1)
        allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant)
        with pytest.raises(Exception, match="public_ip") as excinfo:
            allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant)
        assert not isinstance(excinfo.value, InsufficientCapacity)
        assert ip_range.addresses.filter(state="Allocated").count() == 1

    def test_network_must_be_in_the_zone_and_owned(self, tenant, other_tenant):
        ip_range = PublicIpRangeFactory(size=3)
        from django.core.exceptions import ValidationError

        elsewhere = NetworkFactory(account=tenant.account)
        with pytest.raises(ValidationError) as excinfo:
            allocate_public_ip(tenant.account, ip_range.zone, elsewhere, acting_user=tenant)
        assert "network" in excinfo.value.message_dict
        theirs = NetworkFactory(account=other_tenant.account, zone=ip_range.zone)
        with pytest.raises(ValidationError):
            allocate_public_ip(tenant.account, ip_range.zone, theirs, acting_user=tenant)
        assert not ip_range.addresses.exclude(state="Free").exists()

    def test_releasing_a_free_address_is_refused(self, tenant):
        from django.core.exceptions import ValidationError

        ip = PublicIpRangeFactory(size=1).addresses.get()
        with pytest.raises(ValidationError):
            release_public_ip(ip, acting_user=tenant)


class TestGuestVlanAllocation:
    def test_exhaust_release_and_reuse(self, tenant):
        physnet = GuestPhysicalNetworkFactory(vlan_range="200-201")
        networks = [
            NetworkFactory(account=tenant.account, zone=physnet.zone, physical_network=physnet)
            for _ in range(3)
        ]
        first = allocate_guest_vlan(networks[0])
        second = allocate_guest_vlan(networks[1])
        assert {first.vnet, second.vnet} == {200, 201}
        networks[0].refresh_from_db()
        assert networks[0].vlan == f"vlan://{first.vnet}"
        assert first.account_id == tenant.account.pk and first.allocated is not None
        with pytest.raises(InsufficientCapacity) as excinfo:
            allocate_guest_vlan(networks[2])
        assert excinfo.value.code == 533
        release_guest_vlan(networks[0])
        networks[0].refresh_from_db()
        assert networks[0].vlan == ""
        assert allocate_guest_vlan(networks[2]).vnet == first.vnet
        assert GuestVlan.objects.filter(physical_network=physnet, network__isnull=True).count() == 0

    def test_allocation_is_idempotent(self, tenant):
        physnet = GuestPhysicalNetworkFactory(vlan_range="200-205")
        network = NetworkFactory(zone=physnet.zone, physical_network=physnet)
        assert allocate_guest_vlan(network).pk == allocate_guest_vlan(network).pk
        assert GuestVlan.objects.filter(network__isnull=False).count() == 1

    def test_vxlan_broadcast_uri(self):
        physnet = GuestPhysicalNetworkFactory(vlan_range="5000-5001", isolation_method="VXLAN")
        network = NetworkFactory(zone=physnet.zone, physical_network=physnet)
        allocate_guest_vlan(network)
        assert network.vlan == "vxlan://5000"

    def test_vlans_of_other_physical_networks_are_not_used(self):
        physnet = GuestPhysicalNetworkFactory(vlan_range="200-200")
        GuestPhysicalNetworkFactory(zone=physnet.zone, vlan_range="300-310")
        network = NetworkFactory(zone=physnet.zone, physical_network=physnet)
        allocate_guest_vlan(network)
        other = NetworkFactory(zone=physnet.zone, physical_network=physnet)
        with pytest.raises(InsufficientCapacity):
            allocate_guest_vlan(other)


class TestNicAddressing:
    def test_first_free_address_skips_gateway_and_used(self):
        network = NetworkFactory(cidr="10.5.0.0/29", gateway="10.5.0.1", netmask="255.255.255.248")
        assert allocate_nic_ip(network) == "10.5.0.2"
        NicFactory(network=network, instance__account=network.account, ip_address="10.5.0.2")
        NicFactory(network=network, instance__account=network.account, ip_address="10.5.0.4")
        assert allocate_nic_ip(network) == "10.5.0.3"

    def test_full_network_raises_capacity(self):
        network = NetworkFactory(cidr="10.6.0.0/30", gateway="10.6.0.1", netmask="255.255.255.252")
        NicFactory(network=network, instance__account=network.account, ip_address="10.6.0.2")
        with pytest.raises(InsufficientCapacity):
            allocate_nic_ip(network)

    def test_start_end_range_is_honoured(self):
        network = NetworkFactory(
            cidr="172.30.0.0/24",
            gateway="172.30.0.1",
            start_ip="172.30.0.100",
            end_ip="172.30.0.101",
        )
        assert allocate_nic_ip(network) == "172.30.0.100"
        NicFactory(network=network, instance__account=network.account, ip_address="172.30.0.100")
        assert allocate_nic_ip(network) == "172.30.0.101"

    def test_l2_networks_have_no_address(self):
        network = NetworkFactory(guest_type="L2", cidr="", gateway=None, netmask=None)
        assert allocate_nic_ip(network) is None

    def test_generated_macs_are_local_and_unique(self):
        pattern = re.compile(r"^02:00(:[0-9a-f]{2}){4}$")
        macs = {generate_mac() for _ in range(50)}
        assert len(macs) == 50 and all(pattern.match(m) for m in macs)

    def test_generate_mac_skips_macs_in_use(self, monkeypatch):
        from networking.services import ipam

        taken = NicFactory(mac_address="02:00:00:00:00:01")
        values = iter([bytes([0, 0, 0, 1]), bytes([0, 0, 0, 2])])
        monkeypatch.setattr(ipam.secrets, "token_bytes", lambda n: next(values))
        assert generate_mac() == "02:00:00:00:00:02" != taken.mac_address
