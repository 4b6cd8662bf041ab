"""The in-tree sample plugins, built into wheels and installed through the real flow."""

import pytest

from marketplace import hooks
from marketplace.models import Plugin
from marketplace.services import check_plugin, configure_plugin, request_install, set_plugin_enabled
from marketplace.wheelbuild import build_wheel
from tests.marketplace.conftest import run
from tests.marketplace.helpers import SAMPLES

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLE_IDS = {
    "hypervisor_plugin": "org.example.firecracker",
    "lb_plugin": "org.example.haproxy-lb",
    "storage_plugin": "org.example.sample-block",
    "ui_plugin": "org.example.status-page",
}


def test_samples_install_enable_and_work(
    plugins_dir, directory_catalog, root_admin, no_broker, tmp_path, api_client, client
):
    entries = [
        {"id": pid, "artifact": build_wheel(SAMPLES / name, tmp_path / name), "version": "1.0.0"}
        for name, pid in SAMPLE_IDS.items()
    ]
    directory_catalog(entries)
    for pid in SAMPLE_IDS.values():
        job = run(request_install(acting_user=root_admin, plugin_id=pid))
        assert job.status == "succeeded", job.error_text
    plugins = {p.plugin_id: p for p in Plugin.objects.all()}
    lb = plugins["org.example.haproxy-lb"]
    with pytest.raises(Exception, match="stats_password"):
        set_plugin_enabled(lb, True, acting_user=root_admin)  # required setting missing
    configure_plugin(lb, acting_user=root_admin, secret_config={"stats_password": "pw"})
    for plugin in plugins.values():
        set_plugin_enabled(plugin, True, acting_user=root_admin)
        assert check_plugin(plugin).ok

    # hypervisor plugin: a new type and a planner through the hooks
    (types,) = hooks.call_hooks("hypervisor.register")
    assert "Firecracker" in types
    from compute.planner import Planner

    assert issubclass(hooks.first_result("deploy.planner"), Planner)
    # network element plugin: its provider writes to its own table
    (elements,) = hooks.call_hooks("network.element")
    rules = [{"name": "web", "members": [("10.1.1.5", 80)]}]
    assert elements["HAProxy"]().apply_lb_rules(None, rules)
    from sample_lb.models import Backend

    assert Backend.objects.count() == 1
    # UI/API plugin: menu, template slot, page, API
    assert hooks.call_hooks("ui.menu_items", None)[0][0]["label"] == "Status"
    assert "All systems operational" in hooks.first_result("ui.template_slot", "dashboard.top", {})
    client.force_login(root_admin)
    assert b"All systems operational" in client.get("/plugins/org.example.status-page/").content
    api = api_client(root_admin).get("/api/plugins/org.example.status-page/summary/")
    assert api.status_code == 200 and api.json() == {"instances": 0}

    set_plugin_enabled(plugins["org.example.status-page"], False, acting_user=root_admin)
    assert hooks.call_hooks("ui.menu_items", None) == []
    assert client.get("/plugins/org.example.status-page/").status_code == 404
