"""ISO and template changes: attachIso, detachIso, updateIso, updateTemplate.

The mutations are :mod:`storage.services.isos` and :func:`storage.services.update_template`;
attach/detach answer a job whose result is the virtual machine, as upstream's do.
"""

from __future__ import annotations

import uuid

from portal.cloudstack.asyncjobs import CMD_NAMES, answer
from portal.cloudstack.errors import ACCOUNT_ERROR, CS_PERMISSION_DENIED, ApiError, param_error
from portal.cloudstack.registry import command
from storage import services
from storage.choices import ImageFormat, TemplateType
from storage.models import OSType, Template
from storage.services import isos

from ._common import Param
from .templates import ISO, TEMPLATE
from .vms import VM, _target

CMD_NAMES.update(
    {
        "iso.attach": "org.apache.cloudstack.api.command.user.iso.AttachIsoCmd",
        "iso.detach": "org.apache.cloudstack.api.command.user.iso.DetachIsoCmd",
    }
)


def _image(ctx, *, is_iso: bool, action: str = "view") -> Template:
    """The template (or ISO) ``id`` names among those the caller may ``action``."""
    qs = Template.objects.filter(is_iso=is_iso, removed__isnull=True).select_related(
        "os_type", "zone", "account__domain"
    )
    return ctx.get(Template, "id", action=action, required=True, queryset=qs)


@command(
    "attachIso",
    "Attaches an ISO to a virtual machine.",
    params=[
        Param("id", "uuid", required=True, related="listIsos"),
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("forced", "boolean", description="swap the ISO if one is attached"),
    ],
    shape=VM,
    isasync=True,
)
def attach_iso(ctx):
    iso = _image(ctx, is_iso=True)
    vm = _target(ctx, "virtualmachineid")
    job = isos.attach_iso(
        iso, vm, acting_user=ctx.user, forced=ctx.bool("forced"), client_ip=ctx.client_ip
    )
    return answer(job)


@command(
    "detachIso",
    "Detaches any ISO file (if any) currently attached to a virtual machine.",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("forced", "boolean", description="accepted; the drive is always emptied"),
    ],
    shape=VM,
    isasync=True,
)
def detach_iso(ctx):
    vm = _target(ctx, "virtualmachineid")
    return answer(isos.detach_iso(vm, acting_user=ctx.user, client_ip=ctx.client_ip))


UPDATE_PARAMS = [
    Param("id", "uuid", required=True),
    Param("name"),
    Param("displaytext", length=4096),
    Param("ostypeid", "uuid", related="listOsTypes"),
    Param("bootable", "boolean"),
    Param("passwordenabled", "boolean"),
    Param("format"),
    Param("details", "map", description="boot details (kernel, initrd, cmdline, ...)"),
    Param("cleanupdetails", "boolean", description="remove every detail"),
]


def _changes(ctx, template: Template) -> dict:
    changes: dict = {}
    if ctx.has("name"):
        changes["name"] = ctx.str("name")
    if ctx.has("displaytext"):
        changes["display_text"] = ctx.str("displaytext")
    if ctx.has("ostypeid"):
        try:
            changes["os_type"] = OSType.objects.get(uuid=uuid.UUID(ctx.str("ostypeid")))
        except (ValueError, OSType.DoesNotExist) as exc:
            raise param_error(f"Invalid parameter ostypeid value={ctx.str('ostypeid')}") from exc
    for param, field in (("bootable", "bootable"), ("passwordenabled", "password_enabled")):
        if param in ctx.params:
            changes[field] = ctx.bool(param)
    if ctx.has("format"):
        fmt = ctx.str("format").upper()
        if fmt not in ImageFormat.values:
            raise param_error(f"Image format: {ctx.str('format')} is incorrect.")
        changes["format"] = fmt
    if ctx.bool("cleanupdetails"):
        changes["details"] = {}
    elif ctx.map("details"):
        details = dict(template.details or {})
        for entry in ctx.map("details"):
            details.update(entry)
        changes["details"] = details
    if ctx.has("templatetype"):
        kind = ctx.str("templatetype").upper()
        if not ctx.is_root:
            raise ApiError(
                ACCOUNT_ERROR,
                "Only root admins can change the template type.",
                CS_PERMISSION_DENIED,
            )
        if kind not in TemplateType.values:
            raise param_error(f"Invalid template type {ctx.str('templatetype')}")
        changes["template_type"] = kind
    return changes


def _update(ctx, *, is_iso: bool) -> dict:
    template = _image(ctx, is_iso=is_iso, action="change")
    updated = services.update_template(
        template, acting_user=ctx.user, client_ip=ctx.client_ip, **_changes(ctx, template)
    )
    return ctx.one(updated)


@command(
    "updateIso",
    "Updates an ISO file.",
    params=UPDATE_PARAMS,
    shape=ISO,
)
def update_iso(ctx):
    return _update(ctx, is_iso=True)


@command(
    "updateTemplate",
    "Updates attributes of a template.",
    params=[
        *UPDATE_PARAMS,
        Param("templatetype", description="USER, BUILTIN, SYSTEM or ROUTING (root admins)"),
    ],
    shape=TEMPLATE,
)
def update_template(ctx):
    return _update(ctx, is_iso=False)
