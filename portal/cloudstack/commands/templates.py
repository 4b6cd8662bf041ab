"""Templates, ISOs and OS types."""

from __future__ import annotations

import uuid

from django.db.models import Q

from compute.models import Zone
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import OWNER_PARAMS, command
from storage import services
from storage.choices import TemplateState
from storage.models import OSType, Template

from ._common import Param, cs_date, owner, shape, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of

FILTERS = (
    "featured",
    "self",
    "selfexecutable",
    "sharedexecutable",
    "executable",
    "community",
    "all",
)
_CATEGORY_NS = uuid.UUID("8a0c4f5e-6d1b-4c8e-9f3a-2b7d5e1c0a91")


def category_id(name: str) -> str:
    return str(uuid.uuid5(_CATEGORY_NS, name))


TEMPLATE_SPEC = (
    "id name displaytext ispublic isfeatured isextractable isready passwordenabled format "
    "hypervisor ostypeid ostypename zoneid zonename crossZones size physicalsize status "
    "templatetype bootable account domainid domain created tags extensionid extensionname"
)
BOOLS = dict.fromkeys(
    [
        "ispublic",
        "isfeatured",
        "isextractable",
        "isready",
        "passwordenabled",
        "crossZones",
        "bootable",
    ],
    "boolean",
)


def _template(t, ctx):
    ready = t.state == TemplateState.READY
    return {
        "id": uid(t),
        "name": t.name,
        "displaytext": t.display_text or t.name,
        "ispublic": t.is_public,
        "isfeatured": t.is_featured,
        "isextractable": t.is_extractable,
        "isready": ready,
        "passwordenabled": t.password_enabled,
        "format": t.format,
        "hypervisor": t.hypervisor or ("None" if t.is_iso else ""),
        "ostypeid": uid(t.os_type),
        "ostypename": t.os_type.description if t.os_type else "Other (64-bit)",
        "zoneid": uid(t.zone),
        "zonename": t.zone.name if t.zone else None,
        "crossZones": t.zone_id is None,
        "size": t.size,
        "physicalsize": t.physical_size,
        "status": "Download Complete" if ready else f"{t.download_percent}% Downloaded",
        "templatetype": t.template_type,
        "bootable": t.bootable,
        "created": cs_date(t.created),
        "tags": tags_of(ctx, "ISO" if t.is_iso else "Template", t),
        **owner(t),
        **_extension_of(t),
    }


def _extension_of(t) -> dict:
    """``extensionid``/``extensionname`` of an External template registered for one."""
    if t.hypervisor != "External":
        return {}
    from storage.services.external_templates import template_extension

    extension = template_extension(t)
    return {"extensionid": uid(extension), "extensionname": extension.name} if extension else {}


@shape(
    "template",
    TEMPLATE_SPEC,
    size="long",
    physicalsize="long",
    created="date",
    tags="list",
    **BOOLS,
)
def TEMPLATE(t, ctx):
    return _template(t, ctx)


@shape("iso", TEMPLATE_SPEC, size="long", physicalsize="long", created="date", tags="list", **BOOLS)
def ISO(t, ctx):
    return _template(t, ctx)


def _own(ctx) -> dict:
    """Whose templates "self" means: the caller's account, or (account + domainid) one the
    caller may see; with isrecursive or listall, every account under the domain."""
    from portal.models import Account, Domain

    domain = ctx.get(Domain, "domainid")
    if ctx.has("account"):
        if domain is None:
            domain = ctx.user.account.domain
        account = (
            Account.objects.restrict(ctx.user, "view")
            .filter(domain=domain, name=ctx.str("account"))
            .first()
        )
        if account is None:
            raise param_error(f"Unable to find account {ctx.str('account')} in domain {domain}")
        return {"account": account}
    if (ctx.bool("isrecursive") or ctx.bool("listall")) and (ctx.is_root or ctx.is_domain_admin):
        path = (domain or ctx.user.account.domain).path
        return {"account__domain__path__startswith": path}
    if domain is not None:
        return {"account__domain": domain}
    return {"account": ctx.user.account}


def _filtered(ctx, is_iso: bool, flt: str):
    qs = (
        Template.objects.restrict(ctx.user, "view")
        .filter(is_iso=is_iso, removed__isnull=True)
        .select_related("os_type", "zone", "account__domain")
    )
    if flt not in FILTERS:
        raise param_error(f"Invalid filter {flt}; use one of {', '.join(FILTERS)}")
    own = _own(ctx)
    if flt == "featured":
        qs = qs.filter(is_featured=True, is_public=True)
    elif flt == "self":
        qs = qs.filter(**own)
    elif flt == "selfexecutable":
        qs = qs.filter(state=TemplateState.READY, **own)
    elif flt == "sharedexecutable":
        qs = qs.none()
    elif flt == "executable":
        qs = qs.filter(state=TemplateState.READY)
    elif flt == "community":
        qs = qs.filter(is_public=True, is_featured=False)
    if ctx.has("id"):
        qs = qs.filter(uuid=ctx.by_uuid(Template, ctx.str("id"), name="id").uuid)
    if ctx.has("zoneid"):
        zone = ctx.get(Zone, "zoneid")
        qs = qs.filter(
            Q(zone__isnull=True) | Q(zone=zone) | Q(pk__in=zone.template_copies.values("template"))
        )
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("hypervisor"):
        qs = qs.filter(hypervisor__iexact=ctx.str("hypervisor"))
    qs = filter_by_tag_params(ctx, qs, "ISO" if is_iso else "Template")
    return ctx.keyword(qs).order_by("id")


LIST_PARAMS = [
    *OWNER_PARAMS[:4],  # account, domainid, isrecursive, listall (no projects for templates)
    TAGS_FILTER,
    Param("id", "uuid"),
    Param("name"),
    Param("zoneid", "uuid", related="listZones"),
    Param("hypervisor"),
]


@command(
    "listTemplates",
    "List all public, private, and privileged templates.",
    params=[
        Param(
            "templatefilter",
            required=True,
            description=", ".join(FILTERS),
        ),
        *LIST_PARAMS,
    ],
    shape=TEMPLATE,
    is_list=True,
)
def list_templates(ctx):
    return ctx.listing(_filtered(ctx, False, ctx.str("templatefilter", required=True)))


@command(
    "listIsos",
    "Lists all available ISO files.",
    params=[Param("isofilter"), Param("bootable", "boolean"), *LIST_PARAMS],
    shape=ISO,
    is_list=True,
)
def list_isos(ctx):
    qs = _filtered(ctx, True, ctx.str("isofilter", "featured"))
    if "bootable" in ctx.params:
        qs = qs.filter(bootable=ctx.bool("bootable"))
    return ctx.listing(qs)


def _register(ctx, *, is_iso: bool) -> Template:
    fields = {
        "name": ctx.str("name"),
        "display_text": ctx.str("displaytext") or ctx.str("name"),
        "url": ctx.str("url"),
        "is_iso": is_iso,
    }
    zoneid = ctx.str("zoneid") or (ctx.list("zoneids") or [None])[0]
    if zoneid and zoneid != "-1":
        fields["zone"] = ctx.by_uuid(Zone, zoneid, name="zoneid")
    if ctx.has("ostypeid"):
        try:
            fields["os_type"] = OSType.objects.get(uuid=uuid.UUID(ctx.str("ostypeid")))
        except (ValueError, OSType.DoesNotExist) as exc:
            raise param_error(f"Invalid parameter ostypeid value={ctx.str('ostypeid')}") from exc
    if not is_iso:
        from .infra import _hypervisor

        fields["format"] = ctx.str("format", "").upper()
        fields["hypervisor"] = _hypervisor(ctx.str("hypervisor"))
    for param, field in (
        ("ispublic", "is_public"),
        ("isfeatured", "is_featured"),
        ("isextractable", "is_extractable"),
        ("passwordenabled", "password_enabled"),
        ("bootable", "bootable"),
    ):
        if param in ctx.params:
            fields[field] = ctx.bool(param)
    if ctx.has("checksum"):
        fields["checksum"] = ctx.str("checksum")
    if ctx.has("extensionid") or ctx.map("externaldetails"):
        from .extensions import _extension, details_map

        fields["extension"] = _extension(ctx, "extensionid", required=False)
        fields["external_details"] = details_map(ctx, "externaldetails")
    return services.create_template(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)


@command(
    "registerTemplate",
    "Registers an existing template into the CloudStack cloud.",
    params=[
        Param("name", required=True),
        Param("url", required=True, length=2048),
        Param("format", required=True),
        Param("hypervisor", required=True),
        Param("zoneid", "uuid", related="listZones"),
        Param("zoneids", "list"),
        Param("ostypeid", "uuid", related="listOsTypes"),
        Param("displaytext", length=4096),
        Param("ispublic", "boolean"),
        Param("isfeatured", "boolean"),
        Param("isextractable", "boolean"),
        Param("passwordenabled", "boolean"),
        Param("checksum"),
        Param("extensionid", "uuid", related="listExtensions", description="External only"),
        Param("externaldetails", "map", description="External only"),
    ],
    shape=TEMPLATE,
)
def register_template(ctx):
    return ctx.one_as_list(_register(ctx, is_iso=False))


@command(
    "registerIso",
    "Registers an existing ISO into the CloudStack Cloud.",
    params=[
        Param("name", required=True),
        Param("url", required=True, length=2048),
        Param("zoneid", "uuid", related="listZones"),
        Param("ostypeid", "uuid", related="listOsTypes"),
        Param("displaytext", length=4096),
        Param("bootable", "boolean"),
        Param("ispublic", "boolean"),
        Param("isfeatured", "boolean"),
        Param("isextractable", "boolean"),
        Param("checksum"),
    ],
    shape=ISO,
)
def register_iso(ctx):
    return ctx.one_as_list(_register(ctx, is_iso=True))


@shape(
    "ostype",
    "id description name oscategoryid oscategoryname isuserdefined",
    isuserdefined="boolean",
)
def OS_TYPE(os, ctx):
    return {
        "id": uid(os),
        "description": os.description,
        "name": os.description,
        "oscategoryid": category_id(os.category),
        "oscategoryname": os.category,
        "isuserdefined": False,
    }


@command(
    "listOsTypes",
    "Lists all supported OS types for this cloud.",
    params=[
        Param("id", "uuid", related="listOsTypes"),
        Param("description"),
        Param("oscategoryid", "uuid"),
    ],
    shape=OS_TYPE,
    is_list=True,
)
def list_os_types(ctx):
    qs = OSType.objects.all()
    if ctx.has("id"):
        try:
            qs = qs.filter(uuid=uuid.UUID(ctx.str("id")))
        except ValueError as exc:
            raise param_error(f"Invalid parameter id value={ctx.str('id')}") from exc
    if ctx.has("description"):
        qs = qs.filter(description=ctx.str("description"))
    if ctx.has("oscategoryid"):
        wanted = ctx.str("oscategoryid")
        cats = [
            c
            for c in set(OSType.objects.values_list("category", flat=True))
            if category_id(c) == wanted
        ]
        qs = qs.filter(category__in=cats)
    return ctx.listing(ctx.keyword(qs, "description"))
