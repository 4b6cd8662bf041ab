"""A broken plugin is reported and isolated; the portal keeps serving."""

import json
import os
import subprocess
import sys
from pathlib import Path

from marketplace import hooks
from marketplace.loader import load_plugins

ROOT = Path(__file__).resolve().parents[2]


def broken_site(tmp_path) -> Path:
    """A plugins dir with two plugins: one that fails to import, one incompatible."""
    site = tmp_path / "plugins" / "org.example.broken" / "1.0" / "site"
    (site / "broken_plugin").mkdir(parents=True)
    (site / "broken_plugin" / "__init__.py").write_text("")
    (site / "broken_plugin" / "apps.py").write_text("raise RuntimeError('boom at import')\n")
    old = site / "old_plugin"
    old.mkdir()
    (old / "__init__.py").write_text("")
    (old / "apps.py").write_text(
        "from marketplace.plugin import PortalPluginConfig\n\n\n"
        "class OldConfig(PortalPluginConfig):\n"
        "    name = 'old_plugin'\n    plugin_id = 'org.example.old'\n    max_version = '0.0.1'\n"
    )
    dist = site / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[cloudportal.plugins]\norg.example.broken = broken_plugin.apps:BrokenConfig\n"
        "org.example.old = old_plugin.apps:OldConfig\n"
    )
    installed = {
        "generation": 4,
        "plugins": {"org.example.broken": {"version": "1.0", "path": str(site), "module": "x"}},
    }
    (tmp_path / "plugins" / "installed.json").write_text(json.dumps(installed))
    return tmp_path / "plugins"


def test_loader_skips_and_reports_broken_and_incompatible_plugins(tmp_path):
    plugins_dir = broken_site(tmp_path)
    apps, errors, generation = load_plugins(plugins_dir, portal_version="0.1.0")
    assert apps == [] and generation == 4
    assert "boom at import" in errors["org.example.broken"]
    assert "incompatible" in errors["org.example.old"]
    sys.path.remove(str(plugins_dir / "org.example.broken" / "1.0" / "site"))


def test_portal_starts_with_a_broken_plugin_and_reports_it(tmp_path):
    plugins_dir = broken_site(tmp_path)
    env = {
        **os.environ,
        "PORTAL_PLUGINS_DIR": str(plugins_dir),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "plugins"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "org.example.broken" in done.stderr + done.stdout


def test_an_exception_in_a_hook_does_not_stop_the_others():
    def bad(*args):
        raise RuntimeError("plugin bug")

    def good(*args):
        return "ok"

    with hooks.register_temporarily("vm.state_transition", bad, order=-1):
        with hooks.register_temporarily("vm.state_transition", good):
            assert hooks.call_hooks("vm.state_transition", "vm", "a", "b", "e") == ["ok"]
            assert hooks.first_result("vm.state_transition", "vm", "a", "b", "e") == "ok"
    with hooks.register_temporarily("libvirt.xml.rewrite", bad):
        assert hooks.apply_filters("libvirt.xml.rewrite", "<domain/>", None) == "<domain/>"


def test_a_failing_ready_does_not_raise(db):
    from marketplace.plugin import LOAD_ERRORS, PortalPluginConfig

    class Faulty(PortalPluginConfig):
        name = "marketplace"
        plugin_id = "org.example.faulty"

        def ready(self):
            raise ValueError("nope")

    import marketplace

    Faulty("marketplace", marketplace).ready()
    assert "nope" in LOAD_ERRORS.pop("org.example.faulty")
