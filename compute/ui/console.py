"""The browser console pages: noVNC connected through the console proxy. The instance's
console page asks for a fresh single-use token at each load; the token page
(createConsoleEndpoint's ``url``) uses the token it is given, which is its only credential."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views import View

from compute.console import ConsoleUnavailable, issue_console, proxy_url, token_ttl
from compute.models import Instance
from portal.ui.views import PortalView


def _no_store(response):
    response["Cache-Control"] = "no-store"  # the page carries a token
    return response


class InstanceConsoleView(PortalView):
    def get(self, request, pk):
        instance = get_object_or_404(
            Instance.objects.restrict(request.user, "change").select_related("host"), pk=pk
        )
        name = instance.display_name or instance.name
        context = {"instance": instance, "title": f"Console · {name}", "ttl": token_ttl()}
        try:
            context["grant"] = issue_console(
                acting_user=request.user, instance=instance, client_ip=request.client_ip
            )
        except ConsoleUnavailable as exc:
            context["problem"] = str(exc)
        return _no_store(render(request, "compute/instance_console.html", context))


class ConsoleTokenView(View):
    def get(self, request):
        context = {
            "url": proxy_url(),
            "token": request.GET.get("token", "")[:128],
            "extra": request.GET.get("extra", "")[:1024],
            "ttl": token_ttl(),
        }
        return _no_store(render(request, "compute/console_token.html", context))
