"""Resource details: addResourceDetail, removeResourceDetail, listResourceDetails and
listDetailOptions (portal.services.details)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.errors import missing, param_error
from portal.cloudstack.registry import command
from portal.models import ResourceDetail
from portal.services import details as svc

from ._common import Param, shape, uid

RESOURCE_TYPE = Param(
    "resourcetype", required=True, description="UserVm, Volume, Template, Network, Zone, Host..."
)


@shape(
    "resourcedetail",
    "key value resourcetype resourceid account domainid domain domainpath customer",
)
def DETAIL(d, ctx):
    account, domain = d.account, d.domain
    return {
        "key": d.key,
        "value": d.value,
        "resourcetype": d.resource_type,
        "resourceid": str(d.resource_uuid),
        "account": account.name if account else None,
        "domainid": uid(domain),
        "domain": domain.name if domain else None,
        "domainpath": domain.path if domain else None,
    }


def _resource(ctx, action: str = "change"):
    try:
        return svc.find_resource(
            ctx.user,
            ctx.str("resourcetype", required=True),
            ctx.str("resourceid", required=True),
            action,
        )
    except ValidationError as exc:
        raise param_error(" ".join(exc.messages)) from exc


@command(
    "addResourceDetail",
    "Adds detail for the Resource.",
    params=[
        # required, checked by the handler (the dispatcher only checks plain parameters)
        Param("details", "map", description="Map of (key/value pairs)"),
        RESOURCE_TYPE,
        Param("resourceid", required=True, description="resource id to create the details for"),
        Param("fordisplay", "boolean", description="pass false if you want this detail hidden"),
    ],
    isasync=True,
)
def add_resource_detail(ctx):
    resource = _resource(ctx)
    details = {}
    for entry in ctx.map("details"):
        if not entry.get("key"):
            raise param_error("details: every detail needs a key")
        details[entry["key"]] = entry.get("value", "")
    if not details:
        raise missing(ctx.command.name, "details")
    svc.add_details(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        resource_type=ctx.str("resourcetype"),
        resource=resource,
        details=details,
        display=ctx.bool("fordisplay", True),
    )
    return answer(completed_job(ctx, None, success_only=True))


@command(
    "removeResourceDetail",
    "Removes detail for the Resource.",
    params=[
        Param("key", description="Delete details matching key/value pairs"),
        RESOURCE_TYPE,
        Param("resourceid", required=True, description="Delete details for resource id"),
    ],
    isasync=True,
)
def remove_resource_detail(ctx):
    svc.remove_details(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        resource_type=ctx.str("resourcetype"),
        resource=_resource(ctx),
        key=ctx.str("key"),
    )
    return answer(completed_job(ctx, None, success_only=True))


@command(
    "listResourceDetails",
    "List resource detail(s)",
    params=[
        RESOURCE_TYPE,
        Param("resourceid", description="list by resource id"),
        Param("key", description="list by key"),
        Param("value", description="list by key, value (needs key)"),
        Param(
            "fordisplay",
            "boolean",
            description="if set to true, only details marked for display are returned",
        ),  # fmt: skip
    ],
    shape=DETAIL,
    is_list=True,
    owned=True,
)
def list_resource_details(ctx):
    try:
        kind = svc.resource_type_name(ctx.str("resourcetype", required=True))
    except ValidationError as exc:
        raise param_error(" ".join(exc.messages)) from exc
    qs = ResourceDetail.objects.restrict(ctx.user, "view").filter(resource_type=kind)
    qs = qs.select_related("account", "domain")
    if ctx.has("resourceid"):
        # the resource must be visible; its details then follow the owner's scoping
        resource = _resource(ctx, "view")
        qs = qs.filter(resource_uuid=resource.uuid)
    elif not ctx.is_root:
        qs = ctx.owned(qs, project_field=None)
    if not ctx.is_root:
        qs = qs.filter(display=True)  # hidden details are operators' (upstream fordisplay)
    elif "fordisplay" in ctx.params:
        qs = qs.filter(display=ctx.bool("fordisplay"))
    if ctx.has("value") and not ctx.has("key"):
        raise param_error("Key has to be specified when value is specified")
    for param in ("key", "value"):
        if ctx.has(param):
            qs = qs.filter(**{param: ctx.str(param)})
    return ctx.listing(ctx.keyword(qs, "key", "value"))


@command(
    "listDetailOptions",
    "Lists detail keys and their options for a resource type (UserVm, Template).",
    params=[RESOURCE_TYPE, Param("resourceid", description="the UUID of the resource")],
    response_name="listdetailoptionsresponse",
)
def list_detail_options(ctx):
    try:
        if ctx.has("resourceid"):
            _resource(ctx, "view")
        options = svc.detail_options(ctx.str("resourcetype", required=True))
    except ValidationError as exc:
        raise param_error(" ".join(exc.messages)) from exc
    return {"detailoptions": {"details": options}}
