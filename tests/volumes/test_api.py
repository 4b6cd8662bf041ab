"""/api/storage/volumes/: create, attach, detach, resize and delete through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import ResourceLimit
from storage.models import DiskOffering, Volume
from tests.factories import VolumeFactory
from tests.volumes.helpers import deploy, offering, run

GIB = 1024**3
URL = "/api/storage/volumes/"
pytestmark = pytest.mark.django_db


def job_of(response):
    from portal.models import AsyncJob

    assert response.status_code == 202, response.json()
    return AsyncJob.objects.get(pk=response.json()["job_id"])


def test_full_cycle(api_client, tenant, cloud, no_broker):
    api = api_client(tenant)
    instance = deploy(tenant, cloud)
    disk = offering(5)
    response = api.post(
        URL, {"zone": cloud["zone"].pk, "disk_offering": disk.pk, "name": "data1"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "Allocated" and body["size"] == 5 * GIB and body["name"] == "data1"
    pk = body["id"]
    job = job_of(api.post(f"{URL}{pk}/attach/", {"instance": instance.pk}, format="json"))
    assert run(job).status == "succeeded", job.error_text
    detail = api.get(f"{URL}{pk}/").json()
    assert detail["state"] == "Ready" and detail["instance"]["id"] == instance.pk
    assert detail["device_id"] == 1
    # attached: cannot be deleted
    response = api.delete(f"{URL}{pk}/")
    assert response.status_code == 400 and "volume" in response.json()
    assert run(job_of(api.post(f"{URL}{pk}/detach/"))).status == "succeeded"
    job = job_of(api.delete(f"{URL}{pk}/"))
    assert run(job).status == "succeeded"
    assert Volume.objects.get(pk=pk).state == "Expunged"


def test_create_field_errors_write_nothing(api_client, tenant, cloud):
    api = api_client(tenant)
    custom = DiskOffering.objects.create(name="custom", customized=True, max_size=20)
    response = api.post(URL, {"zone": cloud["zone"].pk, "disk_offering": custom.pk}, format="json")
    assert response.status_code == 400 and "size" in response.json()
    response = api.post(URL, {"disk_offering": custom.pk, "size": 5}, format="json")
    assert response.status_code == 400 and "zone" in response.json()
    response = api.post(URL, {"zone": cloud["zone"].pk, "disk_offering": 999999}, format="json")
    assert response.status_code == 400 and "disk_offering" in response.json()
    ResourceLimit.objects.create(account=tenant.account, resource_type="volume", max=0)
    response = api.post(
        URL, {"zone": cloud["zone"].pk, "disk_offering": custom.pk, "size": 5}, format="json"
    )
    assert response.status_code == 400 and "volume" in str(response.json())
    assert not Volume.objects.exists()


def test_resize(api_client, tenant, cloud):
    api = api_client(tenant)
    custom = DiskOffering.objects.create(name="custom", customized=True)
    pk = api.post(
        URL, {"zone": cloud["zone"].pk, "disk_offering": custom.pk, "size": 5}, format="json"
    ).json()["id"]
    response = api.post(f"{URL}{pk}/resize/", {"size": 12}, format="json")
    assert response.status_code == 200 and response.json()["size"] == 12 * GIB
    response = api.post(f"{URL}{pk}/resize/", {"size": 3}, format="json")
    assert response.status_code == 400 and "size" in response.json()
    response = api.post(f"{URL}{pk}/resize/", {}, format="json")
    assert response.status_code == 400 and "size" in response.json()
    # never created on storage: delete is immediate
    assert api.delete(f"{URL}{pk}/").status_code == 204
    assert Volume.objects.get(pk=pk).removed is not None


def test_attach_to_destroyed_instance_is_400(api_client, tenant, cloud, no_broker):
    from compute.lifecycle import destroy_instance

    api = api_client(tenant)
    instance = deploy(tenant, cloud, start=False)
    run(destroy_instance(instance, acting_user=tenant))
    volume = VolumeFactory(account=tenant.account, zone=cloud["zone"])
    response = api.post(f"{URL}{volume.pk}/attach/", {"instance": instance.pk}, format="json")
    assert response.status_code == 400 and "instance" in response.json()
    volume.refresh_from_db()
    assert volume.state == "Allocated"


def test_other_tenants_volumes_and_instances_are_404(
    api_client, tenant, other_tenant, cloud, no_broker
):
    api = api_client(tenant)
    theirs = VolumeFactory(account=other_tenant.account, zone=cloud["zone"])
    their_vm = deploy(other_tenant, cloud, start=False)
    mine = VolumeFactory(account=tenant.account, zone=cloud["zone"])
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/detach/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/resize/", {"size": 50}, format="json").status_code == 404
    response = api.post(f"{URL}{theirs.pk}/attach/", {"instance": their_vm.pk}, format="json")
    assert response.status_code == 404
    # my volume onto their instance: the instance does not exist for me
    response = api.post(f"{URL}{mine.pk}/attach/", {"instance": their_vm.pk}, format="json")
    assert response.status_code == 400 and "instance" in response.json()
    assert [v["id"] for v in api.get(URL).json()["results"]] == [mine.pk]
    theirs.refresh_from_db()
    assert theirs.state == "Allocated" and theirs.removed is None


def test_list_query_count_is_constant(api_client, tenant, cloud):
    api = api_client(tenant)
    VolumeFactory(account=tenant.account, zone=cloud["zone"])
    with CaptureQueriesContext(connection) as few:
        assert api.get(URL).status_code == 200
    VolumeFactory.create_batch(10, account=tenant.account, zone=cloud["zone"])
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(URL).json()["results"]) == 11
    assert len(many) == len(few)
