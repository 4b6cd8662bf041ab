"""Snapshot services and jobs end to end on the simulator agent (jobs run in-process)."""

import pytest
from django.core.exceptions import ValidationError

from compute.lifecycle import stop_instance
from compute.lifecycle.specs import pool_name, volume_name
from portal.models import Domain, Event, ResourceLimit
from portal.services.limits import ResourceLimitExceeded
from storage.models import Snapshot
from storage.services.snapshots import create_snapshot, delete_snapshot, revert_snapshot
from tests.snapshots.helpers import attached_volume, deploy, detached_volume, run, sim_host
from tests.volumes.helpers import new_volume

GIB = 1024**3
pytestmark = pytest.mark.django_db


def snapshots_on(simulator, host, cloud, volume) -> dict:
    return sim_host(simulator, host).snapshots.get((pool_name(cloud["pool"]), volume_name(volume)))


def events(kind: str, snapshot) -> list[tuple[str, str]]:
    rows = Event.objects.filter(event_type=kind, resource_id=str(snapshot.uuid)).order_by("id")
    return [(e.state, e.level) for e in rows]


def test_snapshot_of_attached_volume_on_running_instance(tenant, cloud, no_broker, simulator):
    instance, volume = attached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant, name="before-upgrade")
    assert snapshot.state == "Creating" and snapshot.account == tenant.account
    assert snapshot.zone == cloud["zone"] and snapshot.physical_name == f"snap-{snapshot.uuid}"
    assert run(job).status == "succeeded", job.error_text
    snapshot.refresh_from_db()
    assert snapshot.state == "BackedUp" and snapshot.size == 5 * GIB and snapshot.path
    assert snapshot.physical_name in snapshots_on(simulator, instance.host, cloud, volume)
    assert events("SNAPSHOT.CREATE", snapshot) == [("Scheduled", "INFO"), ("Completed", "INFO")]


def test_default_name_names_vm_and_volume(tenant, cloud, no_broker):
    instance, volume = attached_volume(tenant, cloud, name="data1")
    snapshot, _ = create_snapshot(volume, acting_user=tenant)
    assert snapshot.name.startswith(f"{instance.name}_data1_")


def test_only_ready_volumes_and_usable_instances(tenant, cloud, no_broker):
    allocated = new_volume(tenant, cloud, size_gib=6)
    with pytest.raises(ValidationError) as err:
        create_snapshot(allocated, acting_user=tenant)
    assert "Ready" in err.value.message_dict["volume"][0]
    instance, volume = attached_volume(tenant, cloud)
    instance.state = "Starting"
    instance.save(update_fields=["state"])
    with pytest.raises(ValidationError, match="Running or Stopped"):
        create_snapshot(volume, acting_user=tenant)
    assert Snapshot.objects.count() == 0


def test_revert_needs_the_instance_stopped(tenant, cloud, no_broker, simulator):
    instance, volume = attached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant)
    assert run(job).status == "succeeded"
    snapshot.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        revert_snapshot(snapshot, acting_user=tenant)
    assert "stop it" in err.value.message_dict["snapshot"][0]
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    job = revert_snapshot(snapshot, acting_user=tenant)
    assert run(job).status == "succeeded", job.error_text
    assert events("SNAPSHOT.REVERT", snapshot) == [("Scheduled", "INFO"), ("Completed", "INFO")]
    snapshot.refresh_from_db()
    assert snapshot.state == "BackedUp"


def test_revert_job_rechecks_the_instance(tenant, cloud, no_broker):
    instance, volume = attached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant)
    run(job)
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    snapshot.refresh_from_db()
    job = revert_snapshot(snapshot, acting_user=tenant)
    type(instance).objects.filter(pk=instance.pk).update(state="Running")  # started meanwhile
    assert run(job).status == "failed"
    assert job.error_code == 431 and "stop it" in job.error_text
    assert events("SNAPSHOT.REVERT", snapshot)[-1] == ("Completed", "ERROR")


def test_detached_volume_snapshot_delete_and_revert(tenant, cloud, no_broker, simulator):
    volume = detached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant)
    assert run(job).status == "succeeded", job.error_text
    snapshot.refresh_from_db()
    assert run(revert_snapshot(snapshot, acting_user=tenant)).status == "succeeded"
    job = delete_snapshot(snapshot, acting_user=tenant)
    snapshot.refresh_from_db()
    assert snapshot.state == "Destroying"
    with pytest.raises(ValidationError):
        delete_snapshot(snapshot, acting_user=tenant)  # already on its way
    assert run(job).status == "succeeded", job.error_text
    snapshot.refresh_from_db()
    assert snapshot.state == "Destroyed" and snapshot.removed is not None
    hosts = [sim_host(simulator, h) for h in cloud["hosts"]]
    key = (pool_name(cloud["pool"]), volume_name(volume))
    assert all(snapshot.physical_name not in h.snapshots.get(key, {}) for h in hosts)
    with pytest.raises(ValidationError):
        revert_snapshot(snapshot, acting_user=tenant)
    assert events("SNAPSHOT.DELETE", snapshot) == [("Scheduled", "INFO"), ("Completed", "INFO")]


def test_failed_create_is_error_and_can_be_deleted(tenant, cloud, no_broker, simulator):
    instance, volume = attached_volume(tenant, cloud)
    sim = sim_host(simulator, instance.host)
    sim.faults["create_snapshot"] = "disk full"
    try:
        snapshot, job = create_snapshot(volume, acting_user=tenant)
        assert run(job).status == "failed" and "disk full" in job.error_text
    finally:
        sim.faults.clear()
    snapshot.refresh_from_db()
    assert snapshot.state == "Error"
    assert events("SNAPSHOT.CREATE", snapshot)[-1] == ("Completed", "ERROR")
    assert run(delete_snapshot(snapshot, acting_user=tenant)).status == "succeeded"


def test_failed_delete_gives_the_state_back(tenant, cloud, no_broker, simulator):
    instance, volume = attached_volume(tenant, cloud)
    snapshot, job = create_snapshot(volume, acting_user=tenant)
    run(job)
    snapshot.refresh_from_db()
    sim = sim_host(simulator, instance.host)
    sim.faults["delete_snapshot"] = "locked"
    try:
        assert run(delete_snapshot(snapshot, acting_user=tenant)).status == "failed"
    finally:
        sim.faults.clear()
    snapshot.refresh_from_db()
    assert snapshot.state == "BackedUp" and snapshot.removed is None


def test_quota_counts_live_snapshots(tenant, cloud, no_broker):
    _, volume = attached_volume(tenant, cloud)
    ResourceLimit.objects.create(account=tenant.account, resource_type="snapshot", max=1)
    first, job = create_snapshot(volume, acting_user=tenant)
    run(job)
    with pytest.raises(ResourceLimitExceeded) as err:
        create_snapshot(volume, acting_user=tenant)
    assert err.value.error_code == 535 and "snapshot" in str(err.value)
    first.refresh_from_db()
    run(delete_snapshot(first, acting_user=tenant))
    create_snapshot(volume, acting_user=tenant)  # the destroyed one no longer counts
    ResourceLimit.objects.filter(account=tenant.account).delete()
    ResourceLimit.objects.create(domain=tenant.account.domain, resource_type="snapshot", max=1)
    with pytest.raises(ResourceLimitExceeded):
        create_snapshot(volume, acting_user=tenant)
    assert Snapshot.objects.filter(removed__isnull=True).count() == 1
    assert Domain.objects.filter(pk=tenant.account.domain_id).exists()


def test_limit_zero_refuses_the_first(tenant, cloud, no_broker):
    _, volume = attached_volume(tenant, cloud)
    ResourceLimit.objects.create(account=tenant.account, resource_type="snapshot", max=0)
    with pytest.raises(ResourceLimitExceeded):
        create_snapshot(volume, acting_user=tenant)
    assert not Snapshot.objects.exists()


def test_root_admin_is_not_limited(root_admin, cloud, no_broker):
    instance = deploy(root_admin, cloud)
    _, volume = attached_volume(root_admin, cloud, instance=instance)
    ResourceLimit.objects.create(account=root_admin.account, resource_type="snapshot", max=0)
    create_snapshot(volume, acting_user=root_admin)
    assert Snapshot.objects.count() == 1
