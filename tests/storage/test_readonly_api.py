import pytest
from django.urls import reverse

from storage.defaults import DEFAULT_OS_TYPES

# Volumes are writable now: their suite is tests/volumes/test_api_base.py.


@pytest.mark.django_db
class TestOSTypeAPI:
    def test_list_is_read_only(self, api_client, tenant):
        client = api_client(tenant)
        response = client.get(reverse("api:ostype-list"), {"q": "debian"})
        assert response.status_code == 200
        assert [r["description"] for r in response.data["results"]] == [
            "Debian GNU/Linux 12 (64-bit)"
        ]
        assert client.get(reverse("api:ostype-list")).data["count"] == len(DEFAULT_OS_TYPES)
        data = {"category": "x", "description": "y"}
        assert client.post(reverse("api:ostype-list"), data).status_code == 405

    def test_anonymous_is_refused(self, api_client):
        assert api_client().get(reverse("api:ostype-list")).status_code in (401, 403)
