"""Settings page (root admins): CloudStack's configuration settings filtered by group and
scope; each value is edited or reset in place through the configuration services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from portal.config.keys import GLOBAL, GROUPS
from portal.services import configuration as services
from portal.ui.htmx import error_text
from portal.ui.views import PortalView

SCOPE_LABELS = {
    "global": "Global",
    "zone": "Zone",
    "cluster": "Cluster",
    "storagepool": "Primary storage",
    "account": "Account",
    "domain": "Domain",
}


def _objects(scope: str):
    if scope == GLOBAL:
        return []
    model = services.scope_model(scope)
    return list(model.objects.order_by("pk")[:500])


def _scope(params):
    """(scope, object, objects to choose from) from the query string or the form."""
    scope = params.get("scope") or GLOBAL
    if scope not in SCOPE_LABELS:
        scope = GLOBAL
    objects = _objects(scope)
    wanted = params.get("object") or ""
    obj = next((o for o in objects if str(o.uuid) == wanted), objects[0] if objects else None)
    return scope, obj, objects


class SettingsView(PortalView):
    admin_only = True

    def get(self, request, status=200):
        scope, obj, objects = _scope(request.GET)
        group, query = request.GET.get("group", ""), request.GET.get("q", "").strip().lower()
        rows = services.settings_at(scope, obj) if scope == GLOBAL or obj is not None else []
        if group:
            rows = [s for s in rows if s.key.group == group]
        if query:
            rows = [s for s in rows if query in s.key.name.lower()]
        context = {
            "title": "Settings",
            "rows": rows,
            "scopes": SCOPE_LABELS.items(),
            "scope": scope,
            "objects": objects,
            "obj": obj,
            "groups": sorted(GROUPS, key=lambda g: GROUPS[g][1]),
            "group": group,
            "query": request.GET.get("q", ""),
        }
        return render(request, "portal/settings.html", context, status=status)

    def post(self, request):
        scope, obj, _ = _scope(request.POST)
        name = request.POST.get("name", "")
        try:
            if request.POST.get("action") == "reset":
                services.reset_configuration(name, scope=scope, obj=obj, **self.service_kwargs())
                messages.success(request, f"{name} reset.")
            else:
                services.update_configuration(
                    name,
                    request.POST.get("value", ""),
                    scope=scope,
                    obj=obj,
                    **self.service_kwargs(),
                )
                messages.success(request, f"{name} saved.")
        except services.UnknownKey:
            messages.error(request, f"There is no setting {name}.")
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        params = {"scope": scope, "group": request.POST.get("group", "")}
        if obj is not None:
            params["object"] = str(obj.uuid)
        return redirect(reverse("portal:settings") + "?" + urlencode(params))
