"""Tenant instance pages: deploy through the wizard, live rows (286 when settled), actions
with job progress and toasts, tenant isolation (404), CSRF."""

import json

import pytest
from django.test import Client

from compute.models import Instance, ServiceOffering
from portal.models import AsyncJob

HX = {"HX-Request": "true"}


def deploy_form(cloud, **extra):
    return {
        "zone": cloud["zone"].pk,
        "template": cloud["template"].pk,
        "service_offering": ServiceOffering.objects.get(name="Small Instance").pk,
        "name": "web1",
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_deploy_wizard_creates_a_running_instance(login, tenant, cloud, sync_jobs):
    client = login(tenant)
    response = client.post("/compute/instances/deploy/", deploy_form(cloud))
    instance = Instance.objects.get(name="web1")
    job = AsyncJob.objects.get(command="vm.deploy")
    assert response.status_code == 302
    assert response["Location"] == f"/compute/instances/{instance.pk}/?job={job.pk}"
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.account == tenant.account
    body = client.get(response["Location"]).content.decode()
    assert "Running" in body and "vm.deploy" in body and "10.1.1." in body  # NIC shown


@pytest.mark.django_db
def test_deploy_errors_are_shown_on_the_fields(login, tenant, cloud, no_broker):
    from portal.models import ResourceLimit

    ResourceLimit.objects.create(account=tenant.account, resource_type="user_vm", max=0)
    response = login(tenant).post("/compute/instances/deploy/", deploy_form(cloud, name="x"))
    assert response.status_code == 200
    assert "Maximum number of resources of type" in response.content.decode()
    assert not Instance.objects.exists()
    assert "Your quota" in response.content.decode()  # quota shown where the user acts


@pytest.mark.django_db
def test_transitional_rows_poll_and_settled_rows_stop_with_286(login, tenant, cloud):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Starting",
    )
    client = login(tenant)
    listing = client.get("/compute/instances/").content.decode()
    assert f'hx-get="/compute/instances/{instance.pk}/row/"' in listing
    assert 'hx-trigger="every 2s"' in listing
    row = client.get(f"/compute/instances/{instance.pk}/row/", headers=HX)
    assert row.status_code == 200 and 'hx-trigger="every 2s"' in row.content.decode()
    Instance.objects.filter(pk=instance.pk).update(state="Running")
    row = client.get(f"/compute/instances/{instance.pk}/row/", headers=HX)
    assert row.status_code == 286
    assert "every 2s" not in row.content.decode() and "Running" in row.content.decode()


@pytest.mark.django_db
def test_settled_rows_do_not_poll(login, tenant, cloud):
    from tests.factories import InstanceFactory

    InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Running",
    )
    assert "every 2s" not in login(tenant).get("/compute/instances/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_stop_action_shows_job_and_toasts_when_done(login, tenant, cloud, sync_jobs):
    client = login(tenant)
    client.post("/compute/instances/deploy/", deploy_form(cloud))
    instance = Instance.objects.get(name="web1")
    response = client.post(
        f"/compute/instances/{instance.pk}/stop/",
        headers={**HX, "HX-Target": f"instance-{instance.pk}"},
    )
    assert response.status_code == 200
    body = response.content.decode().strip()
    assert body.startswith(f'<tr id="instance-{instance.pk}"') and "Stopped" in body
    assert "every 2s" not in body
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"message": "vm.stop finished.", "level": "success"}
    instance.refresh_from_db()
    assert instance.state == "Stopped"


@pytest.mark.django_db
def test_pending_action_polls_its_job_until_done(login, tenant, cloud, no_broker):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Running",
        host=cloud["host"],
    )
    client = login(tenant)
    response = client.post(
        f"/compute/instances/{instance.pk}/reboot/", headers={**HX, "HX-Target": "instance-status"}
    )
    job = AsyncJob.objects.get(command="vm.reboot")
    body = response.content.decode()
    assert f"?job={job.pk}" in body and "every 2s" in body
    progress = client.get(f"/jobs/{job.pk}/progress/", headers=HX)
    assert progress.status_code == 200 and "every 1s" in progress.content.decode()
    AsyncJob.objects.filter(pk=job.pk).update(status="failed", error_text="agent gone")
    status = client.get(f"/compute/instances/{instance.pk}/status/?job={job.pk}", headers=HX)
    assert status.status_code == 286
    toast = json.loads(status["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and "agent gone" in toast["message"]
    progress = client.get(f"/jobs/{job.pk}/progress/", headers=HX)
    assert progress.status_code == 286 and "agent gone" in progress.content.decode()


@pytest.mark.django_db
def test_invalid_transition_is_an_error_toast_not_a_500(login, tenant, cloud, no_broker):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Stopped",
    )
    response = login(tenant).post(
        f"/compute/instances/{instance.pk}/stop/", headers={**HX, "HX-Target": "instance-status"}
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "error"
    assert not AsyncJob.objects.exists()


@pytest.mark.django_db
def test_other_tenants_instances_are_404(login, tenant, other_tenant, cloud, no_broker):
    from tests.factories import InstanceFactory

    theirs = InstanceFactory(
        account=other_tenant.account,
        domain=other_tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Running",
        name="secret-vm",
    )
    client = login(tenant)
    for url in (
        f"/compute/instances/{theirs.pk}/",
        f"/compute/instances/{theirs.pk}/row/",
        f"/compute/instances/{theirs.pk}/status/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/compute/instances/{theirs.pk}/stop/").status_code == 404
    assert "secret-vm" not in client.get("/compute/instances/").content.decode()
    response = client.post("/compute/instances/", {"action": "destroy", "pk": [theirs.pk]})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.state == "Running" and not AsyncJob.objects.exists()


@pytest.mark.django_db
def test_other_tenants_jobs_are_404(login, tenant, other_tenant, defaults):
    from portal.services.jobs import create_job

    job = create_job("vm.start", acting_user=other_tenant)
    client = login(tenant)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/progress/").status_code == 404


@pytest.mark.django_db
def test_state_changing_requests_need_the_csrf_token(tenant, cloud, no_broker):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Running",
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant)
    assert client.post(f"/compute/instances/{instance.pk}/stop/").status_code == 403
    assert client.post("/profile/apikeys/", {"name": "k"}).status_code == 403
    assert client.post("/accounts/logout/").status_code == 403
    client.get("/compute/instances/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/compute/instances/{instance.pk}/stop/",
        headers={**HX, "X-CSRFToken": token, "HX-Target": "instance-status"},
    )
    assert response.status_code == 200
    assert AsyncJob.objects.filter(command="vm.stop").exists()


@pytest.mark.django_db
def test_base_page_sends_the_csrf_header_with_htmx(login, tenant, defaults):
    body = login(tenant).get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert "/static/vendor/htmx.min.js" in body and "cdn" not in body.lower()


@pytest.mark.django_db
def test_keypair_generate_shows_private_key_once(login, tenant, defaults):
    client = login(tenant)
    response = client.post("/compute/keypairs/add/", {"name": "laptop", "public_key": ""})
    assert "PRIVATE KEY" in response.content.decode()
    listing = client.get("/compute/keypairs/").content.decode()
    assert "laptop" in listing and "PRIVATE KEY" not in listing


@pytest.mark.django_db
def test_deploy_wizard_narrows_templates_and_networks_to_the_zone(login, tenant, cloud):
    from tests.factories import TemplateFactory, ZoneFactory

    other_zone = ZoneFactory(name="zone-b")
    TemplateFactory(zone=other_zone, name="only-in-b")
    client = login(tenant)
    page = client.get("/compute/instances/deploy/").content.decode()
    assert 'hx-trigger="change from:#id_zone"' in page
    partial = client.get(
        f"/compute/instances/deploy/?zone={other_zone.pk}",
        headers={**HX, "HX-Target": "deploy-form"},
    ).content.decode()
    assert partial.strip().startswith('<form method="post" id="deploy-form"')
    assert "only-in-b" in partial and "<html" not in partial
    partial = client.get(
        f"/compute/instances/deploy/?zone={cloud['zone'].pk}",
        headers={**HX, "HX-Target": "deploy-form"},
    ).content.decode()
    assert "only-in-b" not in partial and "Debian 12" in partial


@pytest.mark.django_db
def test_action_without_javascript_redirects_with_a_message(login, tenant, cloud, no_broker):
    from tests.factories import InstanceFactory

    instance = InstanceFactory(
        account=tenant.account,
        domain=tenant.account.domain,
        zone=cloud["zone"],
        template=cloud["template"],
        state="Stopped",
    )
    response = login(tenant).post(f"/compute/instances/{instance.pk}/stop/", follow=True)
    assert response.redirect_chain[-1][0] == f"/compute/instances/{instance.pk}/"
    assert 'data-level="error"' in response.content.decode()
