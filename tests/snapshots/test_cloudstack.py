"""createSnapshot / listSnapshots / deleteSnapshot / revertSnapshot over signed
/client/api requests, with their jobs run on the simulator agent."""

import pytest

from compute.lifecycle import stop_instance
from portal.models import AsyncJob, ResourceLimit
from portal.tasks import run_job
from storage.models import Snapshot
from tests.snapshots.helpers import attached_volume, run

pytestmark = pytest.mark.django_db


def finish(api, jobid: str) -> dict:
    """Run the job in-process, then answer queryAsyncJobResult as a client sees it."""
    job = AsyncJob.objects.get(uuid=jobid)
    if job.status == "pending":
        run_job(job.pk)
    return api("queryAsyncJobResult", jobid=jobid)


def error(api, command: str, **params) -> dict:
    response = api.raw(command, **params)
    body = response.json()[f"{command.lower()}response"]
    assert response.status_code == body["errorcode"], body
    return body


def test_snapshot_lifecycle(cs_client, tenant, cloud, no_broker):
    api = cs_client(tenant)
    instance, volume = attached_volume(tenant, cloud)
    created = api("createSnapshot", volumeid=str(volume.uuid), name="nightly")
    assert set(created) == {"id", "jobid"}
    result = finish(api, created["jobid"])
    assert result["jobstatus"] == 1, result
    assert result["jobinstancetype"] == "Snapshot" and result["cmd"].endswith("CreateSnapshotCmd")
    snap = result["jobresult"]["snapshot"]
    assert snap["id"] == created["id"] and snap["name"] == "nightly"
    assert snap["state"] == "BackedUp" and snap["volumeid"] == str(volume.uuid)
    assert snap["volumetype"] == "DATADISK" and snap["snapshottype"] == "MANUAL"
    assert snap["physicalsize"] == volume.size and snap["revertable"] is True
    assert snap["account"] == tenant.account.name and snap["zoneid"] == str(cloud["zone"].uuid)

    listed = api("listSnapshots", volumeid=str(volume.uuid))
    assert listed["count"] == 1 and listed["snapshot"][0]["id"] == created["id"]
    assert api("listSnapshots", id=created["id"])["count"] == 1
    assert api("listSnapshots", snapshottype="RECURRING") == {}

    body = error(api, "revertSnapshot", id=created["id"])
    assert body["errorcode"] == 431 and "stop it" in body["errortext"]
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    reverted = api("revertSnapshot", id=created["id"])
    result = finish(api, reverted["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"]["snapshot"]["id"] == created["id"]

    deleted = api("deleteSnapshot", id=created["id"])
    assert set(deleted) == {"jobid"}
    result = finish(api, deleted["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"] == {"success": True}
    assert api("listSnapshots") == {}
    assert error(api, "deleteSnapshot", id=created["id"])["errorcode"] == 431


def test_failed_job_is_reported(cs_client, tenant, cloud, no_broker, simulator):
    from tests.snapshots.helpers import sim_host

    api = cs_client(tenant)
    instance, volume = attached_volume(tenant, cloud)
    sim = sim_host(simulator, instance.host)
    sim.faults["create_snapshot"] = "pool is read-only"
    try:
        result = finish(api, api("createSnapshot", volumeid=str(volume.uuid))["jobid"])
    finally:
        sim.faults.clear()
    assert result["jobstatus"] == 2 and result["jobresultcode"] == 530
    assert "pool is read-only" in result["jobresult"]["errortext"]
    assert api("listSnapshots")["snapshot"][0]["state"] == "Error"


def test_quota_is_535(cs_client, tenant, cloud, no_broker):
    api = cs_client(tenant)
    _, volume = attached_volume(tenant, cloud)
    ResourceLimit.objects.create(account=tenant.account, resource_type="snapshot", max=0)
    body = error(api, "createSnapshot", volumeid=str(volume.uuid))
    assert body["errorcode"] == 535 and "snapshot" in body["errortext"]
    assert not Snapshot.objects.exists()


def test_other_tenants_volume_and_snapshot_are_invisible(
    cs_client, tenant, other_tenant, cloud, no_broker
):
    _, volume = attached_volume(tenant, cloud)
    mine = cs_client(tenant)("createSnapshot", volumeid=str(volume.uuid))
    other = cs_client(other_tenant)
    for command, params in (
        ("createSnapshot", {"volumeid": str(volume.uuid)}),
        ("deleteSnapshot", {"id": mine["id"]}),
        ("revertSnapshot", {"id": mine["id"]}),
    ):
        body = error(other, command, **params)
        assert body["errorcode"] == 431 and "Invalid parameter" in body["errortext"]
    assert other("listSnapshots", listall="true") == {}
    assert Snapshot.objects.count() == 1


def test_listapis_describes_the_snapshot_commands(cs_client, tenant):
    apis = cs_client(tenant)("listApis", name="createSnapshot")["api"]
    assert apis[0]["isasync"] is True
    assert {p["name"] for p in apis[0]["params"]} >= {"volumeid", "name"}
    fields = {f["name"] for f in apis[0]["response"]}
    assert {"id", "volumeid", "state", "physicalsize", "jobid"} <= fields
