"""Traffic types: one of each kind per physical network, with per-hypervisor labels."""

import pytest
from django.urls import reverse

from networking.models import TrafficType
from tests.api_base import InfrastructureAPITests
from tests.factories import NetworkFactory, PhysicalNetworkFactory
from tests.networking.factories import GuestPhysicalNetworkFactory, TrafficTypeFactory


class TestTrafficTypeAPI(InfrastructureAPITests):
    basename = "traffictype"
    factory = TrafficTypeFactory

    def create_data(self, owner):
        return {
            "physical_network": PhysicalNetworkFactory(vlan_range="").pk,
            "traffic_type": "Guest",
            "kvm_label": "cloudbr1",
            "hyperv_label": "Guest Switch",
        }

    def update_data(self):
        return {"kvm_label": "cloudbr9", "hyperv_label": "Other Switch"}

    def invalid_data(self, owner):
        existing = TrafficTypeFactory(traffic_type="Public")
        pk = existing.physical_network_id
        return [
            ({"physical_network": pk, "traffic_type": "Public"}, "traffic_type"),
            ({"physical_network": pk, "traffic_type": "Carrier"}, "traffic_type"),
            ({"physical_network": 999999, "traffic_type": "Guest"}, "physical_network"),
            ({"traffic_type": "Guest"}, "physical_network"),
        ]


@pytest.mark.django_db
class TestTrafficTypeRules:
    def test_each_kind_once_per_physical_network(self, api_client, root_admin):
        physnet = PhysicalNetworkFactory(vlan_range="")
        client = api_client(root_admin)
        for kind in ("Guest", "Public", "Management", "Storage"):
            response = client.post(
                reverse("api:traffictype-list"),
                {"physical_network": physnet.pk, "traffic_type": kind, "kvm_label": "br"},
                format="json",
            )
            assert response.status_code == 201, response.content
        response = client.post(
            reverse("api:traffictype-list"),
            {"physical_network": physnet.pk, "traffic_type": "Guest"},
            format="json",
        )
        assert response.status_code == 400 and "traffic_type" in response.data
        assert TrafficType.objects.filter(physical_network=physnet).count() == 4

    def test_kind_and_network_are_fixed(self, api_client, root_admin):
        traffic = TrafficTypeFactory(traffic_type="Public")
        response = api_client(root_admin).patch(
            reverse("api:traffictype-detail", kwargs={"pk": traffic.pk}),
            {"traffic_type": "Storage"},
            format="json",
        )
        assert response.status_code == 400 and "traffic_type" in response.data

    def test_guest_traffic_in_use_cannot_be_removed(self, api_client, root_admin):
        physnet = GuestPhysicalNetworkFactory()
        NetworkFactory(zone=physnet.zone, physical_network=physnet)
        guest = physnet.traffic_types.get(traffic_type="Guest")
        response = api_client(root_admin).delete(
            reverse("api:traffictype-detail", kwargs={"pk": guest.pk})
        )
        assert response.status_code == 400
        assert TrafficType.objects.filter(pk=guest.pk).exists()
