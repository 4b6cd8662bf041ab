"""listManagementServers: root admins see the nodes, who leads, and their heartbeats."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.services import management

pytestmark = pytest.mark.django_db


def two_nodes():
    now = timezone.now()
    nodes = [
        management.NodeInfo(uuid.uuid4(), name, "127.0.0.1", port, 100 + port)
        for name, port in (("mgmt-a", 8000), ("mgmt-b", 8001))
    ]
    for node in nodes:
        management.register(node, now - timedelta(seconds=5))
    management.beat(nodes[0], now)
    management.heartbeat(nodes[1], now - timedelta(seconds=2))
    return nodes


def test_root_admin_lists_the_nodes_and_the_leader(cs_client, root_admin):
    a, b = two_nodes()
    body = cs_client(root_admin)("listManagementServers")
    assert body["count"] == 2
    rows = {row["name"]: row for row in body["managementserver"]}
    assert rows["mgmt-a"]["id"] == str(a.uuid)
    assert rows["mgmt-a"]["state"] == "Up" and rows["mgmt-a"]["isleader"] is True
    assert rows["mgmt-b"]["isleader"] is False and "leadersince" not in rows["mgmt-b"]
    assert rows["mgmt-b"]["heartbeatage"] >= 2
    for field in ("version", "serviceip", "lastserverstart", "kernelversion", "javaversion"):
        assert rows["mgmt-a"][field], field
    assert "lastserverstop" not in rows["mgmt-a"]  # null fields are left out


def test_filters_by_id_name_and_peers(cs_client, root_admin):
    a, b = two_nodes()
    api = cs_client(root_admin)
    by_id = api("listManagementServers", id=str(b.uuid))["managementserver"]
    assert [row["name"] for row in by_id] == ["mgmt-b"]
    assert api("listManagementServers", name="nope") == {}
    one = api("listManagementServers", name="mgmt-a", peers="true")["managementserver"][0]
    assert one["peers"] == [{"peermsid": str(b.uuid), "peername": "mgmt-b", "peerstate": "Up"}]
    response = api.raw("listManagementServers", id=str(uuid.uuid4()))
    assert response.status_code == 431


def test_tenants_and_domain_admins_may_not(cs_client, tenant, domain_admin):
    two_nodes()
    for user in (tenant, domain_admin):
        response = cs_client(user).raw("listManagementServers")
        assert response.status_code == 432
        (body,) = response.json().values()
        assert "not available" in body["errortext"]
