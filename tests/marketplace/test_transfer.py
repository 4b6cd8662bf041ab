"""Export -> import round trips (one plugin, one extension, the whole site)."""

import io
import json
import zipfile

import pytest

from marketplace.choices import PluginStatus
from marketplace.models import Extension, Plugin
from marketplace.services import (
    configure_plugin,
    request_install,
    request_uninstall,
    set_plugin_enabled,
)
from marketplace.transfer import (
    export_extension,
    export_plugin,
    export_site,
    import_site,
    request_import,
)
from tests.marketplace.conftest import run

pytestmark = pytest.mark.django_db(transaction=True)
PID = "org.example.dummy"


def installed(root_admin, directory_catalog, wheels):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0"}])
    assert run(request_install(acting_user=root_admin, plugin_id=PID)).status == "succeeded"
    plugin = Plugin.objects.get(plugin_id=PID)
    configure_plugin(
        plugin,
        acting_user=root_admin,
        config={"greeting": "bonjour"},
        secret_config={"api_key": "k"},
    )
    return set_plugin_enabled(plugin, True, acting_user=root_admin)


def test_plugin_export_import_round_trip(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker, client
):
    plugin = installed(root_admin, directory_catalog, wheels)
    data = export_plugin(plugin)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["sha256"] == plugin.sha256 and manifest["config"] == {"greeting": "bonjour"}
    assert "api_key" not in json.dumps(manifest)  # secrets are not exported

    run(request_uninstall(plugin, acting_user=root_admin, purge=True))
    job = run(request_import(data, acting_user=root_admin))
    assert job.status == "succeeded", job.error_text
    plugin.refresh_from_db()
    assert (plugin.status, plugin.version, plugin.enabled) == (
        PluginStatus.INSTALLED,
        "1.0.0",
        True,
    )
    assert plugin.config == {"greeting": "bonjour"}
    client.force_login(root_admin)
    assert client.get(f"/plugins/{PID}/hello/").json() == {"greeting": "bonjour"}


def test_tampered_package_is_refused(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    plugin = installed(root_admin, directory_catalog, wheels)
    source = zipfile.ZipFile(io.BytesIO(export_plugin(plugin)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, content + b"tampered" if name.endswith(".whl") else content)
    run(request_uninstall(plugin, acting_user=root_admin))
    job = run(request_import(buffer.getvalue(), acting_user=root_admin))
    assert job.status == "failed" and "mismatch" in job.error_text
    assert Plugin.objects.get(plugin_id=PID).status == PluginStatus.UNINSTALLED


def test_site_lock_round_trip(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker, tmp_path
):
    from marketplace.services.extensions import create_extension

    plugin = installed(root_admin, directory_catalog, wheels)
    create_extension(
        acting_user=root_admin,
        name="Hello",
        files={"hello.sh": "#!/bin/sh\necho '{}'\n"},
        entrypoint="hello.sh",
    )
    lock = json.loads(json.dumps(export_site()))
    assert lock["plugins"][0]["sha256"] == plugin.sha256
    # A "new portal": the plugin and the extension are gone.
    run(request_uninstall(plugin, acting_user=root_admin, purge=True))
    Extension.objects.all().delete()
    jobs = import_site(lock, acting_user=root_admin)
    assert [run(job).status for job in jobs] == ["succeeded"]
    plugin.refresh_from_db()
    assert (plugin.status, plugin.enabled, plugin.config) == (
        PluginStatus.INSTALLED,
        True,
        {"greeting": "bonjour"},
    )
    assert (
        Extension.objects.get(name="Hello").versions.get().sha256 == lock["extensions"][0]["sha256"]
    )


def test_extension_export_import(plugins_dir, root_admin, no_broker):
    from marketplace.services.extensions import create_extension

    extension = create_extension(
        acting_user=root_admin,
        name="Hello",
        files={"hello.sh": "#!/bin/sh\necho '{}'\n"},
        entrypoint="hello.sh",
        enabled=True,
        details={"region": "eu"},
        secret_details='{"password": "p"}',
    )
    data = export_extension(extension)
    assert b'"password"' not in data
    extension.delete()
    assert run(request_import(data, acting_user=root_admin)).status == "succeeded"
    imported = Extension.objects.get(name="Hello")
    assert (
        imported.enabled and imported.details == {"region": "eu"} and imported.secret_details == ""
    )
