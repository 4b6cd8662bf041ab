import pytest
from django.urls import reverse

from storage.models import DiskOffering
from tests.api_base import InfrastructureAPITests
from tests.factories import DiskOfferingFactory, VolumeFactory


class TestDiskOfferingAPI(InfrastructureAPITests):
    basename = "diskoffering"
    factory = DiskOfferingFactory

    def create_data(self, owner):
        return {"name": "do-new", "disk_size": 50, "tags": ["ssd"], "provisioning_type": "fat"}

    def update_data(self):
        return {"display_text": "updated", "state": "Inactive"}

    def invalid_data(self, owner):
        return [
            ({"name": "", "disk_size": 5}, "name"),
            ({"name": "d"}, "disk_size"),
            ({"name": "d", "disk_size": 0}, "disk_size"),
            ({"name": "d", "customized": True, "min_size": 10, "max_size": 5}, "max_size"),
            ({"name": "d", "customized": True, "min_size": 0}, "min_size"),
            ({"name": "d", "disk_size": 5, "min_size": 1}, "min_size"),
            ({"name": "d", "disk_size": 5, "provisioning_type": "thick"}, "provisioning_type"),
            ({"name": "d", "disk_size": 5, "tags": [""]}, "tags"),
        ]


@pytest.mark.django_db
class TestDiskOfferingRules:
    def test_customized_with_range(self, api_client, root_admin):
        data = {"name": "c", "customized": True, "min_size": 1, "max_size": 500}
        url = reverse("api:diskoffering-list")
        response = api_client(root_admin).post(url, data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["disk_size"] is None

    def test_offering_in_use_is_marked_removed(self, api_client, root_admin):
        """CloudStack's semantics: the volume keeps its offering, lists no longer show it."""
        offering = DiskOfferingFactory()
        volume = VolumeFactory(disk_offering=offering)
        url = reverse("api:diskoffering-detail", kwargs={"pk": offering.pk})
        client = api_client(root_admin)
        assert client.delete(url).status_code == 204
        kept = DiskOffering.objects.get(pk=offering.pk)
        assert kept.removed is not None and kept.state == "Inactive"
        assert client.get(url).status_code == 404
        listed = client.get(reverse("api:diskoffering-list")).data["results"]
        assert offering.pk not in [o["id"] for o in listed]
        volume.refresh_from_db()
        assert volume.disk_offering_id == offering.pk

    def test_names_need_not_be_unique(self, api_client, root_admin):
        DiskOfferingFactory(name="taken")
        url = reverse("api:diskoffering-list")
        response = api_client(root_admin).post(url, {"name": "taken", "disk_size": 5})
        assert response.status_code == 201, response.content
        assert DiskOffering.objects.filter(name="taken").count() == 2
