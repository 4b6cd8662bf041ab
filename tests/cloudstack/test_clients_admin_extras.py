"""The ``cs`` library against a live server, as an operator and a tenant: regions, the
management CA, resource details, public IP and guest VLAN dedication, system VM lists."""

import pytest
from cryptography import x509
from cs import CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401
    _keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)
from tests.cloudstack.test_clients_networks import _api

pytestmark = pytest.mark.django_db(transaction=True)


def test_cs_operator_extras(live_server, live_cloud, root_admin, tenant):  # noqa: F811
    from networking.models import PhysicalNetwork, PublicIpRange

    admin = _api(live_server, _keys(root_admin))
    user = _api(live_server, _keys(tenant))

    # regions
    (local,) = user.listRegions(fetch_list=True)
    assert (local["id"], local["name"]) == (1, "Local")
    assert local["endpoint"] == f"{live_server.url}/client/"
    admin.addRegion(id=2, name="West", endpoint="https://west.example/client/")
    assert [r["id"] for r in user.listRegions(fetch_list=True)] == [1, 2]
    admin.removeRegion(id=2)

    # the CA: a certificate for a host name, verified against the CA certificate
    ca_pem = user.listCaCertificate()["cacertificates"]["certificate"]
    issued = admin.issueCertificate(domain="agent1.example", ipaddress="192.0.2.9")
    cert = x509.load_pem_x509_certificate(issued["certificates"]["certificate"].encode())
    assert cert.issuer == x509.load_pem_x509_certificate(ca_pem.encode()).subject
    assert "PRIVATE KEY" in issued["certificates"]["privatekey"]
    with pytest.raises(CloudStackApiException) as err:
        user.issueCertificate(domain="x.example")
    assert err.value.error["errorcode"] == 432

    # system VMs and routers: none in this cloud
    assert admin.listSystemVms(fetch_list=True) == []
    assert admin.listRouters(listall=True, fetch_list=True) == []

    # a public range dedicated to the tenant: its IP comes from there
    zone = live_cloud["zone"]
    physical = PhysicalNetwork.objects.get(zone=zone)
    ip_range = PublicIpRange.objects.get(zone=zone)
    account = tenant.account
    dedicated = admin.dedicatePublicIpRange(
        id=str(ip_range.uuid), account=account.name, domainid=str(account.domain.uuid)
    )["vlaniprange"]
    assert dedicated["account"] == account.name
    ip = user.associateIpAddress(zoneid=str(zone.uuid))["ipaddress"]
    assert ip["vlanid"] == str(ip_range.uuid)
    with pytest.raises(CloudStackApiException) as err:
        admin.deleteVlanIpRange(id=str(ip_range.uuid))
    assert "allocated" in err.value.error["errortext"]
    assert admin.releasePublicIpRange(id=str(ip_range.uuid))["success"] is True

    # a guest VLAN range dedicated to the tenant: its new network is implemented on it
    vlans = admin.dedicateGuestVlanRange(
        physicalnetworkid=str(physical.uuid),
        vlanrange="108-109",
        account=account.name,
        domainid=str(account.domain.uuid),
    )["dedicatedguestvlanrange"]
    assert vlans["guestvlanrange"] == "108-109"
    vm = user.deployVirtualMachine(
        zoneid=str(zone.uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="dedicated",
    )["virtualmachine"]
    (network,) = user.listNetworks(fetch_list=True)
    assert network["vlan"] == "108"
    listed = admin.listDedicatedGuestVlanRanges(fetch_list=True)
    assert [r["id"] for r in listed] == [vlans["id"]]
    assert admin.releaseDedicatedGuestVlanRange(id=vlans["id"])["success"] is True

    # resource details on the tenant's VM
    user.addResourceDetail(
        resourcetype="UserVm", resourceid=vm["id"], details=[{"key": "keyboard", "value": "fr"}]
    )
    (detail,) = user.listResourceDetails(
        resourcetype="UserVm", resourceid=vm["id"], fetch_list=True
    )
    assert (detail["key"], detail["value"]) == ("keyboard", "fr")
    user.removeResourceDetail(resourcetype="UserVm", resourceid=vm["id"], key="keyboard")
    assert user.listResourceDetails(resourcetype="UserVm", fetch_list=True) == []
    options = user.listDetailOptions(resourcetype="UserVm")["detailoptions"]["details"]
    assert "virtio" in options["nicAdapter"]
