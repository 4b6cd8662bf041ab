import pytest


@pytest.mark.django_db
def test_home_page_for_anonymous_and_logged_in(client, tenant, defaults):
    assert b"Log in" in client.get("/").content
    client.force_login(tenant)
    body = client.get("/").content.decode()
    assert "Instances" in body and "No jobs yet." in body


@pytest.mark.django_db
def test_api_docs_use_local_assets(client, tenant):
    client.force_login(tenant)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn.jsdelivr" not in body and "/static/drf_spectacular_sidecar/" in body
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_api_root_links_every_section(api_client, tenant):
    response = api_client(tenant).get("/api/")
    assert response.status_code == 200
    assert {"zone", "instance", "network", "job", "schema", "docs"} <= response.data.keys()


def test_django_admin_login_goes_through_the_portal_login(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


@pytest.mark.django_db
def test_health_probe_answers_without_login(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/healthz?db=1").json() == {"status": "ok", "database": "ok"}
    assert client.post("/healthz").status_code == 405
