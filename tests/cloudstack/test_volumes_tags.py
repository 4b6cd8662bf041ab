"""CloudStack envelopes of the volume, tag and updateVirtualMachine commands, with their
async jobs run on the simulator agent."""

import pytest

from portal.models import AsyncJob, ResourceTag
from portal.tasks import run_job
from storage.models import DiskOffering, Volume
from tests.volumes.helpers import deploy

GIB = 1024**3
pytestmark = pytest.mark.django_db


def finish(api, jobid: str) -> dict:
    """Run the job in-process, then answer queryAsyncJobResult as a client sees it."""
    job = AsyncJob.objects.get(uuid=jobid)
    if job.status == "pending":
        run_job(job.pk)
    return api("queryAsyncJobResult", jobid=jobid)


def test_volume_lifecycle(cs_client, tenant, cloud, no_broker):
    api = cs_client(tenant)
    vm = deploy(tenant, cloud)
    disk = DiskOffering.objects.create(name="custom", customized=True, max_size=100)
    created = api(
        "createVolume",
        name="data1",
        zoneid=str(cloud["zone"].uuid),
        diskofferingid=str(disk.uuid),
        size=10,
    )
    assert set(created) == {"jobid", "id"}
    result = finish(api, created["jobid"])
    assert result["jobstatus"] == 1 and result["jobinstancetype"] == "Volume"
    volume = result["jobresult"]["volume"]
    assert volume["id"] == created["id"] and volume["state"] == "Allocated"
    assert volume["size"] == 10 * GIB and volume["type"] == "DATADISK"
    assert volume["account"] == tenant.account.name

    resized = finish(api, api("resizeVolume", id=created["id"], size=20)["jobid"])
    assert resized["jobresult"]["volume"]["size"] == 20 * GIB

    attach = api("attachVolume", id=created["id"], virtualmachineid=str(vm.uuid))
    assert set(attach) == {"jobid"}
    result = finish(api, attach["jobid"])
    assert result["jobstatus"] == 1, result
    assert result["cmd"].endswith("AttachVolumeCmd")
    attached = result["jobresult"]["volume"]
    assert attached["virtualmachineid"] == str(vm.uuid) and attached["deviceid"] == 1
    assert attached["state"] == "Ready" and attached["storageid"] == str(cloud["pool"].uuid)

    listed = api("listVolumes", virtualmachineid=str(vm.uuid))
    assert listed["count"] == 2
    body = api.raw("deleteVolume", id=created["id"]).json()["deletevolumeresponse"]
    assert body["errorcode"] == 431 and "detach it first" in body["errortext"]

    detach = api("detachVolume", id=created["id"])
    result = finish(api, detach["jobid"])
    assert result["jobstatus"] == 1
    assert "virtualmachineid" not in result["jobresult"]["volume"]

    assert api("deleteVolume", id=created["id"]) == {"success": True}
    job = AsyncJob.objects.get(command="volume.delete")
    run_job(job.pk)
    assert Volume.objects.get(uuid=created["id"]).state == "Expunged"
    assert api("listVolumes", id=created["id"]) == {}


def test_create_volume_attached_to_a_vm(cs_client, tenant, cloud, no_broker):
    api = cs_client(tenant)
    vm = deploy(tenant, cloud)
    disk = DiskOffering.objects.create(name="five", disk_size=5)
    created = api("createVolume", diskofferingid=str(disk.uuid), virtualmachineid=str(vm.uuid))
    result = finish(api, created["jobid"])
    assert result["jobresult"]["volume"]["virtualmachineid"] == str(vm.uuid)


def test_volume_errors(cs_client, tenant, other_tenant, cloud, no_broker):
    from compute.lifecycle import destroy_instance

    api = cs_client(tenant)
    disk = DiskOffering.objects.create(name="five", disk_size=5)
    theirs = Volume.objects.create(
        name="theirs",
        account=other_tenant.account,
        domain=other_tenant.account.domain,
        zone=cloud["zone"],
        volume_type="DATADISK",
        size=GIB,
    )
    for command in ("attachVolume", "detachVolume", "deleteVolume", "resizeVolume"):
        response = api.raw(command, id=str(theirs.uuid), virtualmachineid=str(theirs.uuid), size=9)
        assert response.status_code == 431, command
    mine = api("createVolume", zoneid=str(cloud["zone"].uuid), diskofferingid=str(disk.uuid))
    vm = deploy(tenant, cloud, start=False)
    job = destroy_instance(vm, acting_user=tenant)
    run_job(job.pk)
    response = api.raw("attachVolume", id=mine["id"], virtualmachineid=str(vm.uuid))
    assert response.status_code == 431
    response = api.raw("createVolume", zoneid=str(cloud["zone"].uuid))
    assert (
        response.status_code == 431
        and "disk offering" in response.json()["createvolumeresponse"]["errortext"]
    )
    from portal.models import ResourceLimit

    ResourceLimit.objects.create(account=tenant.account, resource_type="volume", max=1)
    response = api.raw(
        "createVolume", zoneid=str(cloud["zone"].uuid), diskofferingid=str(disk.uuid)
    )
    assert response.status_code == 535


def test_update_virtual_machine(cs_client, tenant, other_tenant, cloud, no_broker):
    api = cs_client(tenant)
    vm = deploy(tenant, cloud, start=False)
    body = api(
        "updateVirtualMachine",
        id=str(vm.uuid),
        displayname="Web server",
        name="web-1",
        haenable="true",
        userdata="aGVsbG8=",
    )["virtualmachine"]
    assert body["displayname"] == "Web server" and body["name"] == "web-1"
    assert body["haenable"] is True
    vm.refresh_from_db()
    assert vm.user_data == "aGVsbG8="
    response = api.raw("updateVirtualMachine", id=str(vm.uuid), name="bad_name!")
    assert response.status_code == 431
    theirs = deploy(other_tenant, cloud, start=False)
    assert api.raw("updateVirtualMachine", id=str(theirs.uuid), displayname="x").status_code == 431


def test_tags_create_list_filter_delete(cs_client, tenant, other_tenant, cloud, no_broker):
    api = cs_client(tenant)
    web, db = deploy(tenant, cloud, start=False), deploy(tenant, cloud, start=False)
    created = api(
        "createTags",
        resourcetype="UserVm",
        resourceids=f"{web.uuid},{db.uuid}",
        **{
            "tags[0].key": "env",
            "tags[0].value": "prod",
            "tags[1].key": "role",
            "tags[1].value": "web",
        },
    )
    result = finish(api, created["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"] == {"success": True}
    assert ResourceTag.objects.count() == 4

    listed = api("listTags", resourceid=str(web.uuid))
    assert listed["count"] == 2
    assert {(t["key"], t["value"], t["resourcetype"]) for t in listed["tag"]} == {
        ("env", "prod", "UserVm"),
        ("role", "web", "UserVm"),
    }
    assert listed["tag"][0]["account"] == tenant.account.name

    api("deleteTags", resourcetype="UserVm", resourceids=str(db.uuid), **{"tags[0].key": "role"})
    ids = {
        v["id"]
        for v in api("listVirtualMachines", **{"tags[0].key": "role", "tags[0].value": "web"})[
            "virtualmachine"
        ]
    }
    assert ids == {str(web.uuid)}
    assert api("listVirtualMachines", **{"tags[0].key": "role", "tags[0].value": "db"}) == {}
    assert api("listVirtualMachines", **{"tags[0].key": "env"})["count"] == 2

    # duplicate key -> 431, nothing written
    response = api.raw(
        "createTags",
        resourcetype="uservm",
        resourceids=str(web.uuid),
        **{"tags[0].key": "env", "tags[0].value": "dev"},
    )
    assert (
        response.status_code == 431
        and "already exists" in response.json()["createtagsresponse"]["errortext"]
    )

    # volumes are filtered the same way
    root = web.volumes.get()
    api(
        "createTags",
        resourcetype="Volume",
        resourceids=str(root.uuid),
        **{"tags[0].key": "backup", "tags[0].value": "daily"},
    )
    volumes = api("listVolumes", **{"tags[0].key": "backup"})["volume"]
    assert [v["id"] for v in volumes] == [str(root.uuid)]

    # another tenant sees none of it and cannot tag my VM
    other = cs_client(other_tenant)
    assert other("listTags", listall="true") == {}
    response = other.raw(
        "createTags",
        resourcetype="UserVm",
        resourceids=str(web.uuid),
        **{"tags[0].key": "mine", "tags[0].value": "now"},
    )
    assert response.status_code == 431
    response = other.raw("deleteTags", resourcetype="UserVm", resourceids=str(web.uuid))
    assert response.status_code == 431
    assert ResourceTag.objects.filter(resource_uuid=web.uuid).count() == 2

    # unsupported type
    response = api.raw(
        "createTags",
        resourcetype="Zone",
        resourceids=str(web.uuid),
        **{"tags[0].key": "a", "tags[0].value": "b"},
    )
    assert response.status_code == 431
