"""Parameters that were silently ignored and are now implemented: associateIpAddress
``ipaddress``, createServiceOffering ``tags`` (storage) and ``hosttags``, listServiceOfferings
``virtualmachineid``, deleteTemplate ``zoneid``, createFirewallRule ``type``."""

from __future__ import annotations

import pytest

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
