"""Deletions the reference's minimal cloud needs: accounts, domains, projects, service
offerings, templates and ISOs. CloudStack runs most of them as jobs; our services finish at
once, so those answer an already finished job whose result is ``success``."""

from __future__ import annotations

from compute.models import ServiceOffering, Zone
from compute.services.offerings import delete_service_offering as _delete_offering
from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Account, Domain, Project
from portal.services.accounts import delete_account as _delete_account
from portal.services.domains import delete_domain as _delete_domain
from portal.services.projects import delete_project as _delete_project
from storage.models import Template
from storage.services.templates import delete_template as _delete_template

from ._common import Param, success


def _async_delete(name: str, description: str, related: str, extra=()):
    params = [Param("id", "uuid", required=True, related=related), *extra]
    return command(name, description, params=params, isasync=True)


def _finished(ctx, obj, delete) -> dict:
    """Run the service, then answer a finished job (created first: it names the object)."""
    job = completed_job(ctx, obj, success_only=True)
    delete(obj, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(job)


@_async_delete("deleteAccount", "Deletes an account and all its users", "listAccounts")
def delete_account(ctx):
    return _finished(ctx, ctx.get(Account, "id", action="delete", required=True), _delete_account)


@_async_delete(
    "deleteDomain",
    "Deletes a specified domain (it must hold no accounts and no subdomains)",
    "listDomains",
    [Param("cleanup", "boolean", description="not supported: delete the contents first")],
)
def delete_domain(ctx):
    if ctx.bool("cleanup"):
        raise param_error("cleanup=true is not supported: delete the accounts and subdomains first")
    return _finished(ctx, ctx.get(Domain, "id", action="delete", required=True), _delete_domain)


@_async_delete("deleteProject", "Deletes a project", "listProjects")
def delete_project(ctx):
    return _finished(ctx, ctx.get(Project, "id", action="delete", required=True), _delete_project)


@command(
    "deleteServiceOffering",
    "Deletes a service offering.",
    params=[Param("id", "uuid", required=True, related="listServiceOfferings")],
)
def delete_service_offering(ctx):
    offering = ctx.get(ServiceOffering, "id", action="delete", required=True)
    _delete_offering(offering, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


def _template(ctx, *, is_iso: bool) -> Template:
    template = ctx.get(Template, "id", action="delete", required=True)
    if template.is_iso != is_iso:
        raise param_error(
            f"Unable to find {'ISO' if is_iso else 'template'} with id {ctx.str('id')}"
        )
    zone = ctx.get(Zone, "zoneid")
    if zone is not None and template.zone_id not in (None, zone.pk):
        kind = "ISO" if is_iso else "template"
        raise param_error(f"The {kind} {template.name} is not in zone {zone.name}")
    return template


ZONE_PARAM = [
    Param(
        "zoneid",
        "uuid",
        related="listZones",
        description="the zone the image must be in (ours live in one zone or in all)",
    )
]


@_async_delete("deleteTemplate", "Deletes a template from the system.", "listTemplates", ZONE_PARAM)
def delete_template(ctx):
    return _finished(ctx, _template(ctx, is_iso=False), _delete_template)


@_async_delete("deleteIso", "Deletes an ISO file.", "listIsos", ZONE_PARAM)
def delete_iso(ctx):
    return _finished(ctx, _template(ctx, is_iso=True), _delete_template)
