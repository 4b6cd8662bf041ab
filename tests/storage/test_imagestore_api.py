import pytest
from django.urls import reverse

from storage.models import ImageStore
from tests.compute.helpers import AddEventInfrastructureAPITests, raw_column
from tests.factories import ImageStoreFactory, ZoneFactory


class TestImageStoreAPI(AddEventInfrastructureAPITests):
    basename = "imagestore"
    factory = ImageStoreFactory

    def create_data(self, owner):
        return {"name": "sec-new", "zone": ZoneFactory().pk, "storage_url": "nfs://10.0.0.6/sec"}

    def update_data(self):
        return {"name": "renamed", "read_only": True}

    def invalid_data(self, owner):
        ImageStoreFactory(name="taken")
        base = {"name": "s2", "storage_url": "nfs://10.0.0.6/s2"}
        return [
            ({**base, "storage_url": "s3://bucket/x"}, "storage_url"),
            ({**base, "storage_url": "http://10.0.0.6/s2"}, "storage_url"),
            ({**base, "storage_url": "nfs://10.0.0.6"}, "storage_url"),
            ({**base, "storage_url": "cifs://srv/share"}, "storage_url"),
            ({**base, "storage_url": "cifs://srv/share?user=u&password=p&x=1"}, "storage_url"),
            ({**base, "name": "taken"}, "name"),
            ({**base, "zone": 999999}, "zone"),
        ]


@pytest.mark.django_db
class TestImageStoreRules:
    def test_cifs_password_is_encrypted_and_never_returned(self, api_client, root_admin):
        client = api_client(root_admin)
        data = {
            "name": "smb-sec",
            "storage_url": "cifs://fs1.example.test/sec?user=svc&password=Sec-plain-9&domain=LAB",
        }
        response = client.post(reverse("api:imagestore-list"), data, format="json")
        assert response.status_code == 201, response.content
        pk = response.data["id"]
        shown = client.get(reverse("api:imagestore-detail", kwargs={"pk": pk})).data
        assert "Sec-plain-9" not in str(response.data) and "Sec-plain-9" not in str(shown)
        assert shown["zone"] is None  # region-wide
        assert shown["storage_url"] == "cifs://fs1.example.test/sec"
        store = ImageStore.objects.get(pk=pk)
        assert (store.protocol, store.username, store.smb_domain) == ("cifs", "svc", "LAB")
        assert store.password == "Sec-plain-9"
        stored = raw_column(ImageStore, pk, "password")
        assert stored.startswith("fernet:") and "Sec-plain-9" not in stored
        assert "Sec-plain-9" not in raw_column(ImageStore, pk, "url")
