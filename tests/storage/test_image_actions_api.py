"""REST verbs for templates and ISOs (same services as /client/api): extract answers a
working download link, copy a 202 job that copies to the zone, attach-iso/detach-iso on
instances a 202 job; other tenants get 404s."""

import pytest

from tests.factories import InstanceFactory, TemplateFactory, ZoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(tmp_path, settings, defaults):
    from storage.models import ImageStore

    settings.IMAGE_STORE_MOUNT_ROOT = tmp_path
    store = ImageStore.objects.create(
        name="sec", protocol="nfs", url="nfs://127.0.0.1/x", server="127.0.0.1", path="/x"
    )

    def make(account, **kwargs):
        template = TemplateFactory(account=account, is_public=False, image_store=store, **kwargs)
        path = tmp_path / str(store.uuid) / f"{template.uuid}.img"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"image bytes")
        template.install_path = str(path)
        template.save(update_fields=["install_path"])
        return template

    return make


def test_extract_and_copy(api_client, tenant, other_tenant, stored, client):
    from portal.models import AsyncJob
    from storage.models import ImageStore, TemplateZone

    zone_a, zone_b = ZoneFactory(), ZoneFactory()
    template = stored(tenant.account, zone=zone_a, is_extractable=True)
    url = f"/api/storage/templates/{template.pk}/"
    response = api_client(tenant).post(url + "extract/")
    assert response.status_code == 200, response.content
    link = response.json()["url"]
    assert response.json()["expires_in"] == 14400
    download = client.get(link.removeprefix("http://testserver"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"image bytes"
    assert api_client(other_tenant).post(url + "extract/").status_code == 404

    ImageStore.objects.create(
        name="sec-b", zone=zone_b, protocol="nfs", url="nfs://h/b", server="h", path="/b"
    )
    bad = api_client(tenant).post(url + "copy/", {"zones": [zone_a.pk]}, format="json")
    assert bad.status_code == 400 and "destzoneid" in bad.json()
    response = api_client(tenant).post(url + "copy/", {"zones": [zone_b.pk]}, format="json")
    assert response.status_code == 202
    assert AsyncJob.objects.get(pk=response.json()["job_id"]).command == "template.copy"
    assert not TemplateZone.objects.exists()  # the job has not run yet


def test_attach_and_detach_iso(api_client, tenant, other_tenant, defaults):
    from portal.models import AsyncJob

    iso = TemplateFactory(
        account=tenant.account, is_iso=True, format="ISO", hypervisor="", zone=None,
        install_path="/sec/x.iso",
    )  # fmt: skip
    vm = InstanceFactory(account=tenant.account, state="Stopped")
    url = f"/api/compute/instances/{vm.pk}/"
    response = api_client(tenant).post(url + "attach-iso/", {"iso": iso.pk}, format="json")
    assert response.status_code == 202, response.content
    assert AsyncJob.objects.get(pk=response.json()["job_id"]).command == "iso.attach"
    denied = api_client(other_tenant).post(url + "attach-iso/", {"iso": iso.pk}, format="json")
    assert denied.status_code == 404
    no_iso = api_client(tenant).post(url + "detach-iso/")
    assert no_iso.status_code == 400 and "virtualmachineid" in no_iso.json()
