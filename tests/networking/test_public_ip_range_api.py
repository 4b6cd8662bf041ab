"""Public IP ranges (createVlanIpRange): validation, one IPAddress row per address, and the
rules that keep allocated addresses safe."""

import pytest
from django.urls import reverse

from networking.models import IPAddress, PublicIpRange
from tests.api_base import InfrastructureAPITests
from tests.factories import PhysicalNetworkFactory, PodFactory
from tests.networking.factories import PublicIpRangeFactory

LIST = "api:publiciprange-list"


def detail(obj):
    return reverse("api:publiciprange-detail", kwargs={"pk": obj.pk})


def payload(physnet, **overrides):
    return {
        "zone": physnet.zone_id,
        "physical_network": physnet.pk,
        "vlan": "untagged",
        "gateway": "203.0.113.1",
        "netmask": "255.255.255.0",
        "start_ip": "203.0.113.10",
        "end_ip": "203.0.113.20",
        **overrides,
    }


class TestPublicIpRangeAPI(InfrastructureAPITests):
    basename = "publiciprange"
    factory = PublicIpRangeFactory

    def create_data(self, owner):
        return payload(PhysicalNetworkFactory(vlan_range=""), vlan="42")

    def update_data(self):
        return {"vlan": "43", "end_ip": "203.0.113.15"}

    def invalid_data(self, owner):
        physnet = PhysicalNetworkFactory(vlan_range="")
        PublicIpRangeFactory(
            zone=physnet.zone,
            physical_network=physnet,
            gateway="198.51.100.1",
            start_ip="198.51.100.10",
            end_ip="198.51.100.20",
        )
        elsewhere = PhysicalNetworkFactory(vlan_range="")
        return [
            (payload(physnet, gateway="203.0.113.300"), "gateway"),
            (payload(physnet, netmask="255.0.255.0"), "netmask"),
            (payload(physnet, start_ip="not-an-ip"), "start_ip"),
            (payload(physnet, end_ip="2001:db8::1"), "end_ip"),
            (payload(physnet, start_ip="203.0.113.30"), "end_ip"),  # start > end
            (payload(physnet, start_ip="203.0.112.250"), "start_ip"),  # outside netmask
            (payload(physnet, end_ip="203.0.114.5"), "end_ip"),  # outside netmask
            (payload(physnet, gateway="203.0.113.15"), "gateway"),  # inside the range
            (payload(physnet, vlan="5000"), "vlan"),
            (payload(physnet, vlan="tagged"), "vlan"),
            (payload(physnet, physical_network=elsewhere.pk), "physical_network"),
            (payload(physnet, pod=PodFactory().pk), "pod"),
            (payload(physnet, zone=999999), "zone"),
            (  # overlaps 198.51.100.10-20 in the same zone
                payload(
                    physnet,
                    gateway="198.51.100.1",
                    start_ip="198.51.100.15",
                    end_ip="198.51.100.30",
                ),
                "start_ip",
            ),
            (  # 2^16 + 2 addresses
                payload(
                    physnet,
                    gateway="10.0.0.1",
                    netmask="255.252.0.0",
                    start_ip="10.0.0.2",
                    end_ip="10.1.0.3",
                ),
                "end_ip",
            ),
        ]

    def test_invalid_input_writes_no_addresses(self, api_client, root_admin):
        cases = self.invalid_data(root_admin)
        before = IPAddress.objects.count()
        client = api_client(root_admin)
        for data, _field in cases:
            assert client.post(reverse(LIST), data, format="json").status_code == 400
        assert IPAddress.objects.count() == before


@pytest.mark.django_db
class TestPublicIpRangeRows:
    def test_create_materialises_every_address(self, api_client, root_admin):
        physnet = PhysicalNetworkFactory(vlan_range="")
        response = api_client(root_admin).post(reverse(LIST), payload(physnet), format="json")
        assert response.status_code == 201, response.content
        addresses = IPAddress.objects.filter(ip_range_id=response.data["id"])
        assert addresses.count() == 11
        assert {a.state for a in addresses} == {"Free"}
        assert {a.zone_id for a in addresses} == {physnet.zone_id}
        assert sorted(addresses.values_list("address", flat=True))[:2] == [
            "203.0.113.10",
            "203.0.113.11",
        ]

    def test_the_same_range_in_another_zone_is_fine(self, api_client, root_admin):
        client = api_client(root_admin)
        for _ in range(2):
            physnet = PhysicalNetworkFactory(vlan_range="")
            assert client.post(reverse(LIST), payload(physnet)).status_code == 201

    def test_growing_adds_and_shrinking_removes_rows(self, api_client, root_admin):
        ip_range = PublicIpRangeFactory(size=3)
        client = api_client(root_admin)
        start = ip_range.start_ip.rsplit(".", 1)[0]
        response = client.patch(detail(ip_range), {"end_ip": f"{start}.20"}, format="json")
        assert response.status_code == 200, response.content
        assert ip_range.addresses.count() == 11
        response = client.patch(detail(ip_range), {"start_ip": f"{start}.15"}, format="json")
        assert response.status_code == 200, response.content
        assert ip_range.addresses.count() == 6

    def test_shrinking_refuses_to_drop_allocated_addresses(self, api_client, root_admin, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        last = ip_range.addresses.order_by("-id").first()
        IPAddress.objects.filter(pk=last.pk).update(state="Allocated", account=tenant.account)
        second = ip_range.addresses.order_by("id")[1].address
        response = api_client(root_admin).patch(detail(ip_range), {"end_ip": second}, format="json")
        assert response.status_code == 400 and "start_ip" in response.data
        assert ip_range.addresses.count() == 3
        ip_range.refresh_from_db()
        assert ip_range.end_ip == last.address

    def test_zone_and_physical_network_are_fixed(self, api_client, root_admin):
        ip_range = PublicIpRangeFactory()
        response = api_client(root_admin).patch(
            detail(ip_range),
            {"physical_network": PhysicalNetworkFactory(zone=ip_range.zone).pk},
            format="json",
        )
        assert response.status_code == 400 and "physical_network" in response.data

    def test_delete_refused_while_an_address_is_allocated(self, api_client, root_admin, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        ip_range.addresses.filter(pk=ip_range.addresses.first().pk).update(
            state="Allocated", account=tenant.account
        )
        response = api_client(root_admin).delete(detail(ip_range))
        assert response.status_code == 400
        assert PublicIpRange.objects.filter(pk=ip_range.pk).exists()
        assert ip_range.addresses.count() == 3

    def test_delete_removes_the_free_addresses(self, api_client, root_admin):
        ip_range = PublicIpRangeFactory(size=3)
        assert api_client(root_admin).delete(detail(ip_range)).status_code == 204
        assert not IPAddress.objects.filter(ip_range_id=ip_range.pk).exists()

    def test_tenants_cannot_add_ranges(self, api_client, tenant):
        physnet = PhysicalNetworkFactory(vlan_range="")
        response = api_client(tenant).post(reverse(LIST), payload(physnet), format="json")
        assert response.status_code == 403
        assert not IPAddress.objects.filter(zone=physnet.zone).exists()


@pytest.mark.django_db
def test_size_limit_is_inclusive(api_client, root_admin, monkeypatch):
    """MAX_RANGE_SIZE (65536) addresses are accepted, one more is refused; patched small
    here to keep the test fast (the 65538-address case above uses the real limit)."""
    from networking.services import ipam

    monkeypatch.setattr(ipam, "MAX_RANGE_SIZE", 8)
    physnet = PhysicalNetworkFactory(vlan_range="")
    client = api_client(root_admin)
    too_big = payload(physnet, start_ip="203.0.113.10", end_ip="203.0.113.18")
    response = client.post(reverse(LIST), too_big, format="json")
    assert response.status_code == 400 and "end_ip" in response.data
    response = client.post(reverse(LIST), {**too_big, "end_ip": "203.0.113.17"}, format="json")
    assert response.status_code == 201, response.content
    assert IPAddress.objects.filter(zone=physnet.zone).count() == 8
