import pytest
from django.urls import reverse

from compute.models import ServiceOffering
from tests.api_base import InfrastructureAPITests
from tests.factories import InstanceFactory, ServiceOfferingFactory


class TestServiceOfferingAPI(InfrastructureAPITests):
    basename = "serviceoffering"
    factory = ServiceOfferingFactory

    def create_data(self, owner):
        return {
            "name": "so-new",
            "cpu_number": 2,
            "cpu_speed": 2000,
            "memory": 2048,
            "host_tags": ["ssd"],
            "storage_tags": ["fast"],
        }

    def update_data(self):
        return {"display_text": "updated", "state": "Inactive"}

    def invalid_data(self, owner):
        base = self.create_data(owner)
        return [
            ({**base, "name": ""}, "name"),
            ({k: v for k, v in base.items() if k != "memory"}, "memory"),
            ({**base, "cpu_number": 0}, "cpu_number"),
            ({**base, "cpu_speed": 0}, "cpu_speed"),
            ({**base, "memory": -1}, "memory"),
            ({**base, "host_tags": "ssd"}, "host_tags"),
            ({**base, "host_tags": [""]}, "host_tags"),
            ({**base, "storage_tags": "fast"}, "storage_tags"),
            ({**base, "storage_tags": [""]}, "storage_tags"),
            ({**base, "state": "Gone"}, "state"),
            ({**base, "storage_type": "tape"}, "storage_type"),
        ]


@pytest.mark.django_db
class TestServiceOfferingRules:
    def test_customized_offering_needs_no_size(self, api_client, root_admin):
        data = {"name": "custom", "customized": True}
        url = reverse("api:serviceoffering-list")
        response = api_client(root_admin).post(url, data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["cpu_number"] is None

    def test_offering_in_use_is_marked_removed(self, api_client, root_admin):
        """CloudStack's semantics: the instance keeps its offering, lists no longer show it."""
        instance = InstanceFactory()
        offering = instance.service_offering
        url = reverse("api:serviceoffering-detail", kwargs={"pk": offering.pk})
        client = api_client(root_admin)
        assert client.delete(url).status_code == 204
        kept = ServiceOffering.objects.get(pk=offering.pk)
        assert kept.removed is not None and kept.state == "Inactive"
        assert client.get(url).status_code == 404
        listed = client.get(reverse("api:serviceoffering-list")).data["results"]
        assert offering.pk not in [o["id"] for o in listed]
        instance.refresh_from_db()
        assert instance.service_offering.name == offering.name

    def test_names_need_not_be_unique(self, api_client, root_admin):
        ServiceOfferingFactory(name="taken")
        data = {"name": "taken", "cpu_number": 1, "cpu_speed": 500, "memory": 256}
        response = api_client(root_admin).post(reverse("api:serviceoffering-list"), data)
        assert response.status_code == 201, response.content
        assert ServiceOffering.objects.filter(name="taken").count() == 2
