"""Volume services and jobs end to end on the simulator agent (jobs run in-process)."""

import pytest
from django.core.exceptions import ValidationError

from compute.lifecycle import destroy_instance, start_instance, stop_instance
from compute.lifecycle.specs import pool_name, vm_name, volume_name
from compute.models import Host
from portal.models import Event, ResourceLimit
from storage.models import DiskOffering, Volume
from storage.services.volumes import (
    attach_volume,
    create_volume,
    delete_volume,
    detach_volume,
    resize_volume,
)
from tests.volumes.helpers import deploy, new_volume, offering, pool_allocated, run

GIB = 1024**3
pytestmark = pytest.mark.django_db


def sim_host(simulator, host):
    return simulator.provider.get(host.url.rsplit("/hosts/", 1)[1])


def test_create_is_allocated_without_storage(tenant, cloud):
    volume = new_volume(tenant, cloud, name="data1")
    assert volume.state == "Allocated" and volume.pool is None and volume.instance is None
    assert volume.size == 5 * GIB and volume.account == tenant.account
    assert volume.volume_type == "DATADISK"
    assert Event.objects.filter(event_type="VOLUME.CREATE", resource_id=str(volume.uuid)).exists()
    assert pool_allocated(cloud) == 0


def test_create_validates_offering_and_size(tenant, cloud):
    custom = DiskOffering.objects.create(name="custom", customized=True, min_size=2, max_size=50)
    with pytest.raises(ValidationError) as err:
        create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=custom)
    assert "size" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=custom, size=80)
    assert "between 2 and 50" in err.value.message_dict["size"][0]
    volume = create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=custom, size=20)
    assert volume.size == 20 * GIB and volume.name.startswith("DATA-")
    with pytest.raises(ValidationError) as err:
        create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=offering(5), size=7)
    assert "fixed size" in err.value.message_dict["size"][0]
    assert Volume.objects.count() == 1


def test_quota_on_count_and_primary_storage(tenant, cloud):
    ResourceLimit.objects.create(account=tenant.account, resource_type="volume", max=1)
    new_volume(tenant, cloud)
    with pytest.raises(ValidationError, match="volume"):
        new_volume(tenant, cloud, size_gib=6)
    ResourceLimit.objects.filter(resource_type="volume").delete()
    ResourceLimit.objects.create(account=tenant.account, resource_type="primary_storage", max=12)
    with pytest.raises(ValidationError, match="primary_storage"):
        new_volume(tenant, cloud, size_gib=8)
    assert Volume.objects.filter(account=tenant.account).count() == 1


def test_attach_to_running_creates_and_attaches_live(tenant, cloud, no_broker, simulator):
    instance = deploy(tenant, cloud)
    root_bytes = pool_allocated(cloud)
    volume = new_volume(tenant, cloud)
    job = attach_volume(volume, instance, acting_user=tenant)
    volume.refresh_from_db()
    assert volume.state == "Attaching"
    assert run(job).status == "succeeded", job.error_text
    volume.refresh_from_db()
    assert volume.state == "Ready" and volume.instance == instance and volume.device_id == 1
    assert volume.pool == cloud["pool"] and volume.path
    assert pool_allocated(cloud) == root_bytes + 5 * GIB
    sim = sim_host(simulator, instance.host)
    assert (pool_name(cloud["pool"]), volume_name(volume)) in sim.volumes
    disks = sim.vms[vm_name(instance)].spec.disks
    assert [d.volume for d in disks if d.device_id == 1] == [volume_name(volume)]
    assert job.result["device_id"] == 1

    # detach live, then delete: gone from the host and the pool's books
    assert run(detach_volume(volume, acting_user=tenant)).status == "succeeded"
    volume.refresh_from_db()
    assert volume.instance is None and volume.device_id is None and volume.state == "Ready"
    assert all(d.device_id != 1 for d in sim.vms[vm_name(instance)].spec.disks)
    job = delete_volume(volume, acting_user=tenant)
    assert job is not None and run(job).status == "succeeded", job.error_text
    volume.refresh_from_db()
    assert volume.state == "Expunged" and volume.removed is not None
    assert (pool_name(cloud["pool"]), volume_name(volume)) not in sim.volumes
    assert pool_allocated(cloud) == root_bytes
    for kind in ("ATTACH", "DETACH", "DELETE"):
        assert Event.objects.filter(
            event_type=f"VOLUME.{kind}", resource_id=str(volume.uuid), level="INFO"
        ).exists(), kind


def test_attach_to_stopped_is_included_at_next_start(tenant, cloud, no_broker, simulator):
    instance = deploy(tenant, cloud)
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    volume = new_volume(tenant, cloud)
    assert run(attach_volume(volume, instance, acting_user=tenant, device_id=3)).status == (
        "succeeded"
    )
    volume.refresh_from_db()
    # created on the pool its last host reaches, recorded as attached
    assert volume.state == "Ready" and volume.instance == instance and volume.device_id == 3
    instance.refresh_from_db()
    assert run(start_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    disks = sim_host(simulator, instance.host).vms[vm_name(instance)].spec.disks
    assert {d.device_id for d in disks} == {0, 3}


def test_attach_to_never_started_instance_defers_creation(tenant, cloud, no_broker, simulator):
    instance = deploy(tenant, cloud, start=False)
    volume = new_volume(tenant, cloud)
    assert run(attach_volume(volume, instance, acting_user=tenant)).status == "succeeded"
    volume.refresh_from_db()
    assert volume.state == "Allocated" and volume.instance == instance and volume.pool is None
    assert run(start_instance(instance, acting_user=tenant)).status == "succeeded"
    volume.refresh_from_db()
    assert volume.state == "Ready" and volume.pool == cloud["pool"]


def test_state_errors(tenant, cloud, no_broker):
    instance = deploy(tenant, cloud)
    volume = new_volume(tenant, cloud)
    run(attach_volume(volume, instance, acting_user=tenant))
    volume.refresh_from_db()
    with pytest.raises(ValidationError, match="attached; detach it first"):
        delete_volume(volume, acting_user=tenant)
    with pytest.raises(ValidationError, match="already attached"):
        attach_volume(volume, instance, acting_user=tenant)
    root = instance.volumes.get(volume_type="ROOT")
    with pytest.raises(ValidationError, match="root disk cannot be detached"):
        detach_volume(root, acting_user=tenant)
    with pytest.raises(ValidationError, match="root disk goes with its instance"):
        delete_volume(root, acting_user=tenant)
    other = new_volume(tenant, cloud, size_gib=6)
    with pytest.raises(ValidationError) as err:
        attach_volume(other, instance, acting_user=tenant, device_id=1)
    assert "device_id" in err.value.message_dict
    with pytest.raises(ValidationError, match="not attached"):
        detach_volume(other, acting_user=tenant)
    assert run(destroy_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    with pytest.raises(ValidationError, match="Destroyed"):
        attach_volume(other, instance, acting_user=tenant)


def test_cannot_attach_across_accounts(tenant, other_tenant, cloud, no_broker):
    instance = deploy(other_tenant, cloud, start=False)
    volume = new_volume(tenant, cloud)
    with pytest.raises(ValidationError, match="different accounts"):
        attach_volume(volume, instance, acting_user=tenant)
    volume.refresh_from_db()
    assert volume.state == "Allocated"


def test_attach_rolls_back_when_the_host_is_unreachable(tenant, cloud, no_broker, simulator):
    instance = deploy(tenant, cloud)
    root_bytes = pool_allocated(cloud)
    volume = new_volume(tenant, cloud)
    job = attach_volume(volume, instance, acting_user=tenant)
    Host.objects.filter(pk=instance.host_id).update(url="http://127.0.0.1:9/hosts/dead")
    assert run(job).status == "failed" and "unreachable" in job.error_text
    volume.refresh_from_db()
    assert volume.state == "Allocated" and volume.pool is None and volume.instance is None
    assert pool_allocated(cloud) == root_bytes
    assert Event.objects.filter(
        event_type="VOLUME.ATTACH", level="ERROR", resource_id=str(volume.uuid)
    ).exists()


def test_attach_rolls_back_the_created_disk_when_live_attach_fails(
    tenant, cloud, no_broker, simulator, monkeypatch
):
    from compute import agent

    instance = deploy(tenant, cloud)
    root_bytes = pool_allocated(cloud)
    volume = new_volume(tenant, cloud)
    job = attach_volume(volume, instance, acting_user=tenant)
    real_send = agent.send

    def failing_attach(host, command):
        if command.name == "attach_disk":
            from portal.services.jobs import JobError

            raise JobError("attach_disk failed: bus full")
        return real_send(host, command)

    monkeypatch.setattr(agent, "send", failing_attach)
    assert run(job).status == "failed" and "bus full" in job.error_text
    volume.refresh_from_db()
    assert volume.state == "Allocated" and volume.pool is None and volume.path == ""
    assert pool_allocated(cloud) == root_bytes
    sim = sim_host(simulator, instance.host)
    assert (pool_name(cloud["pool"]), volume_name(volume)) not in sim.volumes


def test_delete_allocated_is_immediate_and_drops_its_tags(tenant, cloud):
    from portal.models import ResourceTag
    from portal.services.tags import create_tags

    volume = new_volume(tenant, cloud)
    create_tags(acting_user=tenant, resource_type="Volume", resources=[volume], tags={"a": "1"})
    assert delete_volume(volume, acting_user=tenant) is None
    volume.refresh_from_db()
    assert volume.state == "Expunged" and volume.removed is not None
    assert not ResourceTag.objects.exists()
    with pytest.raises(ValidationError):
        delete_volume(volume, acting_user=tenant)


def test_delete_failure_keeps_the_volume(tenant, cloud, no_broker):
    instance = deploy(tenant, cloud)
    volume = new_volume(tenant, cloud)
    run(attach_volume(volume, instance, acting_user=tenant))
    volume.refresh_from_db()
    run(detach_volume(volume, acting_user=tenant))
    volume.refresh_from_db()
    before = pool_allocated(cloud)
    for host in cloud["hosts"]:
        Host.objects.filter(pk=host.pk).update(url=f"http://127.0.0.1:9/hosts/dead{host.pk}")
    job = delete_volume(volume, acting_user=tenant)
    assert run(job).status == "failed"
    volume.refresh_from_db()
    assert volume.state == "Ready" and volume.removed is None
    assert pool_allocated(cloud) == before


def test_resize_grows_allocated_with_quota_on_the_difference(tenant, cloud, no_broker):
    custom = DiskOffering.objects.create(name="custom", customized=True, max_size=100)
    volume = create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=custom, size=10)
    ResourceLimit.objects.create(account=tenant.account, resource_type="primary_storage", max=25)
    with pytest.raises(ValidationError, match="only grow"):
        resize_volume(volume, acting_user=tenant, size=5)
    with pytest.raises(ValidationError, match="primary_storage"):
        resize_volume(volume, acting_user=tenant, size=40)
    resize_volume(volume, acting_user=tenant, size=25)
    volume.refresh_from_db()
    assert volume.size == 25 * GIB
    assert Event.objects.filter(event_type="VOLUME.RESIZE", resource_id=str(volume.uuid)).exists()
    # to a larger fixed offering
    bigger = offering(30)
    ResourceLimit.objects.filter(resource_type="primary_storage").update(max=-1)
    resize_volume(volume, acting_user=tenant, disk_offering=bigger)
    volume.refresh_from_db()
    assert volume.size == 30 * GIB and volume.disk_offering == bigger


def test_resize_of_a_created_volume_is_refused(tenant, cloud, no_broker):
    instance = deploy(tenant, cloud)
    custom = DiskOffering.objects.create(name="custom", customized=True)
    volume = create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=custom, size=5)
    run(attach_volume(volume, instance, acting_user=tenant))
    volume.refresh_from_db()
    with pytest.raises(ValidationError, match="only volumes not yet created"):
        resize_volume(volume, acting_user=tenant, size=10)
    volume.refresh_from_db()
    assert volume.size == 5 * GIB
