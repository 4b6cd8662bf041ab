"""restoreVirtualMachine / POST /api/compute/instances/{id}/restore/: a fresh root disk from
the template on the simulator, the instance kept; failures keep the old disk."""

import pytest

from compute.lifecycle import deploy_instance, stop_instance
from compute.lifecycle.restore import restore_instance
from compute.models import ServiceOffering
from portal.models import Event
from portal.tasks import run_job
from storage.models import Volume
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def run(job):
    run_job(job.pk)
    job.refresh_from_db()
    return job


def running(tenant, cloud):
    instance, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        template=cloud["template"],
    )
    assert run(job).status == "succeeded", job.error_text
    instance.refresh_from_db()
    return instance


def sim_for(simulator, host):
    return simulator.provider.get(host.url.rsplit("/", 1)[1])


def test_restore_running_instance_replaces_root_and_restarts(tenant, cloud, simulator, no_broker):
    instance = running(tenant, cloud)
    old = instance.volumes.get()
    sim = sim_for(simulator, instance.host)
    assert any(key[1] == f"vol-{old.uuid}" for key in sim.volumes)
    job = run(restore_instance(instance, acting_user=tenant))
    assert job.status == "succeeded", job.error_text
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host is not None
    new = instance.volumes.get(removed__isnull=True)
    assert new.pk != old.pk and new.state == "Ready" and new.device_id == 0
    assert new.pool == cloud["pool"] and new.template == cloud["template"]
    old.refresh_from_db()
    assert old.state == "Expunged" and old.instance is None
    assert not any(key[1] == f"vol-{old.uuid}" for key in sim.volumes)
    assert any(key[1] == f"vol-{new.uuid}" for key in sim.volumes)
    assert (
        Event.objects.filter(event_type="VM.RESTORE", resource_id=str(instance.uuid)).count() >= 2
    )


def test_restore_stopped_instance_from_another_template(tenant, cloud, simulator, no_broker):
    instance = running(tenant, cloud)
    assert run(stop_instance(instance, acting_user=tenant)).status == "succeeded"
    instance.refresh_from_db()
    other = TemplateFactory(zone=None, size=4 * 1024**3)
    job = run(restore_instance(instance, acting_user=tenant, template=other))
    assert job.status == "succeeded", job.error_text
    instance.refresh_from_db()
    assert instance.state == "Stopped" and instance.template == other
    root = instance.volumes.get(removed__isnull=True)
    assert root.template == other and root.size == 4 * 1024**3


def test_restore_refused_in_wrong_state_or_from_iso(tenant, cloud, simulator, no_broker):
    from django.core.exceptions import ValidationError

    instance = running(tenant, cloud)
    iso = TemplateFactory(zone=None, is_iso=True, format="ISO")
    with pytest.raises(ValidationError) as error:
        restore_instance(instance, acting_user=tenant, template=iso)
    assert "template" in error.value.message_dict
    instance.refresh_from_db()
    assert instance.state == "Running"
    restore_instance(instance, acting_user=tenant)  # now Stopping: a second one is refused
    with pytest.raises(ValidationError):
        restore_instance(instance, acting_user=tenant)


def test_failed_create_keeps_the_old_root_disk(tenant, cloud, simulator, no_broker):
    instance = running(tenant, cloud)
    old = instance.volumes.get()
    sim = sim_for(simulator, instance.host)
    sim.faults["create_volume"] = "pool is full"
    try:
        job = run(restore_instance(instance, acting_user=tenant))
    finally:
        sim.faults.clear()
    assert job.status == "failed" and "pool is full" in job.error_text
    instance.refresh_from_db()
    assert instance.state == "Stopped"
    live = instance.volumes.get(removed__isnull=True)
    assert live.pk == old.pk and live.state == "Ready" and live.device_id == 0
    assert Volume.objects.filter(instance__isnull=True, state="Expunged").count() == 1
    assert any(key[1] == f"vol-{old.uuid}" for key in sim.volumes)


def test_restore_api_and_cloudstack_command(
    tenant,
    other_tenant,
    cloud,
    simulator,
    no_broker,
    api_client,
    client,
):
    from portal.models import AsyncJob
    from tests.cloudstack.conftest import CloudStackClient, make_key

    instance = running(tenant, cloud)
    url = f"/api/compute/instances/{instance.pk}/restore/"
    assert api_client(other_tenant).post(url, {}, format="json").status_code == 404
    iso = TemplateFactory(zone=None, is_iso=True, format="ISO")
    bad = api_client(tenant).post(url, {"template": iso.pk}, format="json")
    assert bad.status_code == 400 and "template" in bad.json()
    response = api_client(tenant).post(url, {}, format="json")
    assert response.status_code == 202, response.json()
    job = run(AsyncJob.objects.get(pk=response.json()["job_id"]))
    assert job.command == "vm.restore" and job.status == "succeeded", job.error_text

    cs = CloudStackClient(client, make_key(tenant))
    response = cs.raw("restoreVirtualMachine", virtualmachineid=str(instance.uuid))
    answer = response.json()["restorevmresponse"]
    assert set(answer) == {"jobid"}
    run(AsyncJob.objects.get(uuid=answer["jobid"]))
    result = cs("queryAsyncJobResult", jobid=answer["jobid"])
    assert result["jobstatus"] == 1, result
    vm = result["jobresult"]["virtualmachine"]
    assert vm["id"] == str(instance.uuid) and vm["state"] == "Running"
    other = CloudStackClient(client, make_key(other_tenant))
    refused = other.raw("restoreVirtualMachine", virtualmachineid=str(instance.uuid))
    assert refused.status_code == 431 and "restorevmresponse" in refused.json()
