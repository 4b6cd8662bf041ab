"""Process generation reporting: "pending reload" until every process runs the new set.

The marketplace bumps ``generation`` in ``PLUGINS_DIR/installed.json`` after each install,
upgrade or uninstall. Each web process (here) and Celery worker (``marketplace.apps``)
compares the generation it loaded at start (``settings.PLUGINS_GENERATION``) with that
file and writes a heartbeat file ``PLUGINS_DIR/processes/<host>-<pid>.json``, at most once
every ``PLUGINS_HEARTBEAT_SECONDS``. No database query is made per request.
"""

from __future__ import annotations

import time

from marketplace import reload

_last = {"at": 0.0}


class PluginGenerationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        now = time.monotonic()
        if now - _last["at"] >= reload.heartbeat_interval():
            _last["at"] = now
            reload.write_heartbeat("web")
        if reload.reload_pending_here():
            response["X-Plugins-Reload-Pending"] = "1"
        return response
