"""Every page renders for the users who may see it; admin pages refuse tenants; lists
filter, sort and paginate with their state in the URL; htmx gets partials."""

import pytest
from django.urls import reverse

TENANT_PAGES = [
    "home",
    "compute:instance_list",
    "compute:instance_deploy",
    "compute:keypair_list",
    "compute:keypair_create",
    "storage:volume_list",
    "storage:template_list",
    "networking:network_list",
    "portal:job_list",
    "portal:event_list",
    "portal:profile",
    "portal:totp_setup",
]
ADMIN_PAGES = [
    "compute:zone_list",
    "compute:zone_wizard",
    "compute:pod_list",
    "compute:cluster_list",
    "compute:host_list",
    "compute:offering_list",
    "compute:offering_create",
    "storage:pool_list",
    "storage:imagestore_list",
    "storage:diskoffering_list",
    "networking:physical_list",
    "networking:offering_list",
    "networking:iprange_list",
    "portal:role_list",
    "portal:domain_list",
    "portal:domain_create",
    "portal:account_list",
    "portal:account_create",
    "portal:user_list",
    "portal:user_create",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", TENANT_PAGES)
def test_tenant_pages_render(login, tenant, cloud, name):
    response = login(tenant).get(reverse(name))
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    assert "<nav" in body and "Instances" in body
    assert 'href="/compute/hosts/"' not in body  # no admin sections in a tenant's nav


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_render_for_admin_and_refuse_tenants(login, root_admin, tenant, cloud, name):
    client = login(root_admin)
    response = client.get(reverse(name))
    assert response.status_code == 200, response.content[:500]
    assert 'href="/compute/hosts/"' in response.content.decode()
    client.force_login(tenant)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, defaults):
    response = client.get(reverse("compute:instance_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert b"Log in" in client.get("/").content


@pytest.mark.django_db
def test_dashboard_shows_capacity_bars_for_admin(login, root_admin, cloud):
    body = login(root_admin).get("/").content.decode()
    assert "Capacity by zone" in body and "zone-a" in body
    assert 'role="meter"' in body and "Primary storage" in body and "Guest VLANs" in body


@pytest.mark.django_db
def test_host_list_filters_sorts_and_paginates_in_the_url(login, root_admin, cloud):
    from tests.factories import HostFactory

    for i in range(30):
        HostFactory(cluster=cloud["cluster"], name=f"node{i:02d}", status="Up")
    HostFactory(cluster=cloud["cluster"], name="broken", status="Down")
    client = login(root_admin)
    body = client.get("/compute/hosts/?status=Down").content.decode()
    assert "broken" in body and "node01" not in body
    body = client.get("/compute/hosts/?q=node0&sort=-name").content.decode()
    assert body.index("node09") < body.index("node01")
    page2 = client.get("/compute/hosts/?sort=name&page=2").content.decode()
    assert "Page 2 of 2" in page2
    assert "sort=name&amp;page=1" in page2  # the previous link keeps the sort


@pytest.mark.django_db
def test_htmx_gets_the_results_partial_and_boosted_gets_the_page(login, root_admin, cloud):
    client = login(root_admin)
    partial = client.get(
        "/compute/hosts/", headers={"HX-Request": "true", "HX-Target": "results"}
    ).content.decode()
    assert partial.lstrip().startswith('<div id="results">') and "<html" not in partial
    boosted = client.get(
        "/compute/hosts/", headers={"HX-Request": "true", "HX-Boosted": "true"}
    ).content.decode()
    assert "<html" in boosted


@pytest.mark.django_db
def test_bulk_disable_hosts_with_toast(login, root_admin, cloud):
    host = cloud["host"]
    response = login(root_admin).post(
        "/compute/hosts/",
        {"action": "disable", "pk": [host.pk]},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert response.status_code == 200
    assert "Disable: 1 of 1 done." in response["HX-Trigger"]
    host.refresh_from_db()
    assert host.resource_state == "Disabled"


@pytest.mark.django_db
def test_events_csv_export_respects_filters(login, root_admin, cloud):
    from portal.services.audit import record_event

    record_event("VM.CREATE", acting_user=root_admin, description="made =SUM(A1)")
    record_event("ZONE.EDIT", acting_user=root_admin, description="edited")
    response = login(root_admin).get("/events/?event_type=VM.CREATE&export=csv")
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("created,event_type")
    assert "VM.CREATE" in text and "ZONE.EDIT" not in text
    assert "'=SUM(A1)" not in text and "made =SUM(A1)" in text


@pytest.mark.django_db
def test_tenant_events_are_only_its_own(login, tenant, other_tenant, defaults):
    from portal.services.audit import record_event

    record_event("VM.CREATE", acting_user=tenant, description="mine")
    record_event("VM.CREATE", acting_user=other_tenant, description="theirs")
    body = login(tenant).get("/events/").content.decode()
    assert "mine" in body and "theirs" not in body


@pytest.mark.django_db
def test_job_list_rows_poll_only_while_the_job_runs(login, tenant, defaults):
    from portal.models import AsyncJob
    from portal.services.jobs import create_job

    running = create_job("vm.start", acting_user=tenant)
    AsyncJob.objects.filter(pk=running.pk).update(status="running", progress=40)
    done = create_job("vm.stop", acting_user=tenant)
    AsyncJob.objects.filter(pk=done.pk).update(status="succeeded", progress=100)
    body = login(tenant).get("/jobs/").content.decode()
    assert f'hx-get="/jobs/{running.pk}/progress/"' in body
    assert f'hx-get="/jobs/{done.pk}/progress/"' not in body
