"""Plugin URL dispatch: ``/plugins/<id>/...`` and ``/api/plugins/<id>/...``.

The plugin's own URLconf (its ``urls`` / ``api.urls`` module) is resolved per request, after
checking in the database-backed state that the plugin is enabled: a disabled (or unknown, or
not yet loaded) plugin answers 404 at once, without a restart.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from marketplace import state
from marketplace.plugin import loaded_plugins


def _dispatch(request: HttpRequest, plugin_id: str, rest: str, *, api: bool) -> HttpResponse:
    config = loaded_plugins().get(plugin_id)
    if config is None or not state.is_enabled(plugin_id):
        raise Http404("No such plugin, or it is disabled.")
    urlconf = config.import_submodule(config.api_urls_module if api else config.urls_module)
    if urlconf is None:
        raise Http404("This plugin has no such URLs.")
    try:
        match = resolve("/" + rest, urlconf=urlconf)
    except Resolver404 as exc:
        raise Http404("Not found in this plugin.") from exc
    if not getattr(match.func, "csrf_exempt", False):
        # The dispatcher is exempt so DRF can do its own checks; plain views get CSRF here.
        rejected = CsrfViewMiddleware(lambda r: None).process_view(
            request, match.func, match.args, match.kwargs
        )
        if rejected is not None:
            return rejected
    request.resolver_match = match
    return match.func(request, *match.args, **match.kwargs)


@csrf_exempt
def plugin_view(request: HttpRequest, plugin_id: str, rest: str = "") -> HttpResponse:
    return _dispatch(request, plugin_id, rest, api=False)


@csrf_exempt
def plugin_api_view(request: HttpRequest, plugin_id: str, rest: str = "") -> HttpResponse:
    return _dispatch(request, plugin_id, rest, api=True)
