"""update/delete of service, disk and network offerings with CloudStack's semantics, through
the ``cs`` library against a live server whose jobs run on the simulator agent: names need
not be unique; an offering in use can be deleted (hidden from lists and new use, while the
instance that uses it keeps working and still shows its name)."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401
    admin_keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _api(live_server, pair) -> CloudStack:
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=pair[0],
        secret=pair[1],
        poll_interval=0.1,
        fetch_result=True,
    )


def _error(call, **params) -> dict:
    with pytest.raises(CloudStackApiException) as err:
        call(**params)
    return err.value.error


def test_service_offering_in_use_is_removed_not_refused(live_server, live_cloud, keys, admin_keys):  # noqa: F811
    admin, tenant = _api(live_server, admin_keys), _api(live_server, keys)
    first = admin.createServiceOffering(name="small", cpunumber=1, cpuspeed=500, memory=256)
    twin = admin.createServiceOffering(name="small", cpunumber=1, cpuspeed=500, memory=256)
    first, twin = first["serviceoffering"], twin["serviceoffering"]
    assert first["id"] != twin["id"]  # names need not be unique
    changed = admin.updateServiceOffering(
        id=first["id"], name="small-1", displaytext="Small one", hosttags="ssd,fast"
    )["serviceoffering"]
    assert (changed["name"], changed["displaytext"], changed["hosttags"]) == (
        "small-1",
        "Small one",
        "ssd,fast",
    )
    admin.updateServiceOffering(id=first["id"], hosttags="", storagetags="")  # empty: unchanged
    shown = admin.listServiceOfferings(id=first["id"])["serviceoffering"][0]
    assert shown["hosttags"] == "ssd,fast"
    admin.updateServiceOffering(id=first["id"], hosttags="")
    admin.updateServiceOffering(id=twin["id"], state="Inactive")
    assert tenant.listServiceOfferings(id=twin["id"]).get("count", 0) == 0
    admin.updateServiceOffering(id=twin["id"], state="active")
    assert tenant.listServiceOfferings(id=twin["id"])["count"] == 1

    vm = tenant.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=twin["id"],
        templateid=str(live_cloud["template"].uuid),
        name="offering-vm",
    )["virtualmachine"]
    assert admin.deleteServiceOffering(id=twin["id"])["success"] is True
    # hidden from every list, for the admin too; the instance keeps it and its name
    assert admin.listServiceOfferings(id=twin["id"]).get("count", 0) == 0
    names = [o["id"] for o in tenant.listServiceOfferings(fetch_list=True)]
    assert twin["id"] not in names and first["id"] in names
    shown = tenant.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
    assert (shown["serviceofferingid"], shown["serviceofferingname"]) == (twin["id"], "small")
    assert tenant.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"
    assert tenant.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    # no new use, no further change
    refused = _error(
        tenant.deployVirtualMachine,
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=twin["id"],
        templateid=str(live_cloud["template"].uuid),
    )
    assert refused["errorcode"] == 431, refused
    again = _error(admin.updateServiceOffering, id=twin["id"], name="back")
    assert again["errorcode"] == 431 and "Unable to find" in again["errortext"]
    assert _error(admin.deleteServiceOffering, id=twin["id"])["errorcode"] == 431
    # an unused offering is really deleted
    assert admin.deleteServiceOffering(id=first["id"])["success"] is True
    from compute.models import ServiceOffering

    assert not ServiceOffering.objects.filter(uuid=first["id"]).exists()
    assert ServiceOffering.objects.get(uuid=twin["id"]).removed is not None


def test_disk_offering_in_use_is_removed(live_server, live_cloud, keys, admin_keys):  # noqa: F811
    admin, tenant = _api(live_server, admin_keys), _api(live_server, keys)
    disk = admin.createDiskOffering(name="data", disksize=2)["diskoffering"]
    admin.createDiskOffering(name="data", disksize=3)
    updated = admin.updateDiskOffering(id=disk["id"], displaytext="Data 2", tags="gold")
    assert updated["diskoffering"]["displaytext"] == "Data 2"
    assert updated["diskoffering"]["tags"] == "gold"
    admin.updateDiskOffering(id=disk["id"], tags="")
    admin.updateDiskOffering(id=disk["id"], name="data-2")
    bad = _error(admin.updateDiskOffering, id=disk["id"], state="Sideways")
    assert bad["errorcode"] == 431 and "Invalid state" in bad["errortext"]
    refused = _error(admin.updateDiskOffering, id=disk["id"], bytesreadrate=100)
    assert refused["errorcode"] == 431 and "bytesreadrate" in refused["errortext"]
    from storage.models import DiskOffering

    DiskOffering.objects.filter(uuid=disk["id"]).update(tags=[])
    volume = tenant.createVolume(
        name="v1", zoneid=str(live_cloud["zone"].uuid), diskofferingid=disk["id"]
    )["volume"]
    assert admin.deleteDiskOffering(id=disk["id"])["success"] is True
    listed = tenant.listDiskOfferings(fetch_list=True)
    assert disk["id"] not in [o["id"] for o in listed]
    assert [o["name"] for o in listed].count("data") == 1  # the twin stays
    kept = tenant.listVolumes(id=volume["id"])["volume"][0]
    assert kept["diskofferingname"] == "data-2" and kept["diskofferingid"] == disk["id"]
    again = _error(
        tenant.createVolume, zoneid=str(live_cloud["zone"].uuid), diskofferingid=disk["id"]
    )
    assert again["errorcode"] == 431


def test_network_offering_delete(live_server, live_cloud, keys, admin_keys):  # noqa: F811
    admin, tenant = _api(live_server, admin_keys), _api(live_server, keys)
    made = admin.createNetworkOffering(
        name="iso-custom",
        displaytext="custom",
        guestiptype="Isolated",
        traffictype="GUEST",
        supportedservices="Dhcp,Dns,SourceNat",
        availability="Optional",
    )["networkoffering"]
    admin.updateNetworkOffering(id=made["id"], state="Enabled")
    network = tenant.createNetwork(
        name="n1",
        displaytext="n1",
        zoneid=str(live_cloud["zone"].uuid),
        networkofferingid=made["id"],
    )["network"]
    spare = admin.createNetworkOffering(
        name="iso-custom", guestiptype="Isolated", traffictype="GUEST", supportedservices="Dhcp"
    )["networkoffering"]
    assert admin.deleteNetworkOffering(id=spare["id"])["success"] is True
    assert admin.deleteNetworkOffering(id=made["id"])["success"] is True
    assert admin.listNetworkOfferings(id=made["id"]).get("count", 0) == 0
    shown = tenant.listNetworks(id=network["id"])["network"][0]
    assert shown["networkofferingid"] == made["id"]
    assert shown["networkofferingname"] == "iso-custom"
    refused = _error(
        tenant.createNetwork,
        name="n2",
        displaytext="n2",
        zoneid=str(live_cloud["zone"].uuid),
        networkofferingid=made["id"],
    )
    assert refused["errorcode"] == 431
    builtin = admin.listNetworkOfferings(isdefault=True, fetch_list=True)[0]
    kept = _error(admin.deleteNetworkOffering, id=builtin["id"])
    assert kept["errorcode"] == 431 and "Built-in" in kept["errortext"]
    denied = _error(tenant.deleteNetworkOffering, id=builtin["id"])
    assert denied["errorcode"] == 432
    assert (
        _error(tenant.updateServiceOffering, id=str(live_cloud["offering"].uuid))["errorcode"]
        == 432
    )
    assert _error(tenant.updateDiskOffering, id=made["id"])["errorcode"] == 432
    missing = _error(admin.deleteNetworkOffering, id="00000000-0000-4000-8000-000000000000")
    assert missing["errorcode"] == 431


def test_offering_scope_arguments_are_refused(cs_client, root_admin, defaults):  # noqa: F811
    """Offerings are not scoped to domains or zones here: domainid/zoneid are refused (431)
    rather than accepted and ignored."""
    admin = cs_client(root_admin)
    made = admin("createServiceOffering", name="scoped", cpunumber=1, cpuspeed=100, memory=64)
    oid = made["serviceoffering"]["id"]
    for command in ("updateServiceOffering", "updateDiskOffering"):
        for param in ("domainid", "zoneid"):
            response = admin.raw(command, id=oid, **{param: "public"})
            body = response.json()[f"{command.lower()}response"]
            assert (
                response.status_code == 431
                and f"unsupported parameter {param}" in body["errortext"]
            ), body
