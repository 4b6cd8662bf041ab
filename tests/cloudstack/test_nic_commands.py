"""addNicToVirtualMachine, removeNicFromVirtualMachine and updateDefaultNicForVirtualMachine
through the ``cs`` library against a live server on the simulator agent: the IP comes from
the network and goes back, the running VM's host gets the interface plugged and unplugged,
and a failed plug leaves no NIC and no IP behind."""

import pytest

from tests.cloudstack.test_clients import (  # noqa: F401
    admin_keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)
from tests.cloudstack.test_offering_changes import _api, _error
from tests.rules.helpers import sim_host

pytestmark = pytest.mark.django_db(transaction=True)


def test_add_remove_and_default_nic(live_server, live_cloud, keys, admin_keys, simulator):  # noqa: F811
    from compute.models import Instance
    from networking.models import Nic

    tenant, admin = _api(live_server, keys), _api(live_server, admin_keys)
    vm = tenant.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="nic-vm",
    )["virtualmachine"]
    first = vm["nic"][0]
    offering = tenant.listNetworkOfferings(guestiptype="Isolated", fetch_list=True)[0]
    second = tenant.createNetwork(
        name="second",
        displaytext="second",
        zoneid=vm["zoneid"],
        networkofferingid=offering["id"],
    )["network"]
    sim = sim_host(simulator, Instance.objects.get(uuid=vm["id"]).host)

    # the VM runs and the network has no VLAN yet: refused, nothing left behind
    early = _error(admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=second["id"])
    assert early["errorcode"] == 431 and "not implemented" in early["errortext"]
    tenant.stopVirtualMachine(id=vm["id"])
    added = admin.addNicToVirtualMachine(
        virtualmachineid=vm["id"], networkid=second["id"], ipaddress="10.1.1.20"
    )["virtualmachine"]
    nics = {n["networkid"]: n for n in added["nic"]}
    assert nics[second["id"]]["ipaddress"] == "10.1.1.20"
    assert nics[second["id"]]["isdefault"] is False and nics[first["networkid"]]["isdefault"]
    twice = _error(admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=second["id"])
    assert twice["errorcode"] == 431 and "already has a NIC" in twice["errortext"]
    # started: the host's VM has both interfaces
    tenant.startVirtualMachine(id=vm["id"])
    running = next(v for v in sim.vms.values() if v.state == "running")
    assert {n.ip for n in running.spec.nics} == {first["ipaddress"], "10.1.1.20"}

    new_nic = nics[second["id"]]["id"]
    default = admin.updateDefaultNicForVirtualMachine(virtualmachineid=vm["id"], nicid=new_nic)
    flags = {n["id"]: n["isdefault"] for n in default["virtualmachine"]["nic"]}
    assert flags == {new_nic: True, first["id"]: False}
    refused = _error(admin.removeNicFromVirtualMachine, virtualmachineid=vm["id"], nicid=new_nic)
    assert refused["errorcode"] == 431 and "default NIC" in refused["errortext"]
    admin.updateDefaultNicForVirtualMachine(virtualmachineid=vm["id"], nicid=first["id"])

    # live removal: unplugged on the host, the IP free again
    removed = admin.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=new_nic)
    assert [n["id"] for n in removed["virtualmachine"]["nic"]] == [first["id"]]
    assert [n.mac for n in running.spec.nics] == [first["macaddress"]]
    assert not Nic.objects.filter(ip_address="10.1.1.20").exists()

    # live add, with the agent failing: no NIC, no IP taken
    sim.faults["plug_nic"] = "no PCI slot"
    try:
        failed = _error(
            admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=second["id"]
        )
    finally:
        sim.faults.clear()
    assert failed["errorcode"] == 530 and "PCI" in failed["errortext"], failed
    assert Nic.objects.filter(instance__uuid=vm["id"]).count() == 1
    plugged = admin.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=second["id"])
    ips = {n["ipaddress"] for n in plugged["virtualmachine"]["nic"]}
    assert "10.1.1.2" in ips  # the lowest free address of the network
    assert len(running.spec.nics) == 2


def test_nic_bad_input(live_server, live_cloud, keys, admin_keys, other_tenant):  # noqa: F811
    from tests.cloudstack.test_clients import _keys

    tenant, admin = _api(live_server, keys), _api(live_server, admin_keys)
    vm = tenant.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
    )["virtualmachine"]
    tenant.stopVirtualMachine(id=vm["id"])
    stranger = _api(live_server, _keys(other_tenant))
    offering = stranger.listNetworkOfferings(guestiptype="Isolated", fetch_list=True)[0]
    theirs = stranger.createNetwork(
        name="theirs", displaytext="t", zoneid=vm["zoneid"], networkofferingid=offering["id"]
    )["network"]
    other = _error(admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=theirs["id"])
    assert other["errorcode"] == 431 and "another account" in other["errortext"]
    network = vm["nic"][0]["networkid"]
    for bad, field in (
        ({"ipaddress": "10.0.0"}, "ipaddress"),
        ({"macaddress": "zz"}, "macaddress"),
    ):
        mine = tenant.createNetwork(
            name=f"n-{field}",
            displaytext="n",
            zoneid=vm["zoneid"],
            networkofferingid=offering["id"],
        )["network"]
        error = _error(
            admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=mine["id"], **bad
        )
        assert error["errorcode"] == 431 and field in error["errortext"], error
    taken = vm["nic"][0]["ipaddress"]
    dup = _error(
        admin.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=network, ipaddress=taken
    )
    assert dup["errorcode"] == 431
    missing = _error(admin.removeNicFromVirtualMachine, virtualmachineid=vm["id"])
    assert missing["errorcode"] == 431 and "nicid" in missing["errortext"]
    unknown = _error(
        admin.removeNicFromVirtualMachine,
        virtualmachineid=vm["id"],
        nicid="00000000-0000-4000-8000-000000000000",
    )
    assert unknown["errorcode"] == 431
    # the owner manages its VM's NICs; another tenant finds neither the VM nor the network
    mine = tenant.createNetwork(
        name="own", displaytext="own", zoneid=vm["zoneid"], networkofferingid=offering["id"]
    )["network"]
    added = tenant.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=mine["id"])
    new_nic = next(n for n in added["virtualmachine"]["nic"] if n["networkid"] == mine["id"])
    assert tenant.listNics(virtualmachineid=vm["id"])["count"] == 2
    for call, params in (
        (stranger.addNicToVirtualMachine, {"networkid": theirs["id"]}),
        (stranger.removeNicFromVirtualMachine, {"nicid": new_nic["id"]}),
        (stranger.updateDefaultNicForVirtualMachine, {"nicid": new_nic["id"]}),
    ):
        assert _error(call, virtualmachineid=vm["id"], **params)["errorcode"] == 431
    foreign = _error(
        tenant.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=theirs["id"]
    )
    assert foreign["errorcode"] == 431
    tenant.updateDefaultNicForVirtualMachine(virtualmachineid=vm["id"], nicid=new_nic["id"])
    tenant.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=vm["nic"][0]["id"])
    assert [n["id"] for n in tenant.listNics(virtualmachineid=vm["id"], fetch_list=True)] == [
        new_nic["id"]
    ]
