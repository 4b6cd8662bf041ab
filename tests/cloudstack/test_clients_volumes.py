"""The ``cs`` library against a live server: volumes and tags with real async polling,
as a plain tenant."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_cs_volume_and_tag_flow(live_server, live_cloud, keys):  # noqa: F811
    from storage.models import DiskOffering

    disk = DiskOffering.objects.create(name="data-5", disk_size=5)
    api = CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=keys[0],
        secret=keys[1],
        poll_interval=0.1,
        fetch_result=True,
    )
    vm = api.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="vol-vm",
    )["virtualmachine"]
    volume = api.createVolume(name="data1", zoneid=vm["zoneid"], diskofferingid=str(disk.uuid))[
        "volume"
    ]
    assert volume["state"] == "Allocated"
    attached = api.attachVolume(id=volume["id"], virtualmachineid=vm["id"])["volume"]
    assert attached["state"] == "Ready" and attached["virtualmachineid"] == vm["id"]
    api.createTags(
        resourcetype="Volume",
        resourceids=volume["id"],
        tags=[{"key": "tier", "value": "gold"}],
    )
    tagged = api.listVolumes(tags=[{"key": "tier", "value": "gold"}], fetch_list=True)
    assert [v["id"] for v in tagged] == [volume["id"]]
    assert api.listTags(resourceid=volume["id"], fetch_list=True)[0]["value"] == "gold"
    with pytest.raises(CloudStackApiException) as err:
        api.deleteVolume(id=volume["id"])
    assert err.value.error["errorcode"] == 431
    detached = api.detachVolume(id=volume["id"])["volume"]
    assert "virtualmachineid" not in detached
    assert api.deleteVolume(id=volume["id"])["success"] is True
    renamed = api.updateVirtualMachine(id=vm["id"], displayname="renamed")["virtualmachine"]
    assert renamed["displayname"] == "renamed"
