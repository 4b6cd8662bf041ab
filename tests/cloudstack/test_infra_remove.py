"""deletePod, deleteCluster, deleteHost, host and storage maintenance, deleteStoragePool,
deleteDiskOffering and listStorageProviders: what is in use is refused with 431 naming it,
tenants get 432, and a host answers the address of its agent URL."""

from __future__ import annotations

import pytest

from compute.models import Cluster, Host, Pod
from storage.models import DiskOffering, StoragePool

pytestmark = pytest.mark.django_db


def test_teardown_in_dependency_order(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    host, pool, cluster = seeded["host"], seeded["pool"], seeded["cluster"]
    assert api("listHosts", id=str(host.uuid))["host"][0]["ipaddress"]
    in_use = api.raw("deleteCluster", id=str(cluster.uuid))
    assert in_use.status_code == 431
    assert "in use" in in_use.json()["deleteclusterresponse"]["errortext"]
    enabled = api.raw("deleteHost", id=str(host.uuid))
    assert enabled.status_code == 431 and "maintenance" in enabled.content.decode()

    job = api("prepareHostForMaintenance", id=str(host.uuid))
    result = api("queryAsyncJobResult", jobid=job["jobid"])
    assert result["jobstatus"] == 1
    assert result["jobresult"]["host"]["resourcestate"] == "Maintenance"
    job = api("cancelHostMaintenance", id=str(host.uuid))
    assert (
        api("queryAsyncJobResult", jobid=job["jobid"])["jobresult"]["host"]["resourcestate"]
        == "Enabled"
    )
    api("prepareHostForMaintenance", id=str(host.uuid))
    assert api("deleteHost", id=str(host.uuid)) == {"success": True}

    job = api("enableStorageMaintenance", id=str(pool.uuid))
    pooled = api("queryAsyncJobResult", jobid=job["jobid"])["jobresult"]["storagepool"]
    assert pooled["state"] == "Maintenance"
    api("cancelStorageMaintenance", id=str(pool.uuid))
    assert StoragePool.objects.get(pk=pool.pk).state == "Up"
    assert api("deleteStoragePool", id=str(pool.uuid)) == {"success": True}
    assert api("deleteCluster", id=str(cluster.uuid)) == {"success": True}
    assert api("deletePod", id=str(cluster.pod.uuid)) == {"success": True}
    assert not Host.objects.exists() and not Cluster.objects.exists()
    assert not Pod.objects.exists() and not StoragePool.objects.exists()

    disk = seeded["disk"]
    assert api("deleteDiskOffering", id=str(disk.uuid)) == {"success": True}
    assert not DiskOffering.objects.filter(pk=disk.pk).exists()


def test_tenants_cannot_and_bad_input_is_431(cs_client, root_admin, tenant, seeded):
    api = cs_client(tenant)
    for command in ("deleteHost", "deletePod", "deleteStoragePool", "deleteDiskOffering"):
        assert api.raw(command, id=str(seeded["host"].uuid)).status_code == 432, command
    assert api.raw("listStorageProviders", type="primary").status_code == 432
    admin = cs_client(root_admin)
    assert admin.raw("deletePod", id="nope").status_code == 431
    assert admin.raw("deletePod").status_code == 431
    forced = admin.raw("deleteStoragePool", id=str(seeded["pool"].uuid), forced="true")
    assert forced.status_code == 431
    assert admin.raw("listStorageProviders", type="other").status_code == 431


def test_list_storage_providers(cs_client, root_admin):
    api = cs_client(root_admin)
    primary = api("listStorageProviders", type="primary")["dataStoreProvider"]
    assert {"name": "DefaultPrimary", "type": "PRIMARY"} in primary
    image = api("listStorageProviders", type="image")["dataStoreProvider"]
    assert [p["name"] for p in image] == ["NFS", "SMB"]


def test_delete_host_with_local_storage(cs_client, root_admin, seeded):
    from tests.factories import StoragePoolFactory

    host = seeded["host"]
    local = StoragePoolFactory(
        zone=host.zone, pod=host.pod, cluster=host.cluster, host=host, scope="HOST"
    )
    api = cs_client(root_admin)
    kept = api.raw("deleteHost", id=str(host.uuid), forced="true", forcedestroylocalstorage="false")
    assert kept.status_code == 431 and local.name in kept.content.decode()
    assert api("deleteHost", id=str(host.uuid), forced="true") == {"success": True}
    assert not StoragePool.objects.filter(pk=local.pk).exists()
