"""Async jobs and events."""

from __future__ import annotations

from django.utils.dateparse import parse_date, parse_datetime

from portal.cloudstack.asyncjobs import render_job
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import Shape, command
from portal.models import AsyncJob, Event

from ._common import Param, clean, cs_date, fields, shape, uid

JOB_FIELDS = fields(
    "jobid accountid account domainid userid cmd created jobstatus jobprocstatus jobresultcode "
    "jobresulttype jobresult jobinstancetype jobinstanceid completed",
    created="date",
    completed="date",
    jobstatus="integer",
    jobprocstatus="integer",
    jobresultcode="integer",
    jobresult="object",
)
ASYNC_JOB = Shape("asyncjobs", JOB_FIELDS, lambda job, ctx: render_job(job, ctx))


def _jobs(ctx):
    return AsyncJob.objects.restrict(ctx.user, "view").select_related("account__domain", "user")


@command(
    "queryAsyncJobResult",
    "Retrieves the current status of asynchronous job.",
    params=[Param("jobid", "uuid", required=True, related="listAsyncJobs")],
)
def query_async_job_result(ctx):
    job = ctx.by_uuid(AsyncJob, ctx.str("jobid", required=True), name="jobid", queryset=_jobs(ctx))
    return render_job(job, ctx)


def _since(ctx, name: str):
    value = ctx.str(name)
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "T")) or parse_date(value)
    if parsed is None:
        raise param_error(
            f"Unable to parse {name} value {value}; use yyyy-MM-dd or yyyy-MM-dd HH:mm:ss"
        )
    return parsed


@command(
    "listAsyncJobs",
    "Lists all pending asynchronous jobs for the account.",
    params=[
        Param("startdate", "date"),
        Param("listall", "boolean"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("isrecursive", "boolean"),
    ],
    shape=ASYNC_JOB,
    is_list=True,
)
def list_async_jobs(ctx):
    qs = ctx.owned(_jobs(ctx), project_field=None)
    start = _since(ctx, "startdate")
    if start is not None:
        qs = (
            qs.filter(created__gte=start)
            if hasattr(start, "hour")
            else qs.filter(created__date__gte=start)
        )
    return ctx.listing(ctx.keyword(qs, "command"))


@shape(
    "event",
    "id type level description account domainid domain created state username resourceid "
    "resourcetype",
    created="date",
)
def EVENT(event, ctx):
    account = event.account
    return clean(
        {
            "id": str(event.pk),
            "type": event.event_type,
            "level": event.level,
            "description": event.description,
            "account": account.name if account else None,
            "domainid": uid(event.domain),
            "domain": event.domain.name if event.domain else None,
            "created": cs_date(event.created),
            "state": event.state,
            "username": event.user.username if event.user else None,
            "resourceid": event.resource_id or None,
            "resourcetype": event.resource_type or None,
        }
    )


@command(
    "listEvents",
    "A command to list events.",
    params=[
        Param("id"),
        Param("level"),
        Param("type"),
        Param("startdate", "date"),
        Param("enddate", "date"),
    ],
    shape=EVENT,
    is_list=True,
    owned=True,
)
def list_events(ctx):
    qs = Event.objects.restrict(ctx.user, "view").select_related("account", "domain", "user")
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.int("id"))
    if ctx.has("level"):
        qs = qs.filter(level__iexact=ctx.str("level"))
    if ctx.has("type"):
        qs = qs.filter(event_type__iexact=ctx.str("type"))
    start, end = _since(ctx, "startdate"), _since(ctx, "enddate")
    if start is not None:
        qs = (
            qs.filter(created__gte=start)
            if hasattr(start, "hour")
            else qs.filter(created__date__gte=start)
        )
    if end is not None:
        qs = (
            qs.filter(created__lte=end)
            if hasattr(end, "hour")
            else qs.filter(created__date__lte=end)
        )
    return ctx.listing(ctx.keyword(qs, "description", "event_type"))
