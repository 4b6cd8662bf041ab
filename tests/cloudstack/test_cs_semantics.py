# ruff: noqa: F811  (fixtures imported from test_clients)
"""CloudStack's semantics where ours were stricter, through the ``cs`` client on a live
server: associateIpAddress without networkid uses the account's only isolated network,
destroyVirtualMachine expunge=true expunges a Destroyed instance, an isolated network takes
any private CIDR given as gateway/netmask."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401  (fixtures)
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)
ISOLATED = "DefaultIsolatedNetworkOfferingWithSourceNatService"


def _api(live_server, pair) -> CloudStack:
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=pair[0],
        secret=pair[1],
        poll_interval=0.05,
        fetch_result=True,
    )


def _network(api, cloud, name, **params):
    from networking.models import NetworkOffering

    return api.createNetwork(
        name=name,
        displaytext=name,
        zoneid=str(cloud["zone"].uuid),
        networkofferingid=str(NetworkOffering.objects.get(name=ISOLATED).uuid),
        **params,
    )["network"]


def test_associate_ip_without_networkid_uses_the_only_isolated_network(
    live_server, live_cloud, keys
):
    api = _api(live_server, keys)
    zone = str(live_cloud["zone"].uuid)
    network = _network(api, live_cloud, "only")
    ip = api.associateIpAddress(zoneid=zone)["ipaddress"]
    assert ip["associatednetworkid"] == network["id"]
    _network(api, live_cloud, "second")
    # two isolated networks: which one is not guessed
    other = api.associateIpAddress(zoneid=zone)["ipaddress"]
    assert "associatednetworkid" not in other


def test_destroy_with_expunge_expunges_a_destroyed_instance(live_server, live_cloud, keys):
    from compute.models import Instance

    api = _api(live_server, keys)
    vm = api.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="gone",
    )["virtualmachine"]
    api.destroyVirtualMachine(id=vm["id"])
    assert api.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Destroyed"
    api.destroyVirtualMachine(id=vm["id"], expunge=True)
    assert Instance.objects.get(uuid=vm["id"]).state == "Expunged"
    assert api.listVirtualMachines() == {}


def test_isolated_network_takes_any_private_cidr_from_gateway_and_netmask(
    live_server, live_cloud, keys
):
    api = _api(live_server, keys)
    for gateway, cidr in (
        ("192.168.77.1", "192.168.77.0/24"),
        ("172.20.5.1", "172.20.5.0/24"),
        ("10.200.0.1", "10.200.0.0/24"),
    ):
        network = _network(api, live_cloud, cidr, gateway=gateway, netmask="255.255.255.0")
        assert (network["cidr"], network["gateway"]) == (cidr, gateway)
    with pytest.raises(CloudStackApiException) as err:
        _network(api, live_cloud, "public", gateway="203.0.113.1", netmask="255.255.255.0")
    assert err.value.error["errorcode"] == 431
    assert "RFC 1918" in err.value.error["errortext"]


def test_delete_account_names_what_remains_then_deletes(
    live_server, live_cloud, keys, tenant, root_admin
):
    from portal.models import Account
    from tests.cloudstack.test_clients import _keys

    api, admin = _api(live_server, keys), _api(live_server, _keys(root_admin))
    zone = str(live_cloud["zone"].uuid)
    vm = api.deployVirtualMachine(
        zoneid=zone,
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="left-over",
    )["virtualmachine"]
    ip = api.associateIpAddress(zoneid=zone)["ipaddress"]
    api.createSSHKeyPair(name="goes-with-the-account")
    api.createAffinityGroup(name="goes-too", type="host affinity")
    account = str(tenant.account.uuid)
    with pytest.raises(CloudStackApiException) as err:
        admin.deleteAccount(id=account)
    text = err.value.error["errortext"]
    (network,) = api.listNetworks(fetch_list=True)
    root_volume = api.listVolumes(fetch_list=True)[0]
    for named in (vm["id"], "left-over", ip["id"], network["id"], root_volume["id"]):
        assert named in text, (named, text)
    # each named resource is in the admin's lists
    assert admin.listVirtualMachines(listall=True, id=vm["id"])["count"] == 1
    assert admin.listPublicIpAddresses(listall=True, id=ip["id"])["count"] == 1
    assert admin.listNetworks(listall=True, id=network["id"])["count"] == 1
    assert admin.listVolumes(listall=True, id=root_volume["id"])["count"] == 1
    # removed resources (history rows, finished jobs) no longer keep the account
    api.destroyVirtualMachine(id=vm["id"], expunge=True)
    api.disassociateIpAddress(id=ip["id"])
    api.deleteNetwork(id=network["id"])
    assert admin.deleteAccount(id=account)["success"] is True
    assert not Account.objects.filter(uuid=account).exists()
