"""Which plugins are enabled, read from the database and cached briefly per process.

Enabling or disabling a plugin is a row update: this process forgets its cache at once
(:func:`invalidate`), other processes within ``PLUGINS_STATE_TTL`` seconds. No restart.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError

_lock = threading.Lock()
_cache: dict[str, Any] = {"at": None, "enabled": frozenset(), "config": {}}


def _load() -> None:
    from marketplace.models import Plugin

    try:
        rows = list(
            Plugin.objects.filter(enabled=True).values_list("plugin_id", "config", "secret_config")
        )
    except DatabaseError:  # tables not migrated yet: nothing is enabled
        rows = []
    config = {}
    for plugin_id, plain, secret in rows:
        merged = dict(plain or {})
        if secret:
            try:
                merged.update(json.loads(secret))
            except ValueError:
                pass
        config[plugin_id] = merged
    _cache.update(at=time.monotonic(), enabled=frozenset(config), config=config)


def _fresh() -> dict[str, Any]:
    ttl = getattr(settings, "PLUGINS_STATE_TTL", 5.0)
    with _lock:
        if _cache["at"] is None or time.monotonic() - _cache["at"] > ttl:
            _load()
        return _cache


def invalidate() -> None:
    """Forget the cached state (called after every enable/disable/config change)."""
    with _lock:
        _cache["at"] = None


def enabled_plugin_ids() -> frozenset[str]:
    return _fresh()["enabled"]


def is_enabled(plugin_id: str) -> bool:
    return plugin_id in enabled_plugin_ids()


def plugin_settings(config) -> dict[str, Any]:
    """A plugin's effective settings: defaults < ``PLUGINS_CONFIG`` < database config."""
    merged = dict(config.default_settings)
    merged.update(getattr(settings, "PLUGINS_CONFIG", {}).get(config.id, {}))
    merged.update(_fresh()["config"].get(config.id, {}))
    return merged
