"""Tenant volume pages: create (quota shown, field errors), attach/detach/delete with job
progress and toasts (htmx partials, 286 once settled), resize, snapshots, instance detail's
attach form, tenant isolation (404) and CSRF."""

import json

import pytest
from django.test import Client

from compute.models import ServiceOffering
from portal.models import AsyncJob, ResourceLimit
from storage.models import DiskOffering, Snapshot, Volume

HX = {"HX-Request": "true"}
GIB = 1024**3


def hx(target):
    return {"HX-Request": "true", "HX-Target": target}


def toast(response):
    return json.loads(response["HX-Trigger"])["toast"]


def make_volume(user, cloud, **extra):
    from tests.factories import VolumeFactory

    fields = {
        "account": user.account,
        "domain": user.account.domain,
        "zone": cloud["zone"],
        "volume_type": "DATADISK",
        "size": 5 * GIB,
        "state": "Allocated",
        "disk_offering": DiskOffering.objects.get(name="Small"),
        **extra,
    }
    return VolumeFactory(**fields)


def running_instance(user, cloud, name="web1"):
    from compute.lifecycle import deploy_instance

    instance, _ = deploy_instance(
        acting_user=user,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        name=name,
    )
    instance.refresh_from_db()
    assert instance.state == "Running"
    return instance


@pytest.mark.django_db
def test_create_shows_quota_and_field_errors(login, tenant, cloud):
    client = login(tenant)
    page = client.get("/storage/volumes/add/").content.decode()
    assert "Your quota" in page and "Primary storage" in page and "Custom (custom size" in page
    custom = DiskOffering.objects.get(name="Custom")
    response = client.post(
        "/storage/volumes/add/", {"zone": cloud["zone"].pk, "disk_offering": custom.pk}
    )
    assert response.status_code == 200
    assert "Required (&gt;= 1 GiB) with a custom-size disk offering." in response.content.decode()
    ResourceLimit.objects.create(account=tenant.account, resource_type="volume", max=0)
    response = client.post(
        "/storage/volumes/add/",
        {"zone": cloud["zone"].pk, "disk_offering": custom.pk, "size": "7"},
    )
    assert "Maximum number of resources of type" in response.content.decode()
    assert not Volume.objects.exists()


@pytest.mark.django_db
def test_create_then_list_and_detail(login, tenant, cloud):
    client = login(tenant)
    custom = DiskOffering.objects.get(name="Custom")
    response = client.post(
        "/storage/volumes/add/",
        {"zone": cloud["zone"].pk, "disk_offering": custom.pk, "size": "7", "name": "data1"},
    )
    volume = Volume.objects.get(name="data1")
    assert response.status_code == 302 and response["Location"] == f"/storage/volumes/{volume.pk}/"
    assert volume.size == 7 * GIB and volume.account == tenant.account
    listing = client.get("/storage/volumes/").content.decode()
    assert "data1" in listing and 'data-state="Allocated"' in listing and "Quota usage" in listing
    assert "every 2s" not in listing  # settled rows do not poll
    detail = client.get(response["Location"]).content.decode()
    assert "not attached" in detail and "Resize" in detail and "Snapshots" in detail


@pytest.mark.django_db
def test_other_tenants_volumes_are_404(login, tenant, other_tenant, cloud):
    theirs = make_volume(other_tenant, cloud, name="their-disk")
    client = login(tenant)
    assert "their-disk" not in client.get("/storage/volumes/").content.decode()
    for url in ("", "row/", "status/", "resize/", "snapshots/"):
        assert client.get(f"/storage/volumes/{theirs.pk}/{url}").status_code == 404
    for action in ("detach", "delete"):
        assert client.post(f"/storage/volumes/{theirs.pk}/{action}/", headers=HX).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "Allocated" and theirs.removed is None


@pytest.mark.django_db
def test_delete_of_an_allocated_volume_answers_the_panel_with_a_toast(login, tenant, cloud):
    volume = make_volume(tenant, cloud)
    client = login(tenant)
    response = client.post(f"/storage/volumes/{volume.pk}/delete/", headers=hx("volume-status"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="volume-status"' in body and 'data-state="Expunged"' in body
    assert "Back to volumes" in body and toast(response)["level"] == "success"
    assert volume.pk not in Volume.objects.filter(removed__isnull=True).values_list("pk", flat=True)


@pytest.mark.django_db
def test_refusals_are_error_toasts_and_rows_stay(login, tenant, cloud):
    volume = make_volume(tenant, cloud)
    client = login(tenant)
    response = client.post(
        f"/storage/volumes/{volume.pk}/detach/", headers=hx(f"volume-{volume.pk}")
    )
    assert response.status_code == 200 and "<tr" in response.content.decode()
    assert toast(response) == {
        "message": f"volume: Volume {volume.name} is not attached.",
        "level": "error",
    }
    response = client.post(f"/storage/volumes/{volume.pk}/attach/", {"instance": "999"}, headers=HX)
    assert "Choose one of your instances" in toast(response)["message"]
    # without htmx: redirect to the detail with a message
    response = client.post(f"/storage/volumes/{volume.pk}/detach/")
    assert response.status_code == 302 and response["Location"] == f"/storage/volumes/{volume.pk}/"


@pytest.mark.django_db
def test_resize_form(login, tenant, cloud):
    custom = DiskOffering.objects.get(name="Custom")
    volume = make_volume(tenant, cloud, disk_offering=custom, size=5 * GIB)
    client = login(tenant)
    response = client.post(f"/storage/volumes/{volume.pk}/resize/", {"size": "3"})
    assert response.status_code == 200 and "Volumes only grow" in response.content.decode()
    response = client.post(f"/storage/volumes/{volume.pk}/resize/", {"size": "9"})
    assert response.status_code == 302
    volume.refresh_from_db()
    assert volume.size == 9 * GIB


@pytest.mark.django_db
def test_transitional_rows_poll_until_settled(login, tenant, cloud):
    volume = make_volume(tenant, cloud, state="Attaching")
    client = login(tenant)
    assert (
        f'hx-get="/storage/volumes/{volume.pk}/row/"'
        in client.get("/storage/volumes/").content.decode()
    )
    row = client.get(f"/storage/volumes/{volume.pk}/row/", headers=HX)
    assert row.status_code == 200 and "every 2s" in row.content.decode()
    Volume.objects.filter(pk=volume.pk).update(state="Ready")
    row = client.get(f"/storage/volumes/{volume.pk}/row/", headers=HX)
    assert row.status_code == 286 and "every 2s" not in row.content.decode()


@pytest.mark.django_db(transaction=True)
def test_attach_detach_and_snapshots_with_job_progress(login, tenant, cloud, sync_jobs):
    instance = running_instance(tenant, cloud)
    volume = make_volume(tenant, cloud, name="data1")
    client = login(tenant)
    detail = client.get(f"/storage/volumes/{volume.pk}/").content.decode()
    assert f'<option value="{instance.pk}">' in detail  # the attach form offers the instance
    response = client.post(
        f"/storage/volumes/{volume.pk}/attach/",
        {"instance": instance.pk},
        headers=hx("volume-status"),
    )
    body = response.content.decode()
    job = AsyncJob.objects.get(command="volume.attach")
    assert response.status_code == 200 and job.status == "succeeded"
    assert 'data-state="Ready"' in body and 'data-testid="attached-to"' in body
    assert toast(response)["message"] == "volume.attach finished."
    # polling the status with the job: 286, settled
    status = client.get(f"/storage/volumes/{volume.pk}/status/?job={job.pk}", headers=HX)
    assert status.status_code == 286
    # snapshots: take one; revert is refused while the instance runs
    response = client.post(f"/storage/volumes/{volume.pk}/snapshots/", {"name": "s1"}, headers=HX)
    snapshot = Snapshot.objects.get(name="s1")
    assert snapshot.state == "BackedUp" and 'id="volume-snapshots"' in response.content.decode()
    assert "Stop the instance first" in response.content.decode()
    response = client.post(
        f"/storage/volumes/{volume.pk}/snapshots/{snapshot.pk}/revert/", headers=HX
    )
    assert toast(response)["level"] == "error" and "stop it before" in toast(response)["message"]
    response = client.post(
        f"/storage/volumes/{volume.pk}/snapshots/{snapshot.pk}/delete/", headers=HX
    )
    snapshot.refresh_from_db()
    assert (
        snapshot.state == "Destroyed" and toast(response)["message"] == "snapshot.delete finished."
    )
    # detach from the instance's page
    panel = client.get(f"/compute/instances/{instance.pk}/").content.decode()
    assert 'id="instance-volumes"' in panel and "data1" in panel and "Detach" in panel
    response = client.post(
        f"/compute/instances/{instance.pk}/volumes/",
        {"action": "detach", "volume": volume.pk},
        headers=hx("instance-volumes"),
    )
    volume.refresh_from_db()
    assert volume.instance is None and toast(response)["message"] == "volume.detach finished."
    assert 'name="volume"' in response.content.decode()  # offered again for attaching
    # attach again from the instance's page
    response = client.post(
        f"/compute/instances/{instance.pk}/volumes/",
        {"action": "attach", "volume": volume.pk},
        headers=hx("instance-volumes"),
    )
    volume.refresh_from_db()
    assert volume.instance == instance and "volume.attach" in response.content.decode()


@pytest.mark.django_db
def test_instance_attach_form_lists_only_own_detached_disks(login, tenant, other_tenant, cloud):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Stopped",
    )
    mine = make_volume(tenant, cloud, name="mine-disk")
    theirs = make_volume(other_tenant, cloud, name="their-disk")
    client = login(tenant)
    body = client.get(f"/compute/instances/{instance.pk}/").content.decode()
    assert "mine-disk" in body and "their-disk" not in body
    response = client.post(
        f"/compute/instances/{instance.pk}/volumes/",
        {"action": "attach", "volume": theirs.pk},
        headers=hx("instance-volumes"),
    )
    assert toast(response)["level"] == "error"
    theirs.refresh_from_db()
    assert theirs.state == "Allocated" and theirs.instance is None
    assert mine.instance is None


@pytest.mark.django_db
def test_volume_posts_need_the_csrf_token(tenant, cloud):
    volume = make_volume(tenant, cloud)
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant)
    assert client.post(f"/storage/volumes/{volume.pk}/delete/", headers=HX).status_code == 403
    assert client.post("/storage/volumes/add/", {}).status_code == 403
    volume.refresh_from_db()
    assert volume.removed is None
