"""Celery application: jobs are dispatched to workers through Redis.

Plugins add periodic jobs through the ``celery.periodic`` hook. Every plugin's entries are
scheduled (disabled ones too, so enabling needs no restart) through
:func:`run_plugin_periodic`, which checks at run time that the plugin is enabled before
calling the plugin's task: a disabled plugin's periodic job never runs.
"""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

log = logging.getLogger(__name__)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def plugin_beat_entries() -> dict[str, dict]:
    """``plugin:<id>:<name>`` -> a beat entry running the plugin task through the gate."""
    from marketplace import hooks
    from marketplace.plugin import plugin_of_module

    entries = {}
    for _, func in sorted(hooks._registry.get("celery.periodic", []), key=lambda e: e[0]):
        owner = plugin_of_module(getattr(func, "__module__", "") or "")
        owner_id = owner.id if owner is not None else ""
        try:
            found = func() or {}
        except Exception:
            log.exception("celery.periodic hook %s failed", func.__qualname__)
            continue
        for name, spec in found.items():
            if not isinstance(spec, dict) or "task" not in spec or "schedule" not in spec:
                log.warning("celery.periodic: bad entry %s", name)
                continue
            entries[f"plugin:{owner_id or 'core'}:{name}"] = {
                "task": "portal.celery.run_plugin_periodic",
                "schedule": spec["schedule"],
                "args": (
                    owner_id,
                    spec["task"],
                    list(spec.get("args", ())),
                    spec.get("kwargs", {}),
                ),
            }
    return entries


@app.on_after_finalize.connect
def _add_plugin_periodic(sender, **kwargs) -> None:
    try:
        sender.conf.beat_schedule = {**(sender.conf.beat_schedule or {}), **plugin_beat_entries()}
    except Exception:  # a broken plugin never stops the workers or beat
        log.exception("could not read the plugins' periodic jobs")


@app.task(name="portal.celery.run_plugin_periodic")
def run_plugin_periodic(plugin_id: str, task: str, args=(), kwargs=None):
    """Run a plugin's periodic task only while the plugin is enabled."""
    from marketplace import state

    if plugin_id and not state.is_enabled(plugin_id):
        return {"skipped": f"plugin {plugin_id} is disabled"}
    return app.tasks[task](*(args or ()), **(kwargs or {}))
