"""Template pages: register from a URL (field errors, admin-only flags), the download job's
progress on the detail page, the list's state/percent cell polling only while downloading,
tenant isolation and CSRF."""

import pytest
from django.test import Client

from portal.models import AsyncJob
from storage.models import OSType, Template

HX = {"HX-Request": "true"}


def register_post(**extra):
    return {
        "name": "Alpine",
        "url": "https://images.example.com/alpine.qcow2",
        "hypervisor": "KVM",
        "format": "QCOW2",
        "os_type": OSType.objects.order_by("id").first().pk,
        **extra,
    }


@pytest.mark.django_db
def test_tenant_registers_a_template_and_sees_the_download_job(login, tenant, no_broker):
    client = login(tenant)
    form = client.get("/storage/templates/add/").content.decode()
    assert 'name="url"' in form and 'name="is_public"' not in form  # admin-only flags hidden
    response = client.post("/storage/templates/add/", register_post(is_public="on"))
    template = Template.objects.get(name="Alpine")
    assert response.status_code == 302
    assert response["Location"] == f"/storage/templates/{template.pk}/"
    assert template.account == tenant.account and not template.is_public
    job = AsyncJob.objects.get(command="template.download", resource_id=str(template.uuid))
    assert job.status == "pending"
    detail = client.get(response["Location"]).content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in detail  # live job progress
    assert f'hx-get="/storage/templates/{template.pk}/state/"' in detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x.qcow2", "Only http:// and https:// URLs"),
        ("http://127.0.0.1/x.qcow2", "private, loopback or link-local"),
    ],
)
def test_bad_urls_are_field_errors(login, tenant, no_broker, url, message):
    response = login(tenant).post("/storage/templates/add/", register_post(url=url))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Template.objects.filter(name="Alpine").exists() and not no_broker


@pytest.mark.django_db
def test_format_must_suit_the_hypervisor(login, tenant, no_broker):
    response = login(tenant).post("/storage/templates/add/", register_post(format="VHD"))
    assert "KVM does not boot VHD images." in response.content.decode()


@pytest.mark.django_db
def test_admin_registers_a_public_featured_iso(login, root_admin, no_broker):
    client = login(root_admin)
    assert 'name="is_featured"' in client.get("/storage/templates/add/").content.decode()
    client.post(
        "/storage/templates/add/",
        register_post(name="Rescue", is_iso="on", is_public="on", is_featured="on"),
    )
    iso = Template.objects.get(name="Rescue")
    assert iso.is_iso and iso.format == "ISO" and iso.is_public and iso.is_featured


@pytest.mark.django_db
def test_the_state_cell_polls_while_downloading_and_stops_when_ready(login, tenant):
    from tests.factories import TemplateFactory

    template = TemplateFactory(
        account=tenant.account, state="Downloading", download_percent=42, name="dl"
    )
    client = login(tenant)
    listing = client.get("/storage/templates/").content.decode()
    assert f'hx-get="/storage/templates/{template.pk}/state/"' in listing and "42%" in listing
    cell = client.get(f"/storage/templates/{template.pk}/state/", headers=HX)
    assert cell.status_code == 200 and 'hx-trigger="every 2s"' in cell.content.decode()
    Template.objects.filter(pk=template.pk).update(state="Ready", download_percent=100)
    cell = client.get(f"/storage/templates/{template.pk}/state/", headers=HX)
    assert cell.status_code == 286 and "every 2s" not in cell.content.decode()
    assert 'data-state="Ready"' in cell.content.decode()


@pytest.mark.django_db
def test_other_tenants_private_templates_are_404(login, tenant, other_tenant):
    from tests.factories import TemplateFactory

    theirs = TemplateFactory(account=other_tenant.account, is_public=False, name="their-image")
    client = login(tenant)
    assert "their-image" not in client.get("/storage/templates/").content.decode()
    assert client.get(f"/storage/templates/{theirs.pk}/").status_code == 404
    assert client.get(f"/storage/templates/{theirs.pk}/state/").status_code == 404


@pytest.mark.django_db
def test_register_needs_the_csrf_token(tenant, no_broker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant)
    assert client.post("/storage/templates/add/", register_post()).status_code == 403
    assert not Template.objects.filter(name="Alpine").exists()
