"""Tenant instances: live list (only transitional rows poll), deploy wizard, lifecycle
actions with job progress, detail with volumes, NICs and job history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from compute import lifecycle
from compute.choices import InstanceState
from compute.filtersets import InstanceFilterSet
from compute.lifecycle import InvalidStateTransition
from compute.models import Instance
from compute.ui.forms import DeployForm
from networking.models import Nic
from portal.models import AsyncJob
from portal.ui.activity import job_toast
from portal.ui.htmx import STOP_POLLING, add_toast, apply_errors, error_text, is_partial
from portal.ui.quota import quota_rows
from portal.ui.tables import Column, Table
from portal.ui.views import BulkAction, ObjectListView, PortalView

TRANSITIONAL = {
    InstanceState.STARTING,
    InstanceState.STOPPING,
    InstanceState.MIGRATING,
    InstanceState.EXPUNGING,
}

#: Actions offered per state (Horizon's state-aware row actions).
ACTIONS = {
    "start": ("Start", {InstanceState.STOPPED}, ""),
    "stop": ("Stop", {InstanceState.RUNNING}, "Stop {name}?"),
    "reboot": ("Reboot", {InstanceState.RUNNING}, "Reboot {name}?"),
    "destroy": (
        "Destroy",
        {InstanceState.RUNNING, InstanceState.STOPPED, InstanceState.ERROR},
        "Destroy {name}? Its root disk goes with it.",
    ),
    "recover": ("Recover", {InstanceState.DESTROYED}, ""),
}


def instance_queryset():
    return (
        Instance.objects.filter(removed__isnull=True)
        .select_related("zone", "service_offering", "template", "account")
        .prefetch_related(Prefetch("nics", queryset=Nic.objects.order_by("device_id")))
    )


def available_actions(instance) -> list[dict]:
    name = instance.display_name or instance.name
    return [
        {"key": key, "label": label, "confirm": confirm.format(name=name)}
        for key, (label, states, confirm) in ACTIONS.items()
        if instance.state in states
    ]


def _run(action: str, instance, request):
    kwargs = {"acting_user": request.user, "client_ip": request.client_ip}
    if action == "start":
        return lifecycle.start_instance(instance, **kwargs)
    if action == "stop":
        return lifecycle.stop_instance(instance, **kwargs)
    if action == "reboot":
        return lifecycle.reboot_instance(instance, **kwargs)
    if action == "destroy":
        return lifecycle.destroy_instance(instance, **kwargs)
    if action == "recover":
        lifecycle.recover_instance(instance, **kwargs)
        return None
    raise ValidationError(f"Unknown action {action}.")


class InstanceTable(Table):
    detail_url = "compute:instance_detail"
    row_template = "compute/instance_row.html"
    columns = [
        Column("name", sort="name", link=True),
        Column("state", sort="state"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("ip", "IP address"),
        Column("offering", accessor="service_offering.name"),
        Column("created", sort="created"),
        Column("actions", "Actions"),
    ]

    def rows(self):
        return [
            {
                "obj": instance,
                "actions": available_actions(instance),
                "polling": instance.state in TRANSITIONAL,
            }
            for instance in self.objects
        ]


def _bulk(action):
    def run(instance, *, acting_user, client_ip):
        request = type("R", (), {"user": acting_user, "client_ip": client_ip})
        try:
            return _run(action, instance, request)
        except InvalidStateTransition as exc:
            raise ValidationError(str(exc)) from exc

    return run


class InstanceListView(ObjectListView):
    queryset = instance_queryset()
    filterset = InstanceFilterSet
    table = InstanceTable
    title = "Instances"
    filter_fields = ("state",)
    create_url = "compute:instance_deploy"
    create_label = "Deploy instance"
    template_name = "compute/instance_list.html"
    bulk_actions = {
        "start": BulkAction("Start", _bulk("start")),
        "stop": BulkAction("Stop", _bulk("stop"), "Stop the selected instances?"),
        "destroy": BulkAction(
            "Destroy", _bulk("destroy"), "Destroy the selected instances?", danger=True
        ),
    }

    def get_queryset(self):
        return super().get_queryset().exclude(state=InstanceState.EXPUNGED)

    def get_context(self):
        context = super().get_context()
        if self.request.user.account_id:
            context["quota"] = quota_rows(self.request.user.account)
        return context


def _job_for(request, instance) -> AsyncJob | None:
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    return (
        AsyncJob.objects.restrict(request.user)
        .filter(pk=job_id, resource_id=str(instance.uuid))
        .first()
    )


def _partial(request, instance, job, template: str, status: int = 200, toast=None):
    polling = instance.state in TRANSITIONAL or (job is not None and not job.is_done)
    context = {
        "instance": instance,
        "job": job,
        "polling": polling,
        "actions": available_actions(instance),
        "selectable": True,
    }
    response = render(request, template, context, status=status)
    if not polling:
        if request.method == "GET" and request.htmx:
            response.status_code = STOP_POLLING  # htmx stops polling this element
        if job is not None and job.is_done:
            add_toast(response, *job_toast(job))
    if toast:
        add_toast(response, *toast)
    return response


class InstanceRowView(PortalView):
    """One row of the list (polled while the instance is in a transitional state or its
    job runs; 286 once settled)."""

    template = "compute/instance_row.html"

    def get(self, request, pk):
        instance = get_object_or_404(instance_queryset().restrict(request.user), pk=pk)
        return _partial(request, instance, _job_for(request, instance), self.template)


class InstanceStatusView(InstanceRowView):
    template = "compute/instance_status.html"


class InstanceActionView(PortalView):
    """POST a lifecycle verb; answers the updated row (or status panel) showing the job."""

    def post(self, request, pk, action):
        if action not in ACTIONS:
            return HttpResponse(status=404)
        instance = get_object_or_404(instance_queryset().restrict(request.user, "change"), pk=pk)
        target = "compute/instance_status.html"
        if request.htmx and request.htmx.target not in (None, "instance-status"):
            target = "compute/instance_row.html"
        try:
            job = _run(action, instance, request)
        except (ValidationError, PermissionDenied, InvalidStateTransition) as exc:
            instance.refresh_from_db()
            if not request.htmx:
                messages.error(request, error_text(exc))
                return redirect("compute:instance_detail", pk=pk)
            return _partial(request, instance, None, target, toast=(error_text(exc), "error"))
        instance.refresh_from_db()
        if job is not None:
            job.refresh_from_db()  # it may already have run (eager workers, tests)
        if not request.htmx:
            url = reverse("compute:instance_detail", args=[pk])
            return redirect(f"{url}?job={job.pk}" if job else url)
        label = ACTIONS[action][0]
        toast = None if job else (f"{label}: done.", "success")
        return _partial(request, instance, job, target, toast=toast)


class InstanceDetailView(PortalView):
    def get(self, request, pk):
        instance = get_object_or_404(instance_queryset().restrict(request.user), pk=pk)
        job = _job_for(request, instance)
        jobs = AsyncJob.objects.restrict(request.user).filter(resource_id=str(instance.uuid))
        context = {
            "instance": instance,
            "object": instance,
            "job": job,
            "polling": instance.state in TRANSITIONAL or (job is not None and not job.is_done),
            "actions": available_actions(instance),
            **_instance_volumes_context(request, instance, None),
            "nics": instance.nics.select_related("network").order_by("device_id"),
            "jobs": jobs.select_related("user")[:20],
            "title": instance.display_name or instance.name,
        }
        return render(request, "compute/instance_detail.html", context)


class InstanceDeployView(PortalView):
    """The deploy wizard: one page, steps in CloudStack's order, validated by the service."""

    def render_form(self, form):
        quota = quota_rows(self.request.user.account) if self.request.user.account_id else []
        return render(
            self.request,
            "compute/instance_deploy.html",
            {"form": form, "quota": quota, "title": "Deploy instance"},
        )

    def refreshed(self, data):
        """The form re-rendered for a zone change (htmx) with that zone's templates and
        networks, keeping what was already filled in (not validated yet)."""
        initial = {name: data.get(name) for name in DeployForm.base_fields if data.get(name)}
        form = DeployForm(user=self.request.user, initial=initial)
        if is_partial(self.request, "deploy-form"):
            return render(self.request, "compute/instance_deploy.html#deploy-form", {"form": form})
        return self.render_form(form)

    def get(self, request):
        return self.refreshed(request.GET)

    def post(self, request):
        if is_partial(request, "deploy-form"):
            return self.refreshed(request.POST)
        form = DeployForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            network = data.pop("network")
            try:
                instance, job = lifecycle.deploy_instance(
                    acting_user=request.user,
                    client_ip=request.client_ip,
                    networks=[network] if network else None,
                    **data,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, error_text(exc))
            else:
                url = reverse("compute:instance_detail", args=[instance.pk])
                return redirect(f"{url}?job={job.pk}" if job else url)
        return self.render_form(form)


def _instance_volumes_context(request, instance, job) -> dict:
    from storage.choices import VolumeState, VolumeType
    from storage.models import Volume

    volumes = instance.volumes.filter(removed__isnull=True).select_related("pool")
    attachable = []
    if instance.state in (InstanceState.RUNNING, InstanceState.STOPPED):
        attachable = (
            Volume.objects.restrict(request.user, "change")
            .filter(
                account_id=instance.account_id,
                zone_id=instance.zone_id,
                volume_type=VolumeType.DATADISK,
                instance__isnull=True,
                removed__isnull=True,
                state__in=(VolumeState.ALLOCATED, VolumeState.READY),
            )
            .order_by("name")
        )
    busy = any(v.state in (VolumeState.ATTACHING, VolumeState.CREATING) for v in volumes)
    return {
        "instance": instance,
        "volumes": volumes,
        "attachable": attachable,
        "volume_job": job,
        "volumes_polling": busy or (job is not None and not job.is_done),
    }


class InstanceVolumesView(PortalView):
    """The instance's volumes panel. GET: polled while a volume job runs (286 once done,
    with its toast). POST ``action=attach|detach`` with ``volume``: calls the volume service
    and answers the panel showing the job."""

    def render_panel(self, request, instance, job, toast=None):
        from storage.ui.volumes import finish

        context = _instance_volumes_context(request, instance, job)
        response = render(request, "compute/instance_volumes.html", context)
        return finish(request, response, job, context["volumes_polling"], toast)

    def get(self, request, pk):
        instance = get_object_or_404(instance_queryset().restrict(request.user), pk=pk)
        job_id = request.GET.get("job", "")
        job = (
            AsyncJob.objects.restrict(request.user).filter(pk=job_id).first()
            if job_id.isdigit()
            else None
        )
        return self.render_panel(request, instance, job)

    def post(self, request, pk):
        from storage.models import Volume
        from storage.services import volumes as volume_services

        instance = get_object_or_404(instance_queryset().restrict(request.user, "change"), pk=pk)
        action = request.POST.get("action", "")
        raw = request.POST.get("volume", "")
        kwargs = {"acting_user": request.user, "client_ip": request.client_ip}
        try:
            volume = (
                Volume.objects.restrict(request.user, "change")
                .filter(pk=raw, removed__isnull=True)
                .first()
                if raw.isdigit()
                else None
            )
            if volume is None:
                raise ValidationError({"volume": "Choose one of your volumes."})
            if action == "attach":
                job = volume_services.attach_volume(volume, instance, **kwargs)
            elif action == "detach":
                if volume.instance_id != instance.pk:
                    raise ValidationError({"volume": "The volume is not attached here."})
                job = volume_services.detach_volume(volume, **kwargs)
            else:
                return HttpResponse("Unknown action.", status=400)
        except (ValidationError, PermissionDenied) as exc:
            if not request.htmx:
                messages.error(request, error_text(exc))
                return redirect("compute:instance_detail", pk=pk)
            return self.render_panel(request, instance, None, toast=(error_text(exc), "error"))
        job.refresh_from_db()
        instance.refresh_from_db()
        if not request.htmx:
            messages.success(request, f"{job.command} started.")
            return redirect("compute:instance_detail", pk=pk)
        return self.render_panel(request, instance, job)
