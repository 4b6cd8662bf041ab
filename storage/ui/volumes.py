"""Tenant volumes: live list (rows in transitional states poll), create with the quota shown,
attach/detach/resize/delete with job progress ending in a toast, and per-volume snapshots
(take, revert when the instance is stopped, delete)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from compute.choices import InstanceState
from compute.models import Instance
from portal.choices import ResourceType
from portal.models import AsyncJob
from portal.ui.activity import job_toast
from portal.ui.htmx import STOP_POLLING, add_toast, error_text
from portal.ui.quota import quota_rows
from portal.ui.tables import Column, Table
from portal.ui.views import ObjectListView, PortalView, ServiceFormView
from storage.choices import VolumeState, VolumeType
from storage.filtersets import VolumeFilterSet
from storage.models import Snapshot, SnapshotState, Volume
from storage.services import snapshots as snapshot_services
from storage.services import volumes as volume_services
from storage.ui.forms import SnapshotForm, VolumeCreateForm, VolumeResizeForm

TRANSITIONAL = {
    VolumeState.CREATING,
    VolumeState.ATTACHING,
    VolumeState.MIGRATING,
    VolumeState.DESTROY,
}
SNAPSHOT_TRANSITIONAL = {SnapshotState.CREATING, SnapshotState.DESTROYING}
QUOTA_TYPES = (ResourceType.VOLUME, ResourceType.PRIMARY_STORAGE)
ATTACHABLE = (VolumeState.ALLOCATED, VolumeState.READY)


def volume_queryset():
    return Volume.objects.select_related("instance", "zone", "account", "disk_offering", "pool")


def service_kwargs(request) -> dict:
    return {"acting_user": request.user, "client_ip": getattr(request, "client_ip", None)}


def volume_actions(volume) -> list[dict]:
    """Detach/delete buttons the volume's state allows (attach is a form, resize a page)."""
    if volume.volume_type != VolumeType.DATADISK or volume.removed is not None:
        return []
    actions = []
    if volume.instance_id and volume.state == VolumeState.READY:
        actions.append(
            {
                "key": "detach",
                "label": "Detach",
                "confirm": f"Detach {volume.name} from {volume.instance.name}?",
            }
        )
    if not volume.instance_id and volume.state in (*ATTACHABLE, VolumeState.ERROR):
        actions.append(
            {
                "key": "delete",
                "label": "Delete",
                "confirm": f"Delete {volume.name}? Its data is lost.",
                "danger": True,
            }
        )
    return actions


def can_attach(volume) -> bool:
    return (
        volume.volume_type == VolumeType.DATADISK
        and volume.removed is None
        and volume.instance_id is None
        and volume.state in ATTACHABLE
    )


def attachable_instances(user, volume):
    """The volume owner's instances in its zone that a volume can attach to."""
    return (
        Instance.objects.restrict(user, "change")
        .filter(
            account_id=volume.account_id,
            zone_id=volume.zone_id,
            removed__isnull=True,
            state__in=volume_services.ATTACHABLE_INSTANCE_STATES,
        )
        .only("pk", "name", "display_name", "state")
        .order_by("name")
    )


def job_for(request, resource) -> AsyncJob | None:
    """The job named by ``?job=`` if it is the user's and about ``resource``."""
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    return (
        AsyncJob.objects.restrict(request.user)
        .filter(pk=job_id, resource_id=str(resource.uuid))
        .first()
    )


def finish(request, response, job, polling: bool, toast=None):
    """Stop htmx polling once settled (286) and toast a finished job."""
    if not polling:
        if request.method == "GET" and request.htmx:
            response.status_code = STOP_POLLING
        if job is not None and job.is_done:
            add_toast(response, *job_toast(job))
    if toast:
        add_toast(response, *toast)
    return response


class VolumeTable(Table):
    detail_url = "storage:volume_detail"
    row_template = "storage/volume_row.html"
    columns = [
        Column("name", sort="name"),
        Column("volume_type", "Type", sort="volume_type"),
        Column("size", sort="size"),
        Column("state", sort="state"),
        Column("instance", "Attached to"),
        Column("zone", sort="zone__name"),
        Column("actions", "Actions"),
    ]

    def rows(self):
        return [
            {"obj": v, "actions": volume_actions(v), "polling": v.state in TRANSITIONAL}
            for v in self.objects
        ]


class VolumeListView(ObjectListView):
    queryset = volume_queryset().filter(removed__isnull=True)
    filterset = VolumeFilterSet
    table = VolumeTable
    title = "Volumes"
    filter_fields = ("state", "volume_type")
    create_url = "storage:volume_create"
    create_label = "Add volume"
    template_name = "storage/volume_list.html"

    def get_context(self):
        context = super().get_context()
        if self.request.user.account_id:
            context["quota"] = quota_rows(self.request.user.account, QUOTA_TYPES)
        return context


class VolumeCreateView(ServiceFormView):
    form_class = VolumeCreateForm
    title = "Add volume"
    template_name = "storage/volume_form.html"
    submit_label = "Create volume"

    def render_form(self, form):
        quota = (
            quota_rows(self.request.user.account, QUOTA_TYPES)
            if self.request.user.account_id
            else []
        )
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "title": self.title,
                "submit_label": self.submit_label,
                "cancel_url": reverse("storage:volume_list"),
                "quota": quota,
            },
        )

    def success_message(self, result):
        return f"Volume {result.name} created."

    def call_service(self, form):
        return volume_services.create_volume(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("storage:volume_detail", args=[result.pk])


def _status_context(request, volume, job):
    polling = volume.state in TRANSITIONAL or (job is not None and not job.is_done)
    return {
        "volume": volume,
        "obj": volume,
        "job": job,
        "polling": polling,
        "actions": volume_actions(volume),
        "can_attach": can_attach(volume),
        "instances": attachable_instances(request.user, volume) if can_attach(volume) else [],
        "selectable": False,
    }


def render_volume(request, volume, job, template, status=200, toast=None):
    context = _status_context(request, volume, job)
    response = render(request, template, context, status=status)
    return finish(request, response, job, context["polling"], toast)


class VolumeDetailView(PortalView):
    def get(self, request, pk):
        volume = get_object_or_404(volume_queryset().restrict(request.user), pk=pk)
        job = job_for(request, volume)
        jobs = AsyncJob.objects.restrict(request.user).filter(resource_id=str(volume.uuid))
        context = _status_context(request, volume, job) | {
            "object": volume,
            "title": f"Volume {volume.name}",
            "jobs": jobs.select_related("user")[:20],
            **snapshot_context(request, volume, None),
        }
        return render(request, "storage/volume_detail.html", context)


class VolumeRowView(PortalView):
    """One list row / the detail's status panel, polled while transitional or its job runs."""

    template = "storage/volume_row.html"

    def get(self, request, pk):
        volume = get_object_or_404(volume_queryset().restrict(request.user), pk=pk)
        return render_volume(request, volume, job_for(request, volume), self.template)


class VolumeStatusView(VolumeRowView):
    template = "storage/volume_status.html"


class VolumeActionView(PortalView):
    """POST attach (``instance``), detach or delete; answers the status panel (or the row)
    showing the job, or redirects without htmx."""

    ACTIONS = ("attach", "detach", "delete")

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            return HttpResponse(status=404)
        volume = get_object_or_404(volume_queryset().restrict(request.user, "change"), pk=pk)
        template = "storage/volume_status.html"
        if request.htmx and request.htmx.target not in (None, "volume-status"):
            template = "storage/volume_row.html"
        try:
            job = self.run(request, volume, action)
        except (ValidationError, PermissionDenied) as exc:
            volume.refresh_from_db()
            if not request.htmx:
                messages.error(request, error_text(exc))
                return redirect("storage:volume_detail", pk=pk)
            return render_volume(request, volume, None, template, toast=(error_text(exc), "error"))
        volume = volume_queryset().get(pk=pk)
        if job is not None:
            job.refresh_from_db()  # it may already have run (eager workers, tests)
        if not request.htmx:
            url = reverse("storage:volume_detail", args=[pk])
            return redirect(f"{url}?job={job.pk}" if job else url)
        toast = None if job else (f"{action.capitalize()}: done.", "success")
        return render_volume(request, volume, job, template, toast=toast)

    def run(self, request, volume, action):
        kwargs = service_kwargs(request)
        if action == "attach":
            raw = request.POST.get("instance", "")
            instance = (
                attachable_instances(request.user, volume).filter(pk=raw).first()
                if raw.isdigit()
                else None
            )
            if instance is None:
                raise ValidationError({"instance": "Choose one of your instances in this zone."})
            return volume_services.attach_volume(volume, instance, **kwargs)
        if action == "detach":
            return volume_services.detach_volume(volume, **kwargs)
        return volume_services.delete_volume(volume, **kwargs)


class VolumeResizeView(ServiceFormView):
    form_class = VolumeResizeForm
    submit_label = "Resize"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.volume = get_object_or_404(
                volume_queryset().restrict(request.user, "change").filter(removed__isnull=True),
                pk=kwargs["pk"],
            )
            self.title = f"Resize volume {self.volume.name}"
            self.cancel_url = reverse("storage:volume_detail", args=[self.volume.pk])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {"user": self.request.user, "initial": {"size": -(-self.volume.size // 1024**3)}}

    def call_service(self, form):
        return volume_services.resize_volume(
            self.volume, **self.service_kwargs(), **form.cleaned_data
        )

    def success_url(self, result):
        return reverse("storage:volume_detail", args=[result.pk])


# --- snapshots -------------------------------------------------------------------------


def snapshot_context(request, volume, job) -> dict:
    snapshots = list(volume.snapshots.filter(removed__isnull=True).order_by("-id"))
    instance = volume.instance
    revertable = instance is None or instance.state == InstanceState.STOPPED
    polling = any(s.state in SNAPSHOT_TRANSITIONAL for s in snapshots) or (
        job is not None and not job.is_done
    )
    return {
        "volume": volume,
        "snapshots": snapshots,
        "snapshot_job": job,
        "snapshot_polling": polling,
        "revertable": revertable,
        "can_snapshot": volume.state == VolumeState.READY and volume.removed is None,
        "snapshot_form": SnapshotForm(),
    }


def render_snapshots(request, volume, job, toast=None):
    context = snapshot_context(request, volume, job)
    response = render(request, "storage/volume_snapshots.html", context)
    return finish(request, response, job, context["snapshot_polling"], toast)


def _snapshot_job(request) -> AsyncJob | None:
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    return AsyncJob.objects.restrict(request.user).filter(pk=job_id).first()


class VolumeSnapshotsView(PortalView):
    """GET: the snapshots panel (polled while a snapshot is busy). POST: take a snapshot."""

    def get(self, request, pk):
        volume = get_object_or_404(volume_queryset().restrict(request.user), pk=pk)
        return render_snapshots(request, volume, _snapshot_job(request))

    def post(self, request, pk):
        volume = get_object_or_404(volume_queryset().restrict(request.user, "change"), pk=pk)
        form = SnapshotForm(request.POST)
        name = form.cleaned_data["name"] if form.is_valid() else ""
        try:
            _, job = snapshot_services.create_snapshot(volume, name=name, **service_kwargs(request))
        except (ValidationError, PermissionDenied) as exc:
            return self.refused(request, volume, exc)
        return self.answer(request, volume, job)

    @staticmethod
    def refused(request, volume, exc):
        if not request.htmx:
            messages.error(request, error_text(exc))
            return redirect("storage:volume_detail", pk=volume.pk)
        return render_snapshots(request, volume, None, toast=(error_text(exc), "error"))

    @staticmethod
    def answer(request, volume, job):
        job.refresh_from_db()
        if not request.htmx:
            messages.success(request, f"{job.command} started.")
            return redirect("storage:volume_detail", pk=volume.pk)
        return render_snapshots(request, volume_queryset().get(pk=volume.pk), job)


class SnapshotActionView(PortalView):
    """POST revert or delete of one snapshot of the volume."""

    def post(self, request, pk, snapshot_pk, action):
        if action not in ("revert", "delete"):
            return HttpResponse(status=404)
        volume = get_object_or_404(volume_queryset().restrict(request.user, "change"), pk=pk)
        snapshot = get_object_or_404(
            Snapshot.objects.restrict(request.user, "change").filter(
                volume=volume, removed__isnull=True
            ),
            pk=snapshot_pk,
        )
        func = (
            snapshot_services.revert_snapshot
            if action == "revert"
            else snapshot_services.delete_snapshot
        )
        try:
            job = func(snapshot, **service_kwargs(request))
        except (ValidationError, PermissionDenied) as exc:
            return VolumeSnapshotsView.refused(request, volume, exc)
        return VolumeSnapshotsView.answer(request, volume, job)
