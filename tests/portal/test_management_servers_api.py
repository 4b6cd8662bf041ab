"""/api/portal/management-servers/ and the admin dashboard: the nodes, their heartbeat age
and which one runs the periodic jobs; root admins only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.services import management

pytestmark = pytest.mark.django_db


@pytest.fixture
def nodes():
    now = timezone.now()
    a = management.NodeInfo(uuid.uuid4(), "mgmt-a", "127.0.0.1", 8000, 11)
    b = management.NodeInfo(uuid.uuid4(), "mgmt-b", "127.0.0.1", 8001, 12)
    management.register(a, now - timedelta(seconds=60))
    management.register(b, now - timedelta(seconds=60))
    management.beat(a, now)  # a leads; b last beat 60 s ago: Down
    return a, b


def test_root_admin_reads_the_nodes(api_client, root_admin, nodes):
    a, b = nodes
    client = api_client(root_admin)
    rows = {
        r["name"]: r for r in client.get(reverse("api:managementserver-list")).json()["results"]
    }
    assert set(rows) == {"mgmt-a", "mgmt-b"}
    assert rows["mgmt-a"]["is_leader"] is True and rows["mgmt-a"]["leader_since"]
    assert rows["mgmt-a"]["state"] == "Up" and rows["mgmt-a"]["heartbeat_age"] < 5
    assert rows["mgmt-b"]["is_leader"] is False and rows["mgmt-b"]["state"] == "Down"
    assert rows["mgmt-b"]["heartbeat_age"] >= 60
    one = client.get(reverse("api:managementserver-detail", args=[rows["mgmt-b"]["id"]]))
    assert one.status_code == 200 and one.json()["uuid"] == str(b.uuid)
    down = client.get(reverse("api:managementserver-list"), {"state": "Down"}).json()["results"]
    assert [r["name"] for r in down] == ["mgmt-b"]


def test_only_root_admins(api_client, tenant, domain_admin, nodes):
    for user in (tenant, domain_admin):
        response = api_client(user).get(reverse("api:managementserver-list"))
        assert response.status_code == 403
    response = api_client(None).get(reverse("api:managementserver-list"))
    assert response.status_code in (401, 403)


def test_read_only(api_client, root_admin, nodes):
    response = api_client(root_admin).post(reverse("api:managementserver-list"), {"name": "x"})
    assert response.status_code == 405


def test_dashboard_shows_the_nodes_and_the_leader(client, root_admin, tenant, nodes):
    client.force_login(root_admin)
    page = client.get("/").content.decode()
    assert "Management servers" in page and "mgmt-a" in page and "mgmt-b" in page
    assert "leader" in page and "standby" in page
    client.force_login(tenant)
    assert "Management servers" not in client.get("/").content.decode()


@pytest.mark.parametrize("model", ["managementserver", "managementlease"])
def test_django_admin_lists_them_read_only(client, nodes, model):
    from portal.models import User

    client.force_login(User.objects.create_superuser("boss", "boss@example.test", "Boss-pass-1"))
    url = reverse(f"admin:portal_{model}_changelist")
    page = client.get(url, {"q": "mgmt"})
    assert page.status_code == 200
    assert "mgmt-a" in page.content.decode() or model == "managementlease"
    assert client.get(reverse(f"admin:portal_{model}_add")).status_code == 403
