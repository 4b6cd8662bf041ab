"""Network offerings: built-in defaults, admins' custom offerings and the services map."""

import pytest
from django.urls import reverse

from networking.defaults import DEFAULT_NETWORK_OFFERINGS
from networking.models import NetworkOffering
from tests.api_base import InfrastructureAPITests
from tests.factories import NetworkFactory
from tests.networking.factories import NetworkOfferingFactory


class TestNetworkOfferingAPI(InfrastructureAPITests):
    basename = "networkoffering"
    factory = NetworkOfferingFactory

    def create_data(self, owner):
        return {
            "name": "custom-isolated",
            "display_text": "Custom isolated",
            "guest_ip_type": "Isolated",
            "services": {"Dhcp": ["VirtualRouter"], "SourceNat": ["VirtualRouter"]},
        }

    def update_data(self):
        return {"display_text": "Renamed", "state": "Enabled"}

    def invalid_data(self, owner):
        base = self.create_data(owner)
        return [
            ({**base, "services": {"Teleport": ["VirtualRouter"]}}, "services"),
            ({**base, "services": {"Dhcp": [""]}}, "services"),
            ({**base, "services": {"Dhcp": [42]}}, "services"),
            ({**base, "services": ["Dhcp"]}, "services"),
            ({**base, "guest_ip_type": "L2", "services": {"SourceNat": ["VR"]}}, "services"),
            ({**base, "guest_ip_type": "Routed"}, "guest_ip_type"),
            ({**base, "name": ""}, "name"),
            ({**base, "state": "Maybe"}, "state"),
        ]


@pytest.mark.django_db
class TestDefaultOfferings:
    def test_defaults_exist_after_migration_and_are_enabled(self):
        names = {name for name, *_ in DEFAULT_NETWORK_OFFERINGS}
        assert "QuickCloudNoServices" in names
        defaults = NetworkOffering.objects.filter(name__in=names)
        assert defaults.count() == len(names)
        assert set(defaults.values_list("state", flat=True)) == {"Enabled"}
        assert all(defaults.values_list("is_default", flat=True))
        quick = NetworkOffering.objects.get(name="QuickCloudNoServices")
        assert quick.guest_ip_type == "Shared" and quick.services == {}

    def test_everyone_lists_them(self, api_client, tenant):
        response = api_client(tenant).get(
            reverse("api:networkoffering-list"), {"is_default": True, "limit": 100}
        )
        assert response.status_code == 200
        assert "QuickCloudNoServices" in {r["name"] for r in response.data["results"]}

    def test_default_cannot_be_deleted_but_can_be_disabled(self, api_client, root_admin):
        quick = NetworkOffering.objects.get(name="QuickCloudNoServices")
        client = api_client(root_admin)
        url = reverse("api:networkoffering-detail", kwargs={"pk": quick.pk})
        assert client.delete(url).status_code == 400
        assert NetworkOffering.objects.filter(pk=quick.pk).exists()
        response = client.patch(url, {"state": "Disabled"}, format="json")
        assert response.status_code == 200 and response.data["state"] == "Disabled"

    def test_default_services_and_type_are_fixed(self, api_client, root_admin):
        quick = NetworkOffering.objects.get(name="QuickCloudNoServices")
        url = reverse("api:networkoffering-detail", kwargs={"pk": quick.pk})
        client = api_client(root_admin)
        response = client.patch(url, {"services": {"Dhcp": ["VirtualRouter"]}}, format="json")
        assert response.status_code == 400 and "services" in response.data
        response = client.patch(url, {"guest_ip_type": "Isolated"}, format="json")
        assert response.status_code == 400 and "guest_ip_type" in response.data

    def test_is_default_is_read_only(self, api_client, root_admin):
        response = api_client(root_admin).post(
            reverse("api:networkoffering-list"),
            {"name": "sneaky", "guest_ip_type": "L2", "is_default": True},
            format="json",
        )
        assert response.status_code == 201
        assert NetworkOffering.objects.get(name="sneaky").is_default is False

    def test_offering_in_use_is_marked_removed(self, api_client, root_admin):
        """CloudStack's semantics: the network keeps its offering, lists no longer show it."""
        offering = NetworkOfferingFactory(state="Enabled")
        network = NetworkFactory(network_offering=offering)
        url = reverse("api:networkoffering-detail", kwargs={"pk": offering.pk})
        client = api_client(root_admin)
        assert client.delete(url).status_code == 204
        kept = NetworkOffering.objects.get(pk=offering.pk)
        assert kept.removed is not None and kept.state == "Disabled"
        assert client.get(url).status_code == 404
        network.refresh_from_db()
        assert network.network_offering_id == offering.pk

    def test_services_accepts_every_cloudstack_service(self, api_client, root_admin):
        from networking.services import NETWORK_SERVICES

        services = {name: ["VirtualRouter"] for name in NETWORK_SERVICES}
        response = api_client(root_admin).post(
            reverse("api:networkoffering-list"),
            {"name": "everything", "guest_ip_type": "Isolated", "services": services},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert set(response.data["services"]) == set(NETWORK_SERVICES)
