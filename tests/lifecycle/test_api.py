"""The DRF lifecycle endpoints: deploy and verbs answer 202 with a job, poll it to the end."""

import pytest
from django.urls import reverse

from compute.models import Instance, ServiceOffering
from portal.tasks import run_job


def run_latest(client, response):
    assert response.status_code == 202, response.content
    run_job(response.data["job_id"])
    job = client.get(response.data["url"]).data
    assert job["status"] == "succeeded", job["error_text"]
    return job


@pytest.mark.django_db
def test_tenant_deploys_stops_starts_and_destroys_through_the_api(
    api_client, tenant, cloud, no_broker
):
    client = api_client(tenant)
    offering = ServiceOffering.objects.get(name="Small Instance")
    response = client.post(
        reverse("api:instance-list"),
        {
            "zone": cloud["zone"].pk,
            "service_offering": offering.pk,
            "template": cloud["template"].pk,
            "name": "api-vm",
        },
        format="json",
    )
    job = run_latest(client, response)
    assert job["progress"] == 100 and job["command"] == "vm.deploy"
    url = reverse("api:instance-detail", kwargs={"pk": response.data["instance"]})
    detail = client.get(url).data
    assert detail["state"] == "Running" and detail["host"]["id"] == cloud["hosts"][0].pk
    assert [v["volume_type"] for v in detail["volumes"]] == ["ROOT"]
    assert detail["nics"][0]["ip_address"]
    run_latest(client, client.post(url + "stop/", {"forced": True}, format="json"))
    assert client.get(url).data["state"] == "Stopped"
    again = client.post(url + "stop/", {}, format="json")
    assert again.status_code == 400 and "Cannot stop" in str(again.data)
    run_latest(client, client.post(url + "start/", {}, format="json"))
    run_latest(client, client.post(url + "destroy/", {"expunge": True}, format="json"))
    assert client.get(url).data["state"] == "Expunged"
    history = client.get(url + "jobs/").data["results"]
    assert [j["command"] for j in history] == ["vm.destroy", "vm.start", "vm.stop", "vm.deploy"]


@pytest.mark.django_db
def test_other_tenant_cannot_act_on_my_instance(api_client, tenant, other_tenant, cloud, no_broker):
    from compute.lifecycle import deploy_instance

    instance, _ = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        start=False,
    )
    url = reverse("api:instance-detail", kwargs={"pk": instance.pk})
    intruder = api_client(other_tenant)
    assert intruder.get(url).status_code == 404
    assert intruder.post(url + "start/", {}, format="json").status_code == 404
    assert Instance.objects.get(pk=instance.pk).state == "Stopped"


@pytest.mark.django_db
def test_tenant_may_not_pick_the_host_or_migrate(api_client, tenant, cloud, no_broker):
    client = api_client(tenant)
    offering = ServiceOffering.objects.get(name="Small Instance")
    response = client.post(
        reverse("api:instance-list"),
        {
            "zone": cloud["zone"].pk,
            "service_offering": offering.pk,
            "template": cloud["template"].pk,
            "host": cloud["hosts"][1].pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "host" in response.data


@pytest.mark.django_db
def test_admin_migrates_between_hosts_of_the_cluster(
    api_client, root_admin, tenant, cloud, no_broker
):
    from compute.lifecycle import deploy_instance

    instance, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
    )
    run_job(job.pk)
    admin = api_client(root_admin)
    url = reverse("api:instance-detail", kwargs={"pk": instance.pk})
    target = cloud["hosts"][1]
    run_latest(admin, admin.post(url + "migrate/", {"host": target.pk}, format="json"))
    instance.refresh_from_db()
    source = cloud["hosts"][0]
    source.refresh_from_db()
    target.refresh_from_db()
    assert instance.host == target and instance.state == "Running"
    assert source.cpu_allocated_mhz == 0 and target.cpu_allocated_mhz == 500
