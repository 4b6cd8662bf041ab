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
        ServiceOfferingFactory(name="taken")
        base = self.create_data(owner)
        return [
            ({**base, "name": "taken"}, "name"),
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

    def test_offering_in_use_cannot_be_deleted(self, api_client, root_admin):
        offering = InstanceFactory().service_offering
        url = reverse("api:serviceoffering-detail", kwargs={"pk": offering.pk})
        response = api_client(root_admin).delete(url)
        assert response.status_code == 400
        assert ServiceOffering.objects.filter(pk=offering.pk).exists()
