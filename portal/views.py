"""Portal pages. The landing page shows counts and recent jobs (no agent I/O here)."""

from django.shortcuts import render

from compute.models import Host, Instance, Zone
from portal.models import AsyncJob


def home(request):
    context = {}
    if request.user.is_authenticated:
        user = request.user
        context["cards"] = [
            {"label": "Zones", "value": Zone.objects.restrict(user).count()},
            {"label": "Hosts", "value": Host.objects.restrict(user).count()},
            {"label": "Instances", "value": Instance.objects.restrict(user).count()},
        ]
        context["jobs"] = AsyncJob.objects.restrict(user)[:10]
    return render(request, "portal/home.html", context)
