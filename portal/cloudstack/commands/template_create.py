"""createTemplate from a volume or a snapshot: async, the job's result is the template
(:mod:`storage.services.template_create`, job in :mod:`storage.template_handlers`)."""

from __future__ import annotations

import uuid

from compute.models import Zone
from portal.cloudstack.asyncjobs import CMD_NAMES, answer, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from storage.models import OSType, Snapshot, Template, Volume
from storage.services.template_copy import copy_template
from storage.services.template_create import create_template_from_volume

from ._common import Param
from .templates import ISO, TEMPLATE

CMD_NAMES["template.create"] = "org.apache.cloudstack.api.command.user.template.CreateTemplateCmd"
CMD_NAMES["template.copy"] = "org.apache.cloudstack.api.command.user.template.CopyTemplateCmd"
register_result(
    "Template",
    lambda: Template.objects.select_related("os_type", "zone", "account__domain"),
    TEMPLATE,
    "Template",
)


def _os_type(ctx) -> OSType:
    value = ctx.str("ostypeid", required=True)
    try:
        return OSType.objects.get(uuid=uuid.UUID(value))
    except (ValueError, OSType.DoesNotExist) as exc:
        raise param_error(
            f"Invalid parameter ostypeid value={value} due to incorrect long value format, "
            "or entity does not exist"
        ) from exc


@command(
    "createTemplate",
    "Creates a template of a virtual machine. The virtual machine must be in a STOPPED "
    "state. A template created from this command is automatically designated as a private "
    "template visible to the account that created it.",
    params=[
        Param("name", required=True),
        Param("ostypeid", "uuid", required=True, related="listOsTypes"),
        Param("displaytext", length=4096),
        Param("volumeid", "uuid", related="listVolumes"),
        Param("snapshotid", "uuid", related="listSnapshots"),
        Param("ispublic", "boolean", description="root admins only"),
        Param("isfeatured", "boolean", description="root admins only"),
        Param("passwordenabled", "boolean"),
        Param("details", "map", description="boot details of the template"),
    ],
    shape=TEMPLATE,
    isasync=True,
)
def create_template(ctx):
    flags = {
        field: ctx.bool(param)
        for param, field in (
            ("ispublic", "is_public"),
            ("isfeatured", "is_featured"),
            ("passwordenabled", "password_enabled"),
        )
        if param in ctx.params
    }
    details: dict = {}
    for entry in ctx.map("details"):
        details.update(entry)
    template = create_template_from_volume(
        acting_user=ctx.user,
        name=ctx.str("name", required=True),
        display_text=ctx.str("displaytext", ""),
        os_type=_os_type(ctx),
        volume=ctx.get(Volume, "volumeid", action="change"),
        snapshot=ctx.get(Snapshot, "snapshotid", action="change"),
        client_ip=ctx.client_ip,
        details=details,
        **flags,
    )
    return answer(template.create_job, template)


COPY_PARAMS = [
    Param("id", "uuid", required=True),
    Param("destzoneid", "uuid", related="listZones"),
    Param("destzoneids", "list", description="several destination zones"),
    Param("sourcezoneid", "uuid", related="listZones"),
]


def _copy(ctx, *, is_iso: bool) -> dict:
    qs = Template.objects.filter(is_iso=is_iso, removed__isnull=True)
    template = ctx.get(Template, "id", action="change", required=True, queryset=qs)
    destinations = [ctx.by_uuid(Zone, z, name="destzoneids") for z in ctx.list("destzoneids")]
    if ctx.has("destzoneid"):
        destinations.insert(0, ctx.get(Zone, "destzoneid"))
    job = copy_template(
        template,
        acting_user=ctx.user,
        destinations=list(dict.fromkeys(destinations)),
        source_zone=ctx.get(Zone, "sourcezoneid"),
        client_ip=ctx.client_ip,
    )
    return answer(job, template)


@command(
    "copyTemplate",
    "Copies a template from one zone to another.",
    params=COPY_PARAMS,
    shape=TEMPLATE,
    isasync=True,
)
def copy_template_cmd(ctx):
    return _copy(ctx, is_iso=False)


@command(
    "copyIso",
    "Copies an ISO from one zone to another.",
    params=COPY_PARAMS,
    shape=ISO,
    isasync=True,
)
def copy_iso_cmd(ctx):
    return _copy(ctx, is_iso=True)
