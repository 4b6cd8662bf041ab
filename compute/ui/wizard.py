"""The zone setup wizard, in CloudStack's order: zone → physical network and traffic types →
pod with IP range → cluster → host → primary storage → secondary storage → enable.

Each step calls one service; its ``ValidationError`` becomes field errors on the step's
form. Progress is read from the rows, so the wizard can be resumed at any step.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from compute import services
from compute.choices import AllocationState, HostStatus
from compute.models import Zone
from compute.pool_connect import create_pool_and_connect
from compute.ui import forms
from networking.services import create_physical_network, create_traffic_type
from portal.models import AsyncJob
from portal.services.jobs import JobError
from portal.ui.htmx import apply_errors, error_text
from portal.ui.views import PortalView
from storage.services import create_image_store

GIB = 1024**3

STEPS = [
    ("zone", "Zone"),
    ("physical", "Physical network"),
    ("pod", "Pod"),
    ("cluster", "Cluster"),
    ("host", "Host"),
    ("primary", "Primary storage"),
    ("secondary", "Secondary storage"),
    ("enable", "Enable"),
]
FORMS = {
    "zone": forms.ZoneForm,
    "physical": forms.PhysicalNetworkForm,
    "pod": forms.PodForm,
    "cluster": forms.ClusterForm,
    "host": forms.HostForm,
    "primary": forms.PrimaryStorageForm,
    "secondary": forms.SecondaryStorageForm,
}


def done_steps(zone: Zone | None) -> set[str]:
    if zone is None:
        return set()
    done = {"zone"}
    checks = {
        "physical": zone.physical_networks.exists(),
        "pod": zone.pods.exists(),
        "cluster": zone.clusters.exists(),
        "host": zone.hosts.exclude(status=HostStatus.CONNECTING).exists(),
        "primary": zone.storage_pools.exists(),
        "secondary": zone.image_stores.exists(),
        "enable": zone.allocation_state == AllocationState.ENABLED,
    }
    return done | {step for step, ok in checks.items() if ok}


def _next(step: str) -> str:
    keys = [key for key, _ in STEPS]
    return keys[min(keys.index(step) + 1, len(keys) - 1)]


def run_step(step: str, zone: Zone | None, data: dict, kw: dict):
    """Call the step's service(s); returns the zone (created by the first step)."""
    if step == "zone":
        return services.create_zone(**kw, **data)
    if step == "physical":
        traffic = data.pop("traffic_types")
        label = data.pop("kvm_label")
        with transaction.atomic():
            physical = create_physical_network(**kw, zone=zone, **data)
            for kind in traffic:
                create_traffic_type(
                    **kw, physical_network=physical, traffic_type=kind, kvm_label=label
                )
    elif step == "pod":
        services.create_pod(**kw, zone=zone, **data)
    elif step == "cluster":
        pod = zone.pods.order_by("id").first()
        services.create_cluster(**kw, zone=zone, pod=pod, **data)
    elif step == "host":
        cluster = zone.clusters.order_by("id").first()
        return services.add_host_and_wait(**kw, cluster=cluster, **data)  # Up, or JobError
    elif step == "primary":
        capacity = data.pop("capacity_gib")
        cluster = zone.clusters.order_by("id").first()
        extra = {"cluster": cluster} if data["scope"] == "CLUSTER" else {"zone": zone}
        if data["scope"] == "ZONE" and cluster is not None:
            extra["hypervisor"] = cluster.hypervisor
        if capacity is not None:
            extra["capacity_bytes"] = capacity * GIB
        create_pool_and_connect(**kw, **data, **extra)  # attached on the host, or JobError
    elif step == "secondary":
        create_image_store(**kw, zone=zone, **data)
    return zone


class ZoneWizardView(PortalView):
    admin_only = True

    def context(self, zone, step, form=None, **extra):
        done = done_steps(zone)
        return {
            "title": "Zone setup",
            "zone": zone,
            "step": step,
            "form": form,
            "steps": [
                {"key": key, "label": label, "done": key in done, "current": key == step}
                for key, label in STEPS
            ],
            "step_label": dict(STEPS)[step],
            "host_job": self.host_job(zone) if step == "host" else None,
            **extra,
        }

    def host_job(self, zone):
        host = zone.hosts.order_by("-id").first() if zone else None
        if host is None:
            return None
        return AsyncJob.objects.filter(command="host.connect", resource_id=str(host.uuid)).first()

    def get_zone(self, zone_pk):
        if zone_pk is None:
            return None
        return get_object_or_404(Zone.objects.restrict(self.request.user, "change"), pk=zone_pk)

    def url(self, zone, step):
        return reverse("compute:zone_wizard_step", args=[zone.pk, step])

    def get(self, request, zone_pk=None, step="zone"):
        if step not in dict(STEPS) or (zone_pk is None and step != "zone"):
            raise Http404("No such wizard step.")
        zone = self.get_zone(zone_pk)
        if zone is not None and step == "zone":
            return redirect(self.url(zone, "physical"))
        form_class = FORMS.get(step)
        form = form_class(user=request.user) if form_class else None
        return render(request, "compute/zone_wizard.html", self.context(zone, step, form))

    def post(self, request, zone_pk=None, step="zone"):
        if step not in dict(STEPS) or (zone_pk is None and step != "zone"):
            raise Http404("No such wizard step.")
        zone = self.get_zone(zone_pk)
        if zone is not None and step == "zone":
            return redirect(self.url(zone, "physical"))
        kw = {"acting_user": request.user, "client_ip": request.client_ip}
        if step == "enable":
            try:
                services.update_zone(zone, allocation_state=AllocationState.ENABLED, **kw)
            except (ValidationError, PermissionDenied) as exc:
                ctx = self.context(zone, step, None, error=error_text(exc))
                return render(request, "compute/zone_wizard.html", ctx)
            return redirect("compute:zone_detail", pk=zone.pk)
        form = FORMS[step](request.POST, user=request.user)
        if form.is_valid():
            try:
                result = run_step(step, zone, dict(form.cleaned_data), kw)
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, error_text(exc))
            except JobError as exc:  # the host did not connect and was removed: correct it
                form.add_error(None, str(exc))
            else:
                if step == "zone":
                    zone = result
                if step == "host":  # stay: the page shows the host's connect job
                    return redirect(self.url(zone, "host"))
                return redirect(self.url(zone, _next(step)))
        return render(request, "compute/zone_wizard.html", self.context(zone, step, form))
