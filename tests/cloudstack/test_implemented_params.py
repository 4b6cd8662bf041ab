"""Parameters that were silently ignored and are now implemented: associateIpAddress
``ipaddress``, createServiceOffering ``tags`` (storage) and ``hosttags``, listServiceOfferings
``virtualmachineid``, deleteTemplate ``zoneid``, createFirewallRule ``type``."""

from __future__ import annotations

import pytest

from tests.cloudstack.test_xml import zone_admin  # noqa: F401
from tests.networking.factories import PublicIpRangeFactory

pytestmark = pytest.mark.django_db


def test_associate_ip_address_takes_the_requested_address(cs_client, tenant, other_tenant):
    ip_range = PublicIpRangeFactory(size=3)
    zone = str(ip_range.zone.uuid)
    addresses = sorted(ip_range.addresses.values_list("address", flat=True))
    api = cs_client(tenant)
    wanted = addresses[-1]
    job = api("associateIpAddress", zoneid=zone, ipaddress=wanted)
    listed = api("listPublicIpAddresses", id=job["id"])["publicipaddress"][0]
    assert listed["ipaddress"] == wanted
    taken = cs_client(other_tenant).raw("associateIpAddress", zoneid=zone, ipaddress=wanted)
    assert taken.status_code == 431
    assert "not free" in taken.json()["associateipaddressresponse"]["errortext"]
    elsewhere = api.raw("associateIpAddress", zoneid=zone, ipaddress="192.0.2.254")
    assert elsewhere.status_code == 431
    assert "not a public IP address" in elsewhere.json()["associateipaddressresponse"]["errortext"]
    assert api.raw("associateIpAddress", zoneid=zone, ipaddress="nope").status_code == 431
    assert api("listPublicIpAddresses")["count"] == 1  # the refusals claimed nothing


def test_firewall_rule_type_other_than_user_is_refused(cs_client, tenant):
    response = cs_client(tenant).raw(
        "createFirewallRule", ipaddressid="x", protocol="tcp", type="system"
    )
    assert response.status_code == 431
    assert "type user" in response.json()["createfirewallruleresponse"]["errortext"]


def test_admins_get_an_object_by_id_without_listall(cs_client, root_admin, domain_admin, tenant):
    from tests.factories import AccountFactory, NetworkFactory

    mine = NetworkFactory(account=tenant.account)
    ours = NetworkFactory(account=AccountFactory(domain=domain_admin.account.domain))
    root = cs_client(root_admin)
    assert root("listNetworks", id=str(mine.uuid))["network"][0]["id"] == str(mine.uuid)
    assert root("listNetworks") == {}  # without id: the caller's own, as before
    dom = cs_client(domain_admin)
    assert dom("listNetworks", id=str(ours.uuid))["count"] == 1
    assert dom.raw("listNetworks", id=str(mine.uuid)).status_code == 431  # not in its domain


def test_account_without_domainid_is_in_the_callers_domain(cs_client, domain_admin):
    from tests.factories import AccountFactory, NetworkFactory

    other = AccountFactory(domain=domain_admin.account.domain)
    network = NetworkFactory(account=other)
    api = cs_client(domain_admin)
    listed = api("listNetworks", account=other.name)["network"]
    assert [n["id"] for n in listed] == [str(network.uuid)]
    users = api("listUsers", account=domain_admin.account.name)["user"]
    assert {u["username"] for u in users} == {domain_admin.username}


def test_keyword_where_the_handler_has_no_search_fields(cs_client, root_admin, seeded):
    from tests.factories import ClusterFactory

    ClusterFactory(name="blue-cluster", cluster_type="ExternalManaged")
    api = cs_client(root_admin)
    assert api("listHypervisors", keyword="kvm")["hypervisor"][0]["name"].lower() == "kvm"
    assert api("listHypervisors", keyword="no-such-thing") == {}
    assert (
        api("listClusters", clustertype="ExternalManaged")["cluster"][0]["name"] == "blue-cluster"
    )
    assert api("listClusters", allocationstate="Disabled", clustertype="CloudManaged") == {}


def test_list_networks_traffictype_and_canusefordeploy(cs_client, tenant):
    from tests.factories import NetworkFactory

    NetworkFactory(account=tenant.account)
    api = cs_client(tenant)
    assert api("listNetworks", traffictype="Guest")["count"] == 1
    assert api("listNetworks", traffictype="Public") == {}
    assert api("listNetworks", canusefordeploy="true")["count"] == 1
    assert api("listNetworks", canusefordeploy="false") == {}


def test_customjobid_names_the_job(zone_admin):  # noqa: F811
    api, zone = zone_admin
    chosen = "0f6a4d2c-8b7e-4c1a-9d3e-5b2f7a1c9e00"
    created = api("createPhysicalNetwork", zoneid=zone["id"], name="ph1", customjobid=chosen)
    assert created["jobid"] == chosen
    assert api("queryAsyncJobResult", jobid=chosen)["jobstatus"] == 1
    again = api.raw("createPhysicalNetwork", zoneid=zone["id"], name="ph2", customjobid=chosen)
    assert again.status_code == 431
    assert "already exists" in again.json()["createphysicalnetworkresponse"]["errortext"]
    upper = api.raw("createPhysicalNetwork", zoneid=zone["id"], name="ph3", customjobid="X-1")
    assert upper.status_code == 431
    assert api("listPhysicalNetworks")["count"] == 1  # the refused ones created nothing
    from portal.cloudstack.registry import REGISTRY

    assert "customjobid" not in {p.name for p in REGISTRY["listZones"].params}  # async only
