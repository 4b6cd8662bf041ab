"""The marketplace API: root admins only; catalog -> install (202 job) -> enable -> test."""

import pytest

from marketplace.models import Plugin
from portal.tasks import run_job
from tests.marketplace.conftest import write_index

PID = "org.example.dummy"


@pytest.mark.django_db
def test_tenants_and_domain_admins_get_403(api_client, tenant, domain_admin):
    for user in (tenant, domain_admin):
        client = api_client(user)
        assert client.get("/api/marketplace/plugins/").status_code == 403
        assert client.post("/api/marketplace/catalogs/", {"name": "x"}).status_code == 403


@pytest.mark.django_db
def test_invalid_catalog_is_400_with_the_field(api_client, root_admin):
    client = api_client(root_admin)
    response = client.post(
        "/api/marketplace/catalogs/", {"name": "g", "kind": "git", "location": "/x"}
    )
    assert response.status_code == 400 and "ref" in response.data


@pytest.mark.django_db(transaction=True)
def test_browse_install_enable_and_test_through_the_api(
    api_client, root_admin, plugins_dir, wheels, catalog_dir, no_broker
):
    write_index(
        catalog_dir,
        [
            {"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"},
            {"id": PID, "artifact": wheels("3.0.0"), "version": "3.0.0", "min": "99"},
        ],
    )
    client = api_client(root_admin)
    catalog = client.post(
        "/api/marketplace/catalogs/",
        {"name": "local", "kind": "directory", "location": str(catalog_dir)},
    )
    assert catalog.status_code == 201, catalog.data
    assert (
        client.post(f"/api/marketplace/catalogs/{catalog.data['id']}/refresh/").status_code == 200
    )
    items = client.get("/api/marketplace/items/", {"plugin_id": PID}).data["results"]
    assert {(i["version"], i["compatible"]) for i in items} == {("1.0.0", True), ("3.0.0", False)}

    response = client.post("/api/marketplace/items/install/", {"plugin_id": PID})
    assert response.status_code == 202
    run_job(response.data["job_id"])
    plugin = Plugin.objects.get(plugin_id=PID)
    assert plugin.version == "1.0.0"

    data = client.post(f"/api/marketplace/plugins/{plugin.pk}/enable/").data
    assert data["enabled"] is True and data["loaded"] is True
    response = client.post(f"/api/marketplace/plugins/{plugin.pk}/test/")
    assert response.status_code == 202
    run_job(response.data["job_id"])
    detail = client.get(f"/api/marketplace/plugins/{plugin.pk}/").data
    assert detail["last_test"]["ok"] is True
    secret = client.post(
        f"/api/marketplace/plugins/{plugin.pk}/configure/",
        {"secret_config": {"k": "v"}},
        format="json",
    )
    assert "secret_config" not in secret.data
    assert client.get("/api/marketplace/plugins/reload-status/").data["generation"] == 1
    assert client.get("/api/marketplace/plugins/lock/").data["plugins"][0]["id"] == PID
    export = client.get(f"/api/marketplace/plugins/{plugin.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
