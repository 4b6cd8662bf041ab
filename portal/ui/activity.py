"""Jobs and events: lists (shared FilterSets), job detail, the live job progress badge, CSV."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from portal.choices import JobStatus
from portal.filtersets import AsyncJobFilterSet, EventFilterSet
from portal.models import AsyncJob, Event
from portal.ui.htmx import STOP_POLLING, add_toast
from portal.ui.tables import Column, Table
from portal.ui.views import ObjectDetailView, ObjectListView, PortalView


def _live_progress(job):
    """The job's progress badge (with a failed job's error); it polls itself while the job
    runs."""
    return mark_safe(render_to_string("ui/job_progress.html", {"job": job}))  # noqa: S308


class JobTable(Table):
    detail_url = "portal:job_detail"
    columns = [
        Column("command", sort="command", link=True),
        Column("status", sort="status", badge=JobStatus),
        Column("progress", "Live progress", render=_live_progress),
        Column("resource_type", "Resource", sort="resource_type"),
        Column("user", accessor="user.username"),
        Column("created", sort="created", render=lambda j: j.created.strftime("%Y-%m-%d %H:%M:%S")),
    ]


class JobListView(ObjectListView):
    queryset = AsyncJob.objects.select_related("user")
    filterset = AsyncJobFilterSet
    table = JobTable
    title = "Jobs"
    filter_fields = ("status", "command", "resource_type")
    default_sort = "-created"


class JobDetailView(ObjectDetailView):
    queryset = AsyncJob.objects.select_related("user", "account")
    template_name = "portal/job_detail.html"


def job_toast(job) -> tuple[str, str]:
    if job.status == JobStatus.SUCCEEDED:
        return f"{job.command} finished.", "success"
    return f"{job.command} failed: {job.error_text or 'unknown error'}", "error"


class JobProgressView(PortalView):
    """The job's live progress; polled every second until the job is done, then answers
    286 (htmx stops polling) with a toast."""

    def get(self, request, pk):
        job = get_object_or_404(AsyncJob.objects.restrict(request.user), pk=pk)
        response = render(request, "ui/job_progress.html", {"job": job})
        if job.is_done:
            response.status_code = STOP_POLLING
            add_toast(response, *job_toast(job))
        return response


class EventTable(Table):
    columns = [
        Column("created", sort="created", render=lambda e: e.created.strftime("%Y-%m-%d %H:%M:%S")),
        Column("event_type", "Type", sort="event_type"),
        Column("level", sort="level"),
        Column("state"),
        Column("description", render=lambda e: e.description[:160]),
        Column("user", accessor="user.username"),
        Column("account", accessor="account.name"),
        Column("client_ip", "Client IP"),
    ]


class EventListView(ObjectListView):
    queryset = Event.objects.select_related("user", "account")
    filterset = EventFilterSet
    table = EventTable
    title = "Events"
    filter_fields = ("event_type", "level", "resource_type", "created_after", "created_before")
    default_sort = "-created"
    csv_fields = (
        "created",
        "event_type",
        "level",
        "state",
        "description",
        "user__username",
        "account__name",
        "domain__path",
        "resource_type",
        "resource_id",
        "client_ip",
    )
