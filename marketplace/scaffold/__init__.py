"""Templates of ``manage.py startplugin``."""

from __future__ import annotations

PYPROJECT = """[project]
name = "{dist}"
version = "0.1.0"
description = "{title} plugin for the cloud portal"
requires-python = ">=3.11"

[project.entry-points."cloudportal.plugins"]
"{plugin_id}" = "{name}.apps:{cls}"

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
include = ["{name}*"]
"""

APPS = """from marketplace.plugin import CheckResult, PortalPluginConfig


class {cls}(PortalPluginConfig):
    name = "{name}"
    label = "{name}"
    verbose_name = "{title}"
    plugin_id = "{plugin_id}"
    version = "0.1.0"
    author = "Your name"
    summary = "What {title} does, in one line."
    description = "A longer description (markdown)."
    changelog = "0.1.0: first release"
    homepage = ""
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    required_settings = []
    default_settings = {{"greeting": "hello"}}
    extension_points = ["vm.state_transition", "ui.menu_items"]

    def self_test(self):
        return [CheckResult("settings", bool(self.get_settings().get("greeting")), "greeting set")]
"""

HOOKS = '''from marketplace import hooks


@hooks.register("vm.state_transition")
def on_transition(instance, old_state, new_state, event):
    """Called on every instance state change while the plugin is enabled."""
    return None


@hooks.register("ui.menu_items")
def menu_items(request):
    return [{{"label": "{title}", "url": "/plugins/{plugin_id}/"}}]
'''

URLS = """from django.http import JsonResponse
from django.urls import path


def index(request):
    return JsonResponse({{"plugin": "{plugin_id}"}})


urlpatterns = [path("", index)]
"""

TEST = '''"""Run with the portal's test settings: pytest (from the portal checkout) or in CI."""

from {name}.apps import {cls}


def test_metadata_is_complete():
    manifest = {cls}.manifest()
    assert manifest["id"] == "{plugin_id}"
    assert manifest["version"] and manifest["author"] and manifest["summary"]


def test_hooks_are_callable():
    from {name} import hooks

    assert hooks.on_transition(None, "Stopped", "Running", "start") is None
    assert hooks.menu_items(None)[0]["url"] == "/plugins/{plugin_id}/"
'''

README = """# {title}

A plugin for the cloud portal. Build a wheel (`python -m build` or
`python -m marketplace.wheelbuild . dist/`), list it in a catalog `index.json` with its
sha256 and size, and install it from the marketplace. See the portal's `docs/plugins.md`.
"""


def render_plugin(name: str, plugin_id: str) -> dict[str, str]:
    """The files of a new plugin project, by relative path."""
    values = {
        "name": name,
        "plugin_id": plugin_id,
        "dist": name.replace("_", "-"),
        "title": name.replace("_", " ").title(),
        "cls": "".join(part.title() for part in name.split("_")) + "Config",
    }
    return {
        "pyproject.toml": PYPROJECT.format(**values),
        "README.md": README.format(**values),
        f"{name}/__init__.py": f'"""{values["title"]} plugin."""\n',
        f"{name}/apps.py": APPS.format(**values),
        f"{name}/hooks.py": HOOKS.format(**values),
        f"{name}/urls.py": URLS.format(**values),
        f"{name}/migrations/__init__.py": "",
        "tests/__init__.py": "",
        "tests/test_plugin.py": TEST.format(**values),
    }
