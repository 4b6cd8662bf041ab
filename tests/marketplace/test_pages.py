"""The marketplace's browser pages with the Django test client: root admins only (403 for
tenants, 404 for unknown objects), CSRF, the install flow with its live job log, plugin
actions and their toasts, extensions edited in the browser, menu items and template slots."""

import json

import pytest
from django.test import Client

from marketplace.models import Catalog, Extension, Plugin, PluginTestRun
from marketplace.services import extensions as ext_services
from portal.tasks import run_job
from tests.marketplace.conftest import sha256
from tests.marketplace.helpers import MOCKCLOUD, zip_directory

PID = "org.example.dummy"
HX = {"HX-Request": "true"}
PAGES = [
    "/marketplace/",
    "/marketplace/catalogs/",
    "/marketplace/plugins/",
    "/marketplace/extensions/",
    "/marketplace/plugins/lock/",
]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def installed(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    """The dummy plugin listed by a local catalog and installed (disabled)."""
    from marketplace.services import request_install

    directory_catalog([{"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"}])
    job = request_install(acting_user=root_admin, plugin_id=PID)
    run_job(job.pk)
    return Plugin.objects.get(plugin_id=PID)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_are_for_root_admins_only(url, tenant, domain_admin, root_admin, plugins_dir):
    assert logged_in(tenant).get(url).status_code == 403
    assert logged_in(domain_admin).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert logged_in(root_admin).get(url).status_code == 200


@pytest.mark.django_db
def test_tenant_cannot_act_and_unknown_objects_are_404(tenant, root_admin, plugins_dir):
    catalog = Catalog.objects.create(name="c", kind="directory", url="/nonexistent")
    for url in (f"/marketplace/catalogs/{catalog.pk}/delete/", "/marketplace/plugins/1/enable/"):
        assert logged_in(tenant).post(url).status_code == 403
    assert Catalog.objects.filter(pk=catalog.pk).exists()
    admin = logged_in(root_admin)
    assert admin.get("/marketplace/plugins/999/").status_code == 404
    assert admin.get("/marketplace/extensions/999/").status_code == 404
    assert admin.get("/marketplace/items/org.nothing/").status_code == 404
    assert admin.post("/marketplace/versions/999/install/").status_code == 404


@pytest.mark.django_db
def test_posts_need_the_csrf_token(root_admin, plugins_dir, catalog_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(root_admin)
    data = {"name": "local", "kind": "directory", "url": str(catalog_dir)}
    assert client.post("/marketplace/catalogs/", data).status_code == 403
    assert not Catalog.objects.exists()
    client.get("/marketplace/catalogs/")
    token = client.cookies["csrftoken"].value
    (catalog_dir / "index.json").write_text('{"items": []}')
    response = client.post(
        "/marketplace/catalogs/",
        {**data, "index_path": "index.json"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert Catalog.objects.get().last_error == ""


@pytest.mark.django_db
def test_add_catalog_errors_are_shown_on_the_form(root_admin, plugins_dir):
    response = logged_in(root_admin).post(
        "/marketplace/catalogs/",
        {"name": "g", "kind": "git", "url": "/tmp/repo", "index_path": "index.json"},
    )
    assert response.status_code == 200
    assert "A git catalog needs a pinned commit." in response.content.decode()
    assert not Catalog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_browse_install_and_live_log(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    directory_catalog(
        [
            {"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0", "changelog": "First"},
            {"id": PID, "artifact": wheels("2.0.0"), "version": "2.0.0", "min": "99.0"},
        ]
    )
    admin = logged_in(root_admin)
    page = admin.get("/marketplace/").content.decode()
    assert f'data-item="{PID}"' in page and "Compatible" in page
    detail = admin.get(f"/marketplace/items/{PID}/").content.decode()
    assert "Incompatible" in detail and "refused" in detail and "First" in detail
    from marketplace.models import CatalogItem

    item = CatalogItem.objects.get(plugin_id=PID, version="1.0.0")
    response = admin.post(f"/marketplace/versions/{item.pk}/install/", headers=HX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "info"
    job_id = int(response.content.decode().split('id="mjob-')[1].split('"')[0])
    assert 'hx-trigger="every 1s"' in response.content.decode()  # pending: it polls
    run_job(job_id)
    log = admin.get(f"/marketplace/jobs/{job_id}/log/", {"line": ["earlier line"]})
    assert log.status_code == 286  # done: htmx stops polling
    body = log.content.decode()
    assert "sha256 verified" in body and 'data-job-status="succeeded"' in body
    assert json.loads(log["HX-Trigger"])["toast"]["level"] == "success"
    assert Plugin.objects.get(plugin_id=PID).version == "1.0.0"
    incompatible = CatalogItem.objects.get(plugin_id=PID, version="2.0.0")
    refused = admin.post(f"/marketplace/versions/{incompatible.pk}/install/", headers=HX)
    assert json.loads(refused["HX-Trigger"])["toast"]["level"] == "error"
    assert "incompatible" in json.loads(refused["HX-Trigger"])["toast"]["message"]


@pytest.mark.django_db(transaction=True)
def test_plugin_actions_enable_test_disable_uninstall(installed, root_admin, no_broker):
    admin = logged_in(root_admin)
    base = f"/marketplace/plugins/{installed.pk}/"
    assert admin.post(base + "enable/", headers=HX)["HX-Refresh"] == "true"
    assert Plugin.objects.get(pk=installed.pk).enabled
    # the enabled plugin's menu item shows in the nav
    assert "data-plugin-menu" in admin.get("/marketplace/plugins/").content.decode()
    test = admin.post(base + "test/", headers=HX)
    job_id = int(test.content.decode().split('id="mjob-')[1].split('"')[0])
    run_job(job_id)
    log = admin.get(f"/marketplace/jobs/{job_id}/log/").content.decode()
    assert 'data-test-result="passed"' in log and "greeting" in log
    assert PluginTestRun.objects.get(plugin=installed).ok
    detail = admin.get(base).content.decode()
    assert 'data-test-result="passed"' in detail
    admin.post(base + "disable/", headers=HX)
    assert "data-plugin-menu" not in admin.get("/marketplace/plugins/").content.decode()
    assert admin.post(base + "bogus/").status_code == 400
    response = admin.post(base + "uninstall/", {"purge": "on"}, headers=HX)
    job_id = int(response.content.decode().split('id="mjob-')[1].split('"')[0])
    run_job(job_id)
    assert Plugin.objects.get(pk=installed.pk).status == "uninstalled"
    refused = admin.post(base + "rollback/", headers=HX)
    assert json.loads(refused["HX-Trigger"])["toast"]["level"] == "error"


@pytest.mark.django_db(transaction=True)
def test_export_and_lock_file(installed, root_admin):
    admin = logged_in(root_admin)
    export = admin.get(f"/marketplace/plugins/{installed.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert export.content[:2] == b"PK"
    lock = json.loads(admin.get("/marketplace/plugins/lock/").content)
    assert any(PID in json.dumps(p) for p in lock.get("plugins", []))


@pytest.mark.django_db
def test_import_refuses_a_non_package(root_admin, plugins_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = logged_in(root_admin).post(
        "/marketplace/plugins/import/",
        {"file": SimpleUploadedFile("x.portalpkg", b"not a zip")},
        headers=HX,
    )
    assert "Not a portal package" in json.loads(response["HX-Trigger"])["toast"]["message"]


@pytest.fixture
def mockcloud(db, plugins_dir, root_admin, tmp_path):
    archive = zip_directory(MOCKCLOUD, tmp_path / "mockcloud.zip")
    return ext_services.install_script_package(
        archive, plugin_id="org.example.mockcloud", sha256=sha256(archive), acting_user=root_admin
    )


def test_extension_edit_rollback_test_and_runs(mockcloud, root_admin):
    admin = logged_in(root_admin)
    url = f"/marketplace/extensions/{mockcloud.pk}/"
    page = admin.get(url).content.decode()
    assert "mockcloud.py" in page and 'data-version="1"' in page
    content = mockcloud.versions.get(number=1).files["mockcloud.py"]
    response = admin.post(
        url, {"path": "mockcloud.py", "content": content + "\n# edited\n", "comment": "tweak"}
    )
    assert response.status_code == 302
    mockcloud.refresh_from_db()
    assert mockcloud.current_version == 2
    assert mockcloud.versions.get(number=2).files["mockcloud.py"].endswith("# edited\n")
    bad = admin.post(url, {"path": "../evil", "content": "x"})
    assert bad.status_code == 200 and mockcloud.versions.count() == 2
    admin.post(url + "rollback/", {"number": "1"}, headers=HX)
    mockcloud.refresh_from_db()
    assert mockcloud.current_version == 1
    admin.post(url + "test/", headers=HX)  # no host configured: the run fails, recorded
    run_ = mockcloud.runs.get()
    assert run_.exit_code == 1 and "Missing required fields" in run_.stdout
    page = admin.get(url).content.decode()
    assert f'data-run="{run_.pk}"' in page and "Missing required fields" in page
    export = admin.get(url + "export/")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert Extension.objects.count() == 1


def test_template_slot_renders_enabled_plugins_html_only(rf, root_admin, defaults):
    from django.template import Context, Template
    from django.utils.html import format_html

    from marketplace import hooks

    def slot(name, context):
        if name == "dashboard.top":
            return format_html("<b>{}</b>", "hello <slot>")
        return "<script>raw</script>" if name == "raw" else None

    template = Template(
        "{% load marketplace_ui %}{% template_slot 'dashboard.top' %}|{% template_slot 'raw' %}"
        "|{% template_slot 'none' %}"
    )
    with hooks.register_temporarily("ui.template_slot", slot):
        html = template.render(Context({}))
    assert "<b>hello &lt;slot&gt;</b>" in html
    assert "&lt;script&gt;" in html and html.endswith("|")


def test_periodic_jobs_of_a_disabled_plugin_do_not_run(monkeypatch):
    from marketplace import state
    from portal.celery import app, run_plugin_periodic

    calls = []

    @app.task(name="tests.marketplace.periodic_probe")
    def probe(value):
        calls.append(value)
        return value

    monkeypatch.setattr(state, "is_enabled", lambda plugin_id: plugin_id == "on")
    assert run_plugin_periodic.run("off", "tests.marketplace.periodic_probe", [1]) == {
        "skipped": "plugin off is disabled"
    }
    assert run_plugin_periodic.run("on", "tests.marketplace.periodic_probe", [2]) == 2
    assert calls == [2]


def test_periodic_hook_entries_go_through_the_gate():
    from marketplace import hooks
    from portal.celery import plugin_beat_entries

    def periodic():
        return {"sync": {"task": "x.sync", "schedule": 30.0}, "bad": {"task": "y"}}

    with hooks.register_temporarily("celery.periodic", periodic):
        entries = plugin_beat_entries()
    assert entries == {
        "plugin:core:sync": {
            "task": "portal.celery.run_plugin_periodic",
            "schedule": 30.0,
            "args": ("", "x.sync", [], {}),
        }
    }
