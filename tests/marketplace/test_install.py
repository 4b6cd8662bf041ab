"""Install from a catalog through the real job: verified hashes, compatibility, gating,
upgrade, rollback, uninstall with data removal."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace import hooks
from marketplace.choices import PluginStatus
from marketplace.models import CatalogItem, Plugin
from marketplace.services import (
    check_plugin,
    request_install,
    request_rollback,
    request_uninstall,
    set_plugin_enabled,
)
from tests.marketplace.conftest import run

pytestmark = pytest.mark.django_db(transaction=True)
PID = "org.example.dummy"


def tables():
    return set(connection.introspection.table_names())


def installed_json(plugins_dir):
    return json.loads((plugins_dir / "installed.json").read_text())


def install(root_admin, version=""):
    return run(request_install(acting_user=root_admin, plugin_id=PID, version=version))


def test_install_with_the_right_hash(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    directory_catalog([{"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"}])
    job = install(root_admin)
    assert job.status == "succeeded", job.error_text
    assert "sha256 verified" in " ".join(job.result["log"])
    plugin = Plugin.objects.get(plugin_id=PID)
    assert (plugin.status, plugin.version, plugin.enabled) == (
        PluginStatus.INSTALLED,
        "1.0.0",
        False,
    )
    assert plugin.metadata["author"] == "Test Suite"
    assert "dummy_plugin_note" in tables()  # its migrations ran
    entry = installed_json(plugins_dir)["plugins"][PID]
    assert entry["module"] == "dummy_plugin.apps.DummyConfig"
    assert installed_json(plugins_dir)["generation"] == 1  # processes must reload
    assert (plugins_dir / PID / "1.0.0" / "site" / "dummy_plugin" / "apps.py").is_file()


def test_wrong_hash_is_refused_and_nothing_changes(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker
):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0", "sha256": "0" * 64}])
    job = install(root_admin)
    assert job.status == "failed"
    assert "sha256 mismatch" in job.error_text
    assert not Plugin.objects.filter(plugin_id=PID).exists()
    assert not (plugins_dir / "installed.json").exists()
    assert not (plugins_dir / PID).exists()


def test_incompatible_version_is_listed_but_refused(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker
):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0", "min": "99.0"}])
    item = CatalogItem.objects.get(plugin_id=PID)
    assert item.compatible is False
    with pytest.raises(ValidationError) as error:
        request_install(acting_user=root_admin, plugin_id=PID)
    assert "incompatible" in str(error.value)


def test_enable_disable_gates_urls_and_hooks_without_restart(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker, client
):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0"}])
    assert install(root_admin).status == "succeeded"
    from dummy_plugin import hooks as plugin_hooks

    plugin_hooks.CALLS.clear()
    client.force_login(root_admin)
    # Installed but disabled: 404 and its hook is not called.
    assert client.get(f"/plugins/{PID}/hello/").status_code == 404
    assert client.get(f"/api/plugins/{PID}/notes/").status_code == 404
    assert hooks.call_hooks("vm.state_transition", "vm", "Stopped", "Running", "start") == []
    assert plugin_hooks.CALLS == []

    plugin = set_plugin_enabled(Plugin.objects.get(plugin_id=PID), True, acting_user=root_admin)
    assert client.get(f"/plugins/{PID}/hello/").json() == {"greeting": "hello"}
    assert client.get(f"/api/plugins/{PID}/notes/").json() == {"count": 0}
    assert hooks.call_hooks("vm.state_transition", "vm", "Stopped", "Running", "start") == ["dummy"]
    assert len(plugin_hooks.CALLS) == 1
    assert client.get(f"/plugins/{PID}/nowhere/").status_code == 404

    set_plugin_enabled(plugin, False, acting_user=root_admin)
    assert client.get(f"/plugins/{PID}/hello/").status_code == 404
    assert hooks.call_hooks("vm.state_transition", "vm", "Running", "Stopped", "stop") == []
    assert len(plugin_hooks.CALLS) == 1


def test_self_test_result_is_stored(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0"}])
    install(root_admin)
    run_ = check_plugin(Plugin.objects.get(plugin_id=PID), acting_user=root_admin)
    names = {r["name"]: r["ok"] for r in run_.results}
    assert run_.ok and names == {
        "artifact sha256": True,
        "compatibility": True,
        "required settings": True,
        "loaded": True,
        "greeting": True,
    }
    # The stored artifact is checked again: tampering is reported.
    plugin = Plugin.objects.get(plugin_id=PID)
    with open(plugin.artifact_path, "ab") as handle:
        handle.write(b"x")
    assert check_plugin(plugin).ok is False


def test_upgrade_then_rollback(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    directory_catalog(
        [
            {"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"},
            {"id": PID, "artifact": wheels("2.0.0", upgrade=True), "version": "2.0.0"},
        ]
    )
    assert install(root_admin, "1.0.0").status == "succeeded"
    set_plugin_enabled(Plugin.objects.get(plugin_id=PID), True, acting_user=root_admin)
    job = install(root_admin)  # newest compatible: 2.0.0
    assert job.status == "succeeded", job.error_text
    plugin = Plugin.objects.get(plugin_id=PID)
    assert (plugin.version, plugin.previous["version"], plugin.enabled) == ("2.0.0", "1.0.0", True)
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "dummy_plugin_note"
        )
    ]
    assert "colour" in columns

    job = run(request_rollback(plugin, acting_user=root_admin))
    assert job.status == "succeeded", job.error_text
    plugin.refresh_from_db()
    assert (plugin.version, plugin.previous["version"]) == ("1.0.0", "2.0.0")
    assert installed_json(plugins_dir)["plugins"][PID]["path"].endswith("1.0.0/site")
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "dummy_plugin_note"
        )
    ]
    assert "colour" not in columns  # migrated back before switching code


def test_failing_migration_restores_the_previous_state(
    plugins_dir, wheels, directory_catalog, root_admin, no_broker
):
    directory_catalog(
        [
            {"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"},
            {"id": PID, "artifact": wheels("1.1.0", broken_migration=True), "version": "1.1.0"},
        ]
    )
    assert install(root_admin, "1.0.0").status == "succeeded"
    job = install(root_admin, "1.1.0")
    assert job.status == "failed" and "Migration failed" in job.error_text
    plugin = Plugin.objects.get(plugin_id=PID)
    assert (plugin.version, plugin.status) == ("1.0.0", PluginStatus.INSTALLED)
    assert installed_json(plugins_dir)["plugins"][PID]["version"] == "1.0.0"


def test_uninstall_with_data_removal(plugins_dir, wheels, directory_catalog, root_admin, no_broker):
    directory_catalog([{"id": PID, "artifact": wheels(), "version": "1.0.0"}])
    install(root_admin)
    assert "dummy_plugin_note" in tables()
    plugin = Plugin.objects.get(plugin_id=PID)
    job = run(request_uninstall(plugin, acting_user=root_admin, purge=True))
    assert job.status == "succeeded", job.error_text
    plugin.refresh_from_db()
    assert (plugin.status, plugin.enabled) == (PluginStatus.UNINSTALLED, False)
    assert "dummy_plugin_note" not in tables()
    assert PID not in installed_json(plugins_dir)["plugins"]
    assert not (plugins_dir / PID).exists()
