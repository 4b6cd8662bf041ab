"""Marketplace: vendor plugins (Django apps) and script extensions."""

from django.apps import AppConfig
from django.core import checks


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        from celery.signals import task_prerun

        from marketplace import script_hooks, tasks  # noqa: F401  (job handlers, script hooks)

        task_prerun.connect(_worker_heartbeat, weak=False, dispatch_uid="marketplace-heartbeat")
        checks.register(check_plugins, "plugins")


def _worker_heartbeat(**kwargs) -> None:
    """Celery workers report the plugin generation they run (rate-limited)."""
    import time

    from marketplace import reload

    now = time.monotonic()
    if now - _worker_heartbeat.last >= reload.heartbeat_interval():
        _worker_heartbeat.last = now
        reload.write_heartbeat("worker")


_worker_heartbeat.last = 0.0


def check_plugins(app_configs=None, **kwargs):
    """``manage.py check --tag plugins``: plugins skipped or broken at load (warnings)."""
    from django.conf import settings

    from marketplace.plugin import LOAD_ERRORS

    errors = {**getattr(settings, "PLUGIN_LOAD_ERRORS", {}), **LOAD_ERRORS}
    return [
        checks.Warning(f"plugin {name}: {message}", id="marketplace.W001")
        for name, message in sorted(errors.items())
    ]
