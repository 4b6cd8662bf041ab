"""/api/storage/snapshots/: list, detail, create (202), delete (202) and revert (202)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compute.lifecycle import stop_instance
from portal.models import AsyncJob, ResourceLimit
from storage.models import Snapshot
from storage.services.snapshots import create_snapshot
from tests.snapshots.helpers import attached_volume, run

URL = "/api/storage/snapshots/"
pytestmark = pytest.mark.django_db


def job_of(response):
    assert response.status_code == 202, response.json()
    return AsyncJob.objects.get(pk=response.json()["job_id"])


def test_full_cycle(api_client, tenant, cloud, no_broker):
    api = api_client(tenant)
    instance, volume = attached_volume(tenant, cloud)
    response = api.post(URL, {"volume": volume.pk, "name": "nightly"}, format="json")
    body = response.json()
    assert response.status_code == 202, body
    assert body["snapshot"]["state"] == "Creating" and body["snapshot"]["name"] == "nightly"
    assert body["snapshot"]["volume"]["id"] == volume.pk
    pk = body["snapshot"]["id"]
    assert run(AsyncJob.objects.get(pk=body["job_id"])).status == "succeeded"
    detail = api.get(f"{URL}{pk}/").json()
    assert detail["state"] == "BackedUp" and detail["size"] == volume.size
    listed = api.get(URL, {"volume_id": volume.pk}).json()
    assert [s["id"] for s in listed["results"]] == [pk]
    # running instance: revert is refused with the reason, and no job is made
    jobs_before = AsyncJob.objects.count()
    response = api.post(f"{URL}{pk}/revert/")
    assert response.status_code == 400 and "stop it" in response.json()["snapshot"][0]
    assert AsyncJob.objects.count() == jobs_before
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    assert run(job_of(api.post(f"{URL}{pk}/revert/"))).status == "succeeded"
    assert run(job_of(api.delete(f"{URL}{pk}/"))).status == "succeeded"
    assert api.get(f"{URL}{pk}/").json()["state"] == "Destroyed"
    assert api.delete(f"{URL}{pk}/").status_code == 404  # removed rows cannot be changed


def test_bad_input_is_400_and_writes_nothing(api_client, tenant, cloud, no_broker):
    api = api_client(tenant)
    _, volume = attached_volume(tenant, cloud)
    response = api.post(URL, {}, format="json")
    assert response.status_code == 400 and "volume" in response.json()
    response = api.post(URL, {"volume": 999999}, format="json")
    assert response.status_code == 400 and "volume" in response.json()
    response = api.post(URL, {"volume": volume.pk, "name": "x" * 300}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    ResourceLimit.objects.create(account=tenant.account, resource_type="snapshot", max=0)
    response = api.post(URL, {"volume": volume.pk}, format="json")
    assert response.status_code == 400
    assert "snapshot" in str(response.json())
    assert not Snapshot.objects.exists()


def test_other_tenants_snapshots_are_404(api_client, tenant, other_tenant, cloud, no_broker):
    _, volume = attached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant)
    run(job)
    api = api_client(other_tenant)
    assert api.get(f"{URL}{snapshot.pk}/").status_code == 404
    assert api.delete(f"{URL}{snapshot.pk}/").status_code == 404
    assert api.post(f"{URL}{snapshot.pk}/revert/").status_code == 404
    assert api.get(URL).json()["count"] == 0
    response = api.post(URL, {"volume": volume.pk}, format="json")
    assert response.status_code == 400 and "volume" in response.json()
    assert Snapshot.objects.count() == 1


def test_domain_admin_sees_the_subtree(api_client, tenant, domain_admin, cloud, no_broker):
    from tests.factories import AccountFactory, UserFactory

    member = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
    _, volume = attached_volume(member, cloud)
    theirs, _ = create_snapshot(volume, acting_user=member)
    _, outside_volume = attached_volume(tenant, cloud, size_gib=6)
    create_snapshot(outside_volume, acting_user=tenant)
    body = api_client(domain_admin).get(URL).json()
    assert [s["id"] for s in body["results"]] == [theirs.pk]


def test_list_query_count_is_constant(api_client, tenant, cloud, no_broker):
    api = api_client(tenant)
    _, volume = attached_volume(tenant, cloud)
    create_snapshot(volume, acting_user=tenant)
    with CaptureQueriesContext(connection) as one:
        assert api.get(URL).status_code == 200
    for _ in range(5):
        create_snapshot(volume, acting_user=tenant)
    with CaptureQueriesContext(connection) as six:
        assert api.get(URL).json()["count"] == 6
    assert len(six) == len(one)
