"""The plugin contract: a plugin is a Django app whose config class subclasses
:class:`PortalPluginConfig` and is published under the ``cloudportal.plugins`` entry point.

Example (``pyproject.toml``)::

    [project.entry-points."cloudportal.plugins"]
    "com.example.hello" = "hello_plugin.apps:HelloConfig"

See ``docs/plugins.md`` for the extension points.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.apps import AppConfig

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "cloudportal.plugins"

# Errors met while loading plugins in this process: plugin id -> message.
LOAD_ERRORS: dict[str, str] = {}


@dataclass
class CheckResult:
    """One line of a plugin test: a named check that passed or failed, with a message."""

    name: str
    ok: bool
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PortalPluginConfig(AppConfig):
    """Base class of every plugin's AppConfig.

    Metadata: ``plugin_id`` (reverse DNS, unique), ``verbose_name``, ``version``, ``author``,
    ``summary``, ``description``, ``changelog``, ``homepage``, ``license``; compatibility:
    ``min_version``/``max_version`` of the portal (inclusive); ``required_settings`` and
    ``default_settings``; ``extension_points``: the hook names it implements.

    Conventional submodules, all optional: ``hooks`` (imported at start; registers hook
    functions), ``urls`` (served under ``/plugins/<plugin_id>/``), ``api.urls`` (under
    ``/api/plugins/<plugin_id>/``) and ``migrations``.
    """

    plugin_id: str = ""
    version: str = "0.0.0"
    author: str = ""
    summary: str = ""
    description: str = ""
    changelog: str = ""
    homepage: str = ""
    license: str = ""
    min_version: str = ""
    max_version: str = ""
    required_settings: list[str] = []
    default_settings: dict[str, Any] = {}
    extension_points: list[str] = []
    hooks_module = "hooks"
    urls_module = "urls"
    api_urls_module = "api.urls"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "ready" in cls.__dict__:  # a plugin's own ready() must not stop the portal
            cls.ready = _guarded(cls.__dict__["ready"])

    def ready(self) -> None:
        """Import the plugin's ``hooks`` module (its registrations); errors are isolated."""
        self.import_submodule(self.hooks_module)

    # -- helpers --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.plugin_id or self.name

    def import_submodule(self, name: str):
        """Import ``<app>.<name>`` if it exists; None if absent or broken (error recorded)."""
        full = f"{self.name}.{name}"
        try:
            if importlib.util.find_spec(full) is None:
                return None
        except ModuleNotFoundError:
            return None
        try:
            return importlib.import_module(full)
        except Exception as exc:
            log.exception("plugin %s: cannot import %s", self.id, full)
            LOAD_ERRORS[self.id] = f"{full}: {exc}"
            return None

    def get_settings(self) -> dict[str, Any]:
        """Defaults, then ``settings.PLUGINS_CONFIG[plugin_id]``, then the config stored in
        the database by the marketplace."""
        from marketplace import state

        return state.plugin_settings(self)

    def self_test(self) -> list[CheckResult]:
        """Override: check the plugin works here (reach its backend, ...)."""
        return []

    @classmethod
    def manifest(cls) -> dict[str, Any]:
        """The metadata as the catalog and the export see it."""
        return {
            "id": cls.plugin_id or cls.name,
            "kind": "django-app",
            "name": str(getattr(cls, "verbose_name", "") or cls.name),
            "version": cls.version,
            "author": cls.author,
            "summary": cls.summary,
            "description": cls.description,
            "changelog": cls.changelog,
            "homepage": cls.homepage,
            "license": cls.license,
            "min_portal_version": cls.min_version,
            "max_portal_version": cls.max_version,
            "required_settings": list(cls.required_settings),
            "default_settings": dict(cls.default_settings),
            "extension_points": list(cls.extension_points),
            "module": f"{cls.__module__}.{cls.__qualname__}",
        }


def _guarded(func):
    @functools.wraps(func)
    def ready(self, *args, **kwargs):
        try:
            return func(self, *args, **kwargs)
        except Exception as exc:
            log.exception("plugin %s: ready() failed", getattr(self, "id", self.name))
            LOAD_ERRORS[getattr(self, "id", self.name)] = f"ready(): {exc}"
            return None

    return ready


def loaded_plugins() -> dict[str, PortalPluginConfig]:
    """Plugin app configs loaded in this process, by plugin id."""
    from django.apps import apps

    return {c.id: c for c in apps.get_app_configs() if isinstance(c, PortalPluginConfig)}


def plugin_of_module(module: str) -> PortalPluginConfig | None:
    """The loaded plugin a Python module belongs to (None for core code)."""
    for config in loaded_plugins().values():
        if module == config.name or module.startswith(config.name + "."):
            return config
    return None
