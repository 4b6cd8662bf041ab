"""The ``cs`` library against a live server: updateNetwork and restartNetwork as a tenant,
with real async polling; the rules reach (and come back to) the simulated host that runs
the VM."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401
    _keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _api(live_server, pair):
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=pair[0],
        secret=pair[1],
        poll_interval=0.1,
        fetch_result=True,
    )


def _sim_host(simulator, instance):
    instance.refresh_from_db()
    return simulator.provider.get(instance.host.url.rsplit("/hosts/", 1)[1])


def test_cs_update_and_restart_network(live_server, live_cloud, keys, simulator):  # noqa: F811
    from compute.models import Instance
    from networking.models import Network, NetworkOffering

    api = _api(live_server, keys)
    vm = api.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="net-vm",
    )["virtualmachine"]
    instance = Instance.objects.get(uuid=vm["id"])
    (network,) = api.listNetworks(fetch_list=True)
    net_key = f"net-{Network.objects.get(uuid=network['id']).pk}"

    updated = api.updateNetwork(
        id=network["id"], name="front", displaytext="Front end", dns1="192.0.2.53"
    )["network"]
    assert (updated["name"], updated["displaytext"], updated["dns1"]) == (
        "front",
        "Front end",
        "192.0.2.53",
    )
    assert api.listNetworks(id=network["id"], fetch_list=True)[0]["name"] == "front"

    # a firewall rule on the network's IP reaches the host; the host loses it (a reboot of
    # the agent, say) and restartNetwork pushes it again
    ip = api.associateIpAddress(networkid=network["id"])["ipaddress"]
    api.createFirewallRule(
        ipaddressid=ip["id"], protocol="TCP", startport=22, endport=22, cidrlist="10.9.0.0/16"
    )
    host = _sim_host(simulator, instance)
    assert host.network_rules[net_key].public_ips[0].firewall[0].cidrs == ["10.9.0.0/16"]
    del host.network_rules[net_key]
    assert api.restartNetwork(id=network["id"]) == {"success": True}
    assert host.network_rules[net_key].public_ips[0].firewall[0].start_port == 22
    assert api.restartNetwork(id=network["id"], cleanup=True) == {"success": True}
    assert host.network_rules[net_key].public_ips[0].firewall[0].start_port == 22

    # another isolated offering that denies egress: the hosts get its policy
    strict = NetworkOffering.objects.create(
        name="StrictIsolated",
        guest_ip_type="Isolated",
        services=NetworkOffering.objects.get(
            name="DefaultIsolatedNetworkOfferingWithSourceNatService"
        ).services,
        state="Enabled",
        egress_default_policy=False,
    )
    assert host.network_rules[net_key].egress_default_allow is True
    moved = api.updateNetwork(id=network["id"], networkofferingid=str(strict.uuid))["network"]
    assert moved["networkofferingid"] == str(strict.uuid)
    assert host.network_rules[net_key].egress_default_allow is False

    # guest VM CIDR inside the network's CIDR, holding the VM's address
    nic_ip = vm["nic"][0]["ipaddress"]
    with pytest.raises(CloudStackApiException) as err:
        api.updateNetwork(id=network["id"], guestvmcidr="10.250.0.0/24")
    assert err.value.error["errorcode"] == 431
    assert "not inside" in err.value.error["errortext"]

    # an L2/shared offering is no upgrade of an isolated network
    shared = NetworkOffering.objects.get(name="DefaultSharedNetworkOffering")
    with pytest.raises(CloudStackApiException) as err:
        api.updateNetwork(id=network["id"], networkofferingid=str(shared.uuid))
    assert "guest types differ" in err.value.error["errortext"]
    assert nic_ip


def test_restart_and_update_refusals(live_server, live_cloud, keys, other_tenant):  # noqa: F811
    from networking.models import NetworkOffering

    api = _api(live_server, keys)
    offering = NetworkOffering.objects.get(
        name="DefaultIsolatedNetworkOfferingWithSourceNatService"
    )
    network = api.createNetwork(
        name="idle",
        displaytext="idle",
        zoneid=str(live_cloud["zone"].uuid),
        networkofferingid=str(offering.uuid),
    )["network"]
    assert network["state"] == "Allocated"
    with pytest.raises(CloudStackApiException) as err:
        api.restartNetwork(id=network["id"])
    assert err.value.error["errorcode"] == 431
    assert "not in the right state to be restarted" in err.value.error["errortext"]
    with pytest.raises(CloudStackApiException) as err:
        api.updateNetwork(id=network["id"], dns1="not-an-ip")
    assert err.value.error["errorcode"] == 431
    with pytest.raises(CloudStackApiException) as err:
        api.updateNetwork(id=network["id"], changecidr="true")
    assert "unsupported parameter changecidr" in err.value.error["errortext"]
    # guest VM CIDR on a network without NICs: any subnet of its CIDR
    cidr = network["cidr"]
    base, _ = cidr.split("/")
    half = f"{base}/{int(cidr.split('/')[1]) + 1}"
    api.updateNetwork(id=network["id"], guestvmcidr=half)
    from networking.models import Network

    row = Network.objects.get(uuid=network["id"])
    assert row.start_ip.rsplit(".", 1)[1] == "1"
    # another tenant never reaches it
    other = _api(live_server, _keys(other_tenant))
    for call in (other.updateNetwork, other.restartNetwork):
        with pytest.raises(CloudStackApiException) as err:
            call(id=network["id"], name="mine")
        assert err.value.error["errorcode"] == 431
    assert Network.objects.get(uuid=network["id"]).name == "idle"
