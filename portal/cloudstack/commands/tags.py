"""Resource tags: createTags, deleteTags, listTags, and the ``tags[i].key/value`` filter
list commands share (:func:`filter_by_tag_params`)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import ResourceTag
from portal.services import tags as tag_services

from ._common import Param, shape, uid

TAGS_FILTER = Param("tags", "map", description="List resources by tags (key/value pairs)")


def tag_params(ctx, name: str = "tags") -> dict[str, str | None]:
    """``tags[0].key=k&tags[0].value=v`` -> ``{"k": "v"}`` (a missing value is None)."""
    out: dict[str, str | None] = {}
    for entry in ctx.map(name):
        key = entry.get("key")
        if not key:
            raise param_error(f"{name}: every tag needs a key")
        out[key] = entry.get("value")
    return out


def filter_by_tag_params(ctx, queryset, resource_type: str):
    """What list commands call: keep the rows carrying every tag of ``tags[i]``."""
    tags = tag_params(ctx)
    if not tags:
        return queryset
    return tag_services.filter_by_tags(queryset, resource_type, tags)


@shape(
    "tag",
    "key value resourcetype resourceid account domainid domain domainpath customer",
)
def TAG(tag, ctx):
    account = tag.account
    return {
        "key": tag.key,
        "value": tag.value,
        "resourcetype": tag.resource_type,
        "resourceid": str(tag.resource_uuid),
        "account": account.name if account else None,
        "domainid": uid(tag.domain),
        "domain": tag.domain.name,
        "domainpath": tag.domain.path,
        "customer": tag.customer or None,
    }


def _resources(ctx):
    """The tagged resources the caller may change (an unknown or foreign ID is a 431)."""
    try:
        return tag_services.taggable_resources(
            ctx.user, ctx.str("resourcetype", required=True), ctx.list("resourceids")
        )
    except ValidationError as exc:
        raise param_error(" ".join(exc.messages)) from exc


RESOURCE_PARAMS = [
    Param("resourceids", "list", required=True, description="the IDs of the resources"),
    Param(
        "resourcetype",
        required=True,
        description="UserVm, Volume, Network, Template, ISO, PublicIpAddress, SecurityGroup, "
        "SSHKeyPair, Snapshot, Project, FirewallRule, PortForwardingRule or Zone",
    ),
]


@command(
    "createTags",
    "Creates resource tag(s).",
    params=[
        *RESOURCE_PARAMS,
        # required, checked by the handler (the dispatcher only checks plain parameters)
        Param("tags", "map", description="Map of tags (key/value pairs)"),
        Param("customer", description="an optional field for the customer"),
    ],
    isasync=True,
)
def create_tags(ctx):
    resources = _resources(ctx)
    tags = tag_params(ctx)
    if not tags:
        raise param_error("Unable to execute API command createtags due to missing parameter tags")
    tag_services.create_tags(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        resource_type=ctx.str("resourcetype"),
        resources=resources,
        tags={k: v or "" for k, v in tags.items()},
        customer=ctx.str("customer", ""),
    )
    return answer(completed_job(ctx, None, success_only=True))


@command(
    "deleteTags",
    "Deleting resource tag(s): the given keys (and values), or all tags of the resources.",
    params=[*RESOURCE_PARAMS, Param("tags", "map", description="Delete tags matching key/value")],
    isasync=True,
)
def delete_tags(ctx):
    tag_services.delete_tags(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        resource_type=ctx.str("resourcetype"),
        resources=_resources(ctx),
        tags=tag_params(ctx),
    )
    return answer(completed_job(ctx, None, success_only=True))


@command(
    "listTags",
    "List resource tag(s).",
    params=[
        Param("resourceid", description="list by resource id"),
        Param("resourcetype", description="list by resource type"),
        Param("key"),
        Param("value"),
        Param("customer"),
    ],
    shape=TAG,
    is_list=True,
    owned=True,
)
def list_tags(ctx):
    qs = ResourceTag.objects.restrict(ctx.user, "view").select_related("account", "domain")
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("resourcetype"):
        try:
            qs = qs.filter(resource_type=tag_services.resource_type_name(ctx.str("resourcetype")))
        except Exception as exc:
            raise param_error(f"Unknown resource type {ctx.str('resourcetype')}") from exc
    if ctx.has("resourceid"):
        try:
            qs = qs.filter(resource_uuid=uuid.UUID(ctx.str("resourceid")))
        except ValueError as exc:
            raise param_error(f"Invalid resourceid {ctx.str('resourceid')}") from exc
    for param in ("key", "value", "customer"):
        if ctx.has(param):
            qs = qs.filter(**{param: ctx.str(param)})
    return ctx.listing(ctx.keyword(qs, "key", "value"))


def tags_of(ctx, resource_type: str, obj) -> list[dict]:
    """The ``tags`` field of ``obj`` in an answer: key and value only, as upstream nests
    them (clients compare them with the key/value pairs they set). The caller-visible tags
    of the type are loaded once per request (one query for a whole list page)."""
    cache = ctx.__dict__.setdefault("_tags_by_type", {})
    if resource_type not in cache:
        by_uuid: dict = {}
        visible = ResourceTag.objects.restrict(ctx.user, "view").filter(resource_type=resource_type)
        for key, value, resource in visible.order_by("id").values_list(
            "key", "value", "resource_uuid"
        ):
            by_uuid.setdefault(resource, []).append({"key": key, "value": value})
        cache[resource_type] = by_uuid
    return cache[resource_type].get(obj.uuid, [])
