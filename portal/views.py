"""The dashboard: admins see capacity per zone, host states, the management servers (heartbeat
age, which one runs the periodic jobs) and recent activity; tenants see their instances,
quota usage and their recent jobs. No agent I/O here (rows only)."""

from django.shortcuts import render

from compute.choices import InstanceState
from compute.models import Host, Instance, Zone
from portal.models import AsyncJob, Event
from portal.querysets import is_root_admin
from portal.services.management import servers as management_servers
from portal.ui.capacity import host_states, zone_capacity
from portal.ui.quota import quota_rows


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "portal/landing.html")
    instances = Instance.objects.restrict(user).filter(removed__isnull=True)
    context = {
        "title": "Dashboard",
        "cards": [
            {"label": "Instances", "value": instances.exclude(state="Expunged").count()},
            {
                "label": "Running",
                "value": instances.filter(state=InstanceState.RUNNING).count(),
            },
        ],
        "jobs": AsyncJob.objects.restrict(user).select_related("user")[:10],
        "events": Event.objects.restrict(user).select_related("user")[:10],
    }
    if is_root_admin(user):
        context["cards"] = [
            {"label": "Zones", "value": Zone.objects.count()},
            {"label": "Hosts", "value": Host.objects.count()},
            *context["cards"],
        ]
        context["capacity"] = zone_capacity(Zone.objects.order_by("name"))
        context["host_states"] = host_states()
        context["management_servers"] = management_servers()
        context["alerts"] = Event.objects.filter(level__in=["WARN", "ERROR"]).select_related(
            "user"
        )[:10]
    if user.account_id and not is_root_admin(user):
        context["quota"] = quota_rows(user.account)
    return render(request, "portal/dashboard.html", context)
