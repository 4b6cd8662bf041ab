"""Load an in-tree sample plugin (``marketplace/samples/<project>``) into this process and
switch it on and off through its database row, as the marketplace does after an install.

The install flow itself (wheel, hashes, pip --target) is tested in ``tests/marketplace``;
here the point is that core code calls each extension point and honours the enabled state.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "marketplace" / "samples"
PROJECTS = {
    "auth_plugin": ("sample_auth", "sample_auth.apps.StaticAuthConfig"),
    "hypervisor_plugin": ("sample_hypervisor", "sample_hypervisor.apps.FirecrackerConfig"),
    "lb_plugin": ("sample_lb", "sample_lb.apps.HaproxyConfig"),
    "storage_plugin": ("sample_storage", "sample_storage.apps.SampleBlockConfig"),
    "ui_plugin": ("sample_ui", "sample_ui.apps.StatusPageConfig"),
}


class LoadedSample:
    def __init__(self, row):
        self.row = row

    def set_enabled(self, enabled: bool) -> None:
        from marketplace import state

        self.row.enabled = enabled
        self.row.save(update_fields=["enabled"])
        state.invalidate()

    def configure(self, **config) -> None:
        from marketplace import state

        self.row.config = {**(self.row.config or {}), **config}
        self.row.save(update_fields=["config"])
        state.invalidate()


@pytest.fixture
def sample_plugin(settings, db):
    """``sample_plugin("auth_plugin", **config)`` loads and enables that sample."""
    from django.apps import apps

    from marketplace import installer, state
    from marketplace.models import Plugin

    settings.PLUGINS_HOT_LOAD = True
    loaded: list[tuple[str, str]] = []
    before_path = list(sys.path)

    def load(project: str, **config) -> LoadedSample:
        package, module_path = PROJECTS[project]
        installer.hot_load(module_path, SAMPLES / project)
        loaded.append((package, module_path))
        cls = apps.get_app_config(package)
        row = Plugin.objects.create(
            plugin_id=cls.plugin_id,
            name=str(cls.verbose_name),
            version=cls.version,
            module=module_path,
            app_label=cls.label,
            enabled=True,
            config=config,
        )
        state.invalidate()
        return LoadedSample(row)

    yield load
    for package, module_path in loaded:
        installer.hot_unload_label(module_path)
        for name in list(sys.modules):
            if name.split(".")[0] == package:
                del sys.modules[name]
    sys.path[:] = before_path
    state.invalidate()
