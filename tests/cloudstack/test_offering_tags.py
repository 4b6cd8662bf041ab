"""createServiceOffering ``tags`` (storage tags of the root disk's pool) and ``hosttags``
reach the planner: deployments through /client/api land on matching pools and hosts, or fail
with 533 naming the tags; the jobs run on the simulator agent."""

from __future__ import annotations

import pytest

from tests.cloudstack.test_clients import (  # noqa: F401
    client_cloud,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _deploy(api, cloud, offering_id):
    job = api(
        "deployVirtualMachine",
        zoneid=str(cloud["zone"].uuid),
        serviceofferingid=offering_id,
        templateid=str(cloud["template"].uuid),
    )
    return api("queryAsyncJobResult", jobid=job["jobid"])


def test_storage_and_host_tags_of_an_offering_steer_placement(
    live_cloud,  # noqa: F811
    cs_client,
    root_admin,
    tenant,
):
    from compute.models import Host, Instance
    from tests.factories import StoragePoolFactory

    zone = live_cloud["zone"]
    fast = StoragePoolFactory(
        cluster=None, pod=None, zone=zone, scope="ZONE", tags=["fast"], capacity_bytes=100 * 1024**3
    )
    admin, api = cs_client(root_admin), cs_client(tenant)
    size = {"cpunumber": 1, "cpuspeed": 500, "memory": 512}
    offering = admin("createServiceOffering", name="fast", tags="fast", hosttags="gpu", **size)
    offering = offering["serviceoffering"]
    assert (offering["storagetags"], offering["hosttags"]) == ("fast", "gpu")

    failed = _deploy(api, live_cloud, offering["id"])
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 533
    assert "host tags required: gpu" in failed["jobresult"]["errortext"]

    gpu = Host.objects.filter(cluster__zone=zone).first()
    Host.objects.filter(pk=gpu.pk).update(host_tags=["gpu"])
    done = _deploy(api, live_cloud, offering["id"])
    assert done["jobstatus"] == 1, done
    vm = Instance.objects.get(uuid=done["jobresult"]["virtualmachine"]["id"])
    assert vm.host_id == gpu.pk
    assert vm.volumes.get(volume_type="ROOT").pool_id == fast.pk

    nowhere = admin("createServiceOffering", name="nowhere", tags="missing", **size)
    failed = _deploy(api, live_cloud, nowhere["serviceoffering"]["id"])
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 533
    assert "storage tags required: missing" in failed["jobresult"]["errortext"]
