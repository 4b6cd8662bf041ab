"""Physical networks: CRUD, VLAN range validation and the GuestVlan pool that follows it."""

import pytest
from django.urls import reverse

from networking.models import GuestVlan, PhysicalNetwork
from tests.api_base import InfrastructureAPITests
from tests.factories import NetworkFactory, PhysicalNetworkFactory, ZoneFactory
from tests.networking.factories import GuestPhysicalNetworkFactory, PublicIpRangeFactory

LIST = "api:physicalnetwork-list"


def detail(obj):
    return reverse("api:physicalnetwork-detail", kwargs={"pk": obj.pk})


def vnets(physical_network):
    return list(
        GuestVlan.objects.filter(physical_network=physical_network).values_list("vnet", flat=True)
    )


class TestPhysicalNetworkAPI(InfrastructureAPITests):
    basename = "physicalnetwork"
    factory = PhysicalNetworkFactory

    def create_data(self, owner):
        return {
            "zone": ZoneFactory().pk,
            "name": "physnet-new",
            "isolation_method": "VLAN",
            "vlan_range": "100-199,300-310",
        }

    def update_data(self):
        return {"vlan_range": "100-150", "state": "Enabled"}

    def invalid_data(self, owner):
        zone = ZoneFactory()
        PhysicalNetworkFactory(zone=zone, name="taken", vlan_range="500-599")
        base = {"zone": zone.pk, "name": "pn", "vlan_range": "100-199"}
        return [
            ({**base, "vlan_range": "0-10"}, "vlan_range"),
            ({**base, "vlan_range": "4000-4095"}, "vlan_range"),
            ({**base, "vlan_range": "200-100"}, "vlan_range"),
            ({**base, "vlan_range": "100-199,150-160"}, "vlan_range"),
            ({**base, "vlan_range": "abc"}, "vlan_range"),
            ({**base, "vlan_range": "100-"}, "vlan_range"),
            ({**base, "vlan_range": "550-650"}, "vlan_range"),  # another network's range
            ({**base, "name": "taken"}, "name"),
            ({**base, "zone": 999999}, "zone"),
            ({**base, "isolation_method": "GRE"}, "isolation_method"),
        ]

    def test_invalid_input_writes_no_vlan_rows(self, api_client, root_admin):
        cases = self.invalid_data(root_admin)
        before = GuestVlan.objects.count()
        client = api_client(root_admin)
        for data, _field in cases:
            assert client.post(reverse(LIST), data, format="json").status_code == 400
        assert GuestVlan.objects.count() == before


@pytest.mark.django_db
class TestGuestVlanPool:
    def test_create_materialises_one_row_per_vlan(self, api_client, root_admin):
        zone = ZoneFactory()
        response = api_client(root_admin).post(
            reverse(LIST),
            {"zone": zone.pk, "name": "p", "vlan_range": "100-104, 300"},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert vnets(response.data["id"]) == [100, 101, 102, 103, 104, 300]

    def test_vxlan_allows_large_ids_vlan_does_not(self, api_client, root_admin):
        zone = ZoneFactory()
        client = api_client(root_admin)
        data = {"zone": zone.pk, "name": "x", "vlan_range": "16777210-16777214"}
        response = client.post(reverse(LIST), {**data, "isolation_method": "VLAN"}, format="json")
        assert response.status_code == 400 and "vlan_range" in response.data
        response = client.post(reverse(LIST), {**data, "isolation_method": "VXLAN"}, format="json")
        assert response.status_code == 201, response.content
        assert len(vnets(response.data["id"])) == 5
        response = client.post(
            reverse(LIST),
            {**data, "name": "y", "vlan_range": "16777215", "isolation_method": "VXLAN"},
            format="json",
        )
        assert response.status_code == 400 and "vlan_range" in response.data

    def test_same_ranges_in_other_zones_are_fine(self, api_client, root_admin):
        PhysicalNetworkFactory(vlan_range="100-199")
        response = api_client(root_admin).post(
            reverse(LIST), {"zone": ZoneFactory().pk, "name": "p", "vlan_range": "100-199"}
        )
        assert response.status_code == 201, response.content

    def test_grow_and_shrink_follow_the_range(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        client = api_client(root_admin)
        response = client.patch(detail(physnet), {"vlan_range": "102-107"}, format="json")
        assert response.status_code == 200, response.content
        assert vnets(physnet) == [102, 103, 104, 105, 106, 107]

    def test_shrinking_refuses_to_drop_vlans_in_use_and_changes_nothing(
        self, api_client, root_admin
    ):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        network = NetworkFactory(zone=physnet.zone, physical_network=physnet)
        GuestVlan.objects.filter(physical_network=physnet, vnet=101).update(network=network)
        response = api_client(root_admin).patch(
            detail(physnet), {"vlan_range": "102-110"}, format="json"
        )
        assert response.status_code == 400
        assert "101" in str(response.data["vlan_range"])
        physnet.refresh_from_db()
        assert physnet.vlan_range == "100-104"
        assert vnets(physnet) == [100, 101, 102, 103, 104]

    def test_invalid_update_changes_nothing(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        before = GuestVlan.objects.count()
        response = api_client(root_admin).patch(
            detail(physnet), {"vlan_range": "100-104,103-120"}, format="json"
        )
        assert response.status_code == 400 and "vlan_range" in response.data
        assert GuestVlan.objects.count() == before
        physnet.refresh_from_db()
        assert physnet.vlan_range == "100-104"

    def test_update_overlapping_another_physical_network_is_refused(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        PhysicalNetworkFactory(zone=physnet.zone, vlan_range="200-299")
        response = api_client(root_admin).patch(
            detail(physnet), {"vlan_range": "100-104,299-300"}, format="json"
        )
        assert response.status_code == 400 and "vlan_range" in response.data
        assert vnets(physnet) == [100, 101, 102, 103, 104]

    def test_zone_cannot_change(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory()
        response = api_client(root_admin).patch(
            detail(physnet), {"zone": ZoneFactory().pk}, format="json"
        )
        assert response.status_code == 400 and "zone" in response.data

    def test_enable_and_disable(self, api_client, root_admin):
        physnet = PhysicalNetworkFactory()
        client = api_client(root_admin)
        assert physnet.state == "Disabled"
        assert client.patch(detail(physnet), {"state": "Enabled"}).data["state"] == "Enabled"
        assert client.patch(detail(physnet), {"state": "Disabled"}).data["state"] == "Disabled"
        assert client.patch(detail(physnet), {"state": "Sleeping"}).status_code == 400

    def test_list_shows_traffic_types(self, api_client, tenant):
        physnet = GuestPhysicalNetworkFactory()
        response = api_client(tenant).get(reverse(LIST), {"zone": physnet.zone_id})
        assert response.data["results"][0]["traffic_types"] == ["Guest"]


@pytest.mark.django_db
class TestPhysicalNetworkDelete:
    def test_refused_while_networks_use_it(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory()
        NetworkFactory(zone=physnet.zone, physical_network=physnet)
        response = api_client(root_admin).delete(detail(physnet))
        assert response.status_code == 400
        assert PhysicalNetwork.objects.filter(pk=physnet.pk).exists()

    def test_refused_while_ip_ranges_use_it(self, api_client, root_admin):
        ip_range = PublicIpRangeFactory()
        response = api_client(root_admin).delete(detail(ip_range.physical_network))
        assert response.status_code == 400
        assert PhysicalNetwork.objects.filter(pk=ip_range.physical_network_id).exists()

    def test_delete_takes_its_vlan_rows(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        assert api_client(root_admin).delete(detail(physnet)).status_code == 204
        assert not GuestVlan.objects.filter(physical_network_id=physnet.pk).exists()
