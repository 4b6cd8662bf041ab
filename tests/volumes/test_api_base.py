"""The declared tenant API suite over /api/storage/volumes/ (isolation, query budget,
400s with nothing written)."""

import pytest

from compute.models import Zone
from storage.models import DiskOffering
from tests.api_base import TenantAPITests
from tests.factories import VolumeFactory, ZoneFactory


@pytest.mark.django_db
class TestVolumeTenantAPI(TenantAPITests):
    basename = "volume"
    factory = VolumeFactory

    def update_data(self):
        return {"name": "renamed"}

    def invalid_data(self, owner):
        zone = Zone.objects.first() or ZoneFactory()
        custom = DiskOffering.objects.create(name="custom-x", customized=True, max_size=10)
        return [
            ({"disk_offering": custom.pk, "size": 5}, "zone"),
            ({"zone": zone.pk, "disk_offering": custom.pk}, "size"),
            ({"zone": zone.pk, "disk_offering": custom.pk, "size": 11}, "size"),
            ({"zone": zone.pk, "disk_offering": 0}, "disk_offering"),
        ]

    def test_rename_writes_an_event(self, api_client, tenant):
        from portal.models import Event

        mine = self.make(tenant)
        client = api_client(tenant)
        response = client.patch(self.detail_url(mine), {"name": "renamed"}, format="json")
        assert response.status_code == 200 and response.data["name"] == "renamed"
        assert Event.objects.filter(event_type="VOLUME.UPDATE").exists()
        response = client.patch(self.detail_url(mine), {"name": ""}, format="json")
        assert response.status_code == 400 and "name" in response.data
