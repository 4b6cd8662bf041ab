"""Deploy and lifecycle end to end on the simulator agent (jobs run in-process)."""

import pytest

from compute.lifecycle import (
    deploy_instance,
    destroy_instance,
    recover_instance,
    start_instance,
    stop_instance,
)
from compute.models import Host, ServiceOffering
from networking.models import GuestVlan
from portal.models import AsyncJob, ResourceLimit
from portal.tasks import run_job
from storage.models import StoragePool, TemplatePoolCopy


def deploy(tenant, cloud, **kwargs):
    offering = ServiceOffering.objects.get(name="Small Instance")
    return deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        service_offering=offering,
        template=cloud["template"],
        **kwargs,
    )


def run(job):
    run_job(job.pk)
    job.refresh_from_db()
    return job


def allocated(host):
    host.refresh_from_db()
    return host.cpu_allocated_mhz, host.memory_allocated


@pytest.mark.django_db
def test_deploy_reaches_running_and_claims_everything(tenant, cloud, no_broker):
    instance, job = deploy(tenant, cloud, name="web1")
    assert instance.state == "Starting" and job.status == "pending"
    assert run(job).status == "succeeded", job.error_text
    instance.refresh_from_db()
    host = cloud["hosts"][0]
    assert instance.state == "Running" and instance.host == host
    assert allocated(host) == (500, 512 * 1024**2)
    root = instance.volumes.get()
    assert root.state == "Ready" and root.pool == cloud["pool"]
    assert StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes == root.size
    assert TemplatePoolCopy.objects.get(template=cloud["template"]).ready
    nic = instance.nics.get()
    assert nic.ip_address == "10.1.1.2" and nic.broadcast_uri == "vlan://100"
    assert (
        GuestVlan.objects.get(vnet=100, physical_network=cloud["physical"]).network == nic.network
    )
    assert job.progress == 100 and job.result["host"] == host.name


@pytest.mark.django_db
def test_stop_start_destroy_recover_expunge_cycle(tenant, cloud, no_broker):
    instance, job = deploy(tenant, cloud)
    run(job)
    instance.refresh_from_db()
    host = instance.host
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Stopped" and instance.host is None and allocated(host) == (0, 0)
    assert run(start_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host == host  # back on its last host
    assert run(destroy_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Destroyed" and allocated(host) == (0, 0)
    recover_instance(instance, acting_user=tenant)
    instance.refresh_from_db()
    assert instance.state == "Stopped"
    assert run(destroy_instance(instance, acting_user=tenant, expunge=True)).status == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Expunged" and instance.removed is not None
    assert not instance.nics.exists()
    assert StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes == 0
    assert not GuestVlan.objects.filter(network__isnull=False).exists()  # VLAN given back


@pytest.mark.django_db
def test_invalid_transitions_are_refused(tenant, cloud, no_broker):
    from django.core.exceptions import ValidationError

    instance, _ = deploy(tenant, cloud, start=False)
    assert instance.state == "Stopped"
    with pytest.raises(ValidationError, match="Cannot stop instance .* it is Stopped"):
        stop_instance(instance, acting_user=tenant)
    with pytest.raises(ValidationError, match="Cannot recover"):
        recover_instance(instance, acting_user=tenant)


@pytest.mark.django_db
def test_no_capacity_fails_and_releases_everything(tenant, cloud, no_broker):
    big = ServiceOffering.objects.create(name="huge", cpu_number=64, cpu_speed=2000, memory=1024)
    instance, job = deploy_instance(
        acting_user=tenant, zone=cloud["zone"], service_offering=big, template=cloud["template"]
    )
    assert run(job).status == "failed" and job.error_code == 533
    assert "no host with 64 CPU" in job.error_text
    instance.refresh_from_db()
    assert instance.state == "Error" and "no host" in instance.error_text
    assert not instance.nics.exists()
    assert all(allocated(h) == (0, 0) for h in cloud["hosts"])
    assert StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes == 0
    assert not GuestVlan.objects.filter(network__isnull=False).exists()


@pytest.mark.django_db
def test_unreachable_host_rolls_back_and_says_why(tenant, cloud, no_broker):
    for host in cloud["hosts"]:
        Host.objects.filter(pk=host.pk).update(url=f"http://127.0.0.1:9/hosts/dead{host.pk}")
    instance, job = deploy(tenant, cloud)
    assert run(job).status == "failed"
    assert "unreachable" in job.error_text
    instance.refresh_from_db()
    assert instance.state == "Error"
    assert all(allocated(h) == (0, 0) for h in cloud["hosts"])
    assert StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes == 0


@pytest.mark.django_db
def test_quota_is_enforced_before_anything_is_written(tenant, cloud, no_broker):
    from django.core.exceptions import ValidationError

    ResourceLimit.objects.create(account=tenant.account, resource_type="user_vm", max=1)
    deploy(tenant, cloud)
    with pytest.raises(ValidationError):
        deploy(tenant, cloud)
    assert tenant.account.instances.count() == 1
    assert AsyncJob.objects.count() == 1


@pytest.mark.django_db
def test_template_lost_by_the_pool_is_copied_again(tenant, cloud, simulator, no_broker):
    """The database records the template's copy on the pool, the hypervisor lost it (a
    reinstalled host, a wiped pool, a restarted simulator): the deploy copies it again."""
    from compute.lifecycle import specs

    first, job = deploy(tenant, cloud, name="web1")
    assert run(job).status == "succeeded", job.error_text
    assert TemplatePoolCopy.objects.get(template=cloud["template"]).ready
    simulator.provider.reset()  # the agent forgets every volume, the template's copy too
    second, job = deploy(tenant, cloud, name="web2")
    assert run(job).status == "succeeded", job.error_text
    second.refresh_from_db()
    assert second.state == "Running"
    volumes = simulator.provider.shared_storage["volumes"]
    pool = specs.pool_name(cloud["pool"])
    assert (pool, specs.template_volume_name(cloud["template"])) in volumes
    assert (pool, specs.volume_name(second.volumes.get())) in volumes
    assert TemplatePoolCopy.objects.get(template=cloud["template"]).ready
