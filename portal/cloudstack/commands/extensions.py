"""CloudStack 4.21's Extensions framework: extensions, their registration to clusters and
their custom actions, through the marketplace services."""

from __future__ import annotations

from compute.models import Cluster, Instance
from compute.services.external import check_details, masked
from marketplace.choices import ExtensionType
from marketplace.models import Extension, ExtensionCustomAction
from marketplace.services import bindings, custom_actions, orchestrators
from portal.cloudstack.asyncjobs import answer
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Field, Param, Shape, clean, cs_date, fields, success, uid

CS_TYPES = (ExtensionType.ORCHESTRATOR, ExtensionType.NETWORK_ORCHESTRATOR)
DETAIL_VIEWS = ("all", "min", "resource", "external")


def details_map(ctx, name: str) -> dict[str, str]:
    """A CloudStack map parameter as one dict: ``name[0].key=k&name[0].value=v`` pairs or
    ``name[0].k=v`` entries (what ``cs`` and cloudmonkey send)."""
    out: dict[str, str] = {}
    for entry in ctx.map(name):
        if set(entry) == {"key", "value"}:
            out[entry["key"]] = entry["value"]
        else:
            out.update(entry)
    return check_details(out, name)


def refuse(ctx, *names: str) -> None:
    """431 for upstream parameters this cloud does not implement."""
    for name in names:
        if ctx.has(name) or ctx.map(name):
            raise param_error(
                f"Unable to execute API command {ctx.command.name.lower()}: parameter "
                f"{name} is not supported"
            )


def _resources(extension):
    out = []
    clusters = Cluster.objects.in_bulk(
        [m.resource_id for m in extension.resource_maps.all() if m.resource_type == "Cluster"]
    )
    for binding in extension.resource_maps.all():
        cluster = clusters.get(binding.resource_id)
        out.append(
            clean(
                {
                    "id": uid(cluster),
                    "name": cluster.name if cluster else None,
                    "type": binding.resource_type,
                    "created": cs_date(binding.created),
                    "details": masked(binding.details or {}),
                }
            )
        )
    return out


def _views(ctx) -> set[str]:
    """listExtensions' ``details``: a list of all, min, resource, external (default all)."""
    views = {v.lower() for v in ctx.list("details")} or {"all"}
    unknown = views - set(DETAIL_VIEWS)
    if unknown:
        raise param_error(
            f"Invalid details value {', '.join(sorted(unknown))}; use {', '.join(DETAIL_VIEWS)}"
        )
    return views


def _render_extension(extension, ctx):
    path, ready = orchestrators.path_info(extension)
    views = _views(ctx) if ctx.command.name == "listExtensions" else {"all"}
    shown = masked(orchestrators.all_details(extension))
    return clean(
        {
            "id": uid(extension),
            "name": extension.name,
            "description": extension.description,
            "type": extension.type,
            "path": path,
            "pathready": ready,
            "isuserdefined": True,
            "orchestratorrequirespreparevm": extension.requires_prepare_vm
            if extension.type == ExtensionType.ORCHESTRATOR
            else None,
            "state": "Enabled" if extension.enabled else "Disabled",
            "details": shown if views & {"all", "external"} else None,
            "resources": _resources(extension) if views & {"all", "resource"} else None,
            "created": cs_date(extension.created),
        }
    )


EXTENSION = Shape(
    "extension",
    fields(
        "id name description type path pathready isuserdefined orchestratorrequirespreparevm "
        "state details resources created",
        pathready="boolean",
        isuserdefined="boolean",
        orchestratorrequirespreparevm="boolean",
        details="map",
        resources="list",
        created="date",
    ),
    _render_extension,
)


def _extension(ctx, name: str = "id", *, required: bool = True) -> Extension:
    value = ctx.str(name, required=required)
    qs = Extension.objects.filter(type__in=CS_TYPES)
    return ctx.by_uuid(Extension, value, name=name, queryset=qs) if value else None


def _bool_param(ctx, name: str) -> bool | None:
    return ctx.bool(name) if name in ctx.params else None


@command(
    "createExtension",
    "Create an extension",
    params=[
        Param("name", required=True),
        Param("type", required=True, description="Orchestrator"),
        Param("description"),
        Param("path", description="entry point, relative to the extensions directory"),
        Param("orchestratorrequirespreparevm", "boolean"),
        Param("state", description="Enabled (default) or Disabled"),
        Param("details", "map"),
    ],
    shape=EXTENSION,
)
def create_extension(ctx):
    kind = ctx.str("type")
    for choice in CS_TYPES:
        kind = choice if choice.lower() == kind.lower() else kind
    extension = orchestrators.create_orchestrator(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        name=ctx.str("name"),
        type=kind,
        description=ctx.str("description", ""),
        path=ctx.str("path"),
        state=ctx.str("state"),
        details=details_map(ctx, "details"),
        requires_prepare_vm=_bool_param(ctx, "orchestratorrequirespreparevm"),
    )
    return ctx.one(extension)


@command(
    "listExtensions",
    "Lists extensions",
    params=[
        Param("id", "uuid", related="listExtensions"),
        Param("name"),
        Param("details", "list", description=", ".join(DETAIL_VIEWS)),
    ],
    shape=EXTENSION,
    is_list=True,
)
def list_extensions(ctx):
    _views(ctx)
    qs = Extension.objects.restrict(ctx.user, "view").filter(type__in=CS_TYPES)
    if ctx.has("id"):
        qs = qs.filter(pk=_extension(ctx).pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    return ctx.listing(ctx.keyword(qs.prefetch_related("resource_maps", "versions")))


@command(
    "updateExtension",
    "Update the extension",
    params=[
        Param("id", "uuid", required=True, related="listExtensions"),
        Param("description"),
        Param("orchestratorrequirespreparevm", "boolean"),
        Param("state", description="Enabled or Disabled"),
        Param("details", "map"),
        Param("cleanupdetails", "boolean"),
    ],
    shape=EXTENSION,
)
def update_extension(ctx):
    extension = orchestrators.update_orchestrator(
        _extension(ctx),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        description=ctx.str("description"),
        state=ctx.str("state"),
        details=details_map(ctx, "details") if ctx.map("details") else None,
        cleanup_details=ctx.bool("cleanupdetails"),
        requires_prepare_vm=_bool_param(ctx, "orchestratorrequirespreparevm"),
    )
    return ctx.one(extension)


@command(
    "deleteExtension",
    "Delete the extensions",
    params=[
        Param("id", "uuid", required=True, related="listExtensions"),
        Param("cleanup", "boolean", description="also remove the extension's files"),
    ],
)
def delete_extension(ctx):
    orchestrators.delete_orchestrator(
        _extension(ctx), acting_user=ctx.user, client_ip=ctx.client_ip, cleanup=ctx.bool("cleanup")
    )
    return success()


def _cluster_of(ctx) -> Cluster:
    kind = ctx.str("resourcetype", required=True)
    if kind.lower() != "cluster":
        raise param_error(f"Unsupported resourcetype {kind}: Cluster")
    return ctx.by_uuid(Cluster, ctx.str("resourceid", required=True), name="resourceid")


REGISTRATION = [
    Param("extensionid", "uuid", required=True, related="listExtensions"),
    Param("resourceid", required=True, description="the cluster's UUID"),
    Param("resourcetype", required=True, description="Cluster"),
]


@command(
    "registerExtension",
    "Register an extension with a resource",
    params=[*REGISTRATION, Param("details", "map")],
    shape=EXTENSION,
)
def register_extension(ctx):
    extension = _extension(ctx, "extensionid")
    bindings.bind_cluster(
        acting_user=ctx.user,
        extension=extension,
        cluster=_cluster_of(ctx),
        details=details_map(ctx, "details"),
        client_ip=ctx.client_ip,
    )
    return ctx.one(extension)


@command(
    "unregisterExtension",
    "Unregister an extension with a resource",
    params=REGISTRATION,
    shape=EXTENSION,
)
def unregister_extension(ctx):
    extension = _extension(ctx, "extensionid")
    cluster = _cluster_of(ctx)
    binding = extension.resource_maps.filter(resource_type="Cluster", resource_id=cluster.pk)
    if not binding.exists():
        raise param_error(f"Extension {extension.name} is not registered with {cluster.name}")
    bindings.unbind_cluster(binding.get(), acting_user=ctx.user, client_ip=ctx.client_ip)
    return ctx.one(extension)


# -- custom actions -------------------------------------------------------------------------
def _render_action(action, ctx):
    return clean(
        {
            "id": uid(action),
            "name": action.name,
            "description": action.description,
            "extensionid": uid(action.extension),
            "extensionname": action.extension.name,
            "resourcetype": action.resource_type,
            "allowedroletypes": list(action.allowed_role_types or []),
            "successmessage": action.success_message or None,
            "errormessage": action.error_message or None,
            "timeout": action.timeout,
            "enabled": action.enabled,
            "details": masked(action.details or {}),
            "parameters": [
                clean({**p, "valueoptions": p.get("valueoptions") or None})
                for p in action.parameters or []
            ],
            "created": cs_date(action.created),
        }
    )


CUSTOM_ACTION = Shape(
    "extensioncustomaction",
    (
        *fields(
            "id name description extensionid extensionname resourcetype allowedroletypes "
            "successmessage errormessage timeout enabled details created",
            allowedroletypes="list",
            timeout="integer",
            enabled="boolean",
            details="map",
            created="date",
        ),
        Field("parameters", "list", nested=fields("name type validationformat valueoptions")),
    ),
    _render_action,
)


def _action_fields(ctx) -> dict:
    out = {}
    for param, field in (
        ("description", "description"),
        ("successmessage", "success_message"),
        ("errormessage", "error_message"),
        ("resourcetype", "resource_type"),
    ):
        if ctx.has(param):
            out[field] = ctx.str(param)
    if ctx.has("timeout"):
        out["timeout"] = ctx.int("timeout")
        if out["timeout"] < 0:
            raise param_error("timeout must not be negative")
    if "enabled" in ctx.params:
        out["enabled"] = ctx.bool("enabled")
    if ctx.has("allowedroletypes"):
        out["allowed_role_types"] = ctx.list("allowedroletypes")
    if ctx.map("parameters"):
        out["parameters"] = ctx.map("parameters")
    if ctx.map("details"):
        out["details"] = details_map(ctx, "details")
    return out


ACTION_PARAMS = [
    Param("description"),
    Param("resourcetype", description="VirtualMachine"),
    Param("allowedroletypes", "list", description="Admin, ResourceAdmin, DomainAdmin, User"),
    Param("parameters", "map", description="name, type, validationformat, valueoptions, required"),
    Param("successmessage"),
    Param("errormessage"),
    Param("timeout", "integer"),
    Param("enabled", "boolean"),
    Param("details", "map"),
]


@command(
    "addCustomAction",
    "Add a custom action for an extension",
    params=[
        Param("extensionid", "uuid", required=True, related="listExtensions"),
        Param("name", required=True),
        *ACTION_PARAMS,
    ],
    shape=CUSTOM_ACTION,
)
def add_custom_action(ctx):
    action = custom_actions.add_custom_action(
        _extension(ctx, "extensionid"),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        name=ctx.str("name"),
        **_action_fields(ctx),
    )
    return ctx.one(action)


def _action(ctx, name: str = "id") -> ExtensionCustomAction:
    qs = custom_actions.visible_actions(ctx.user)
    return ctx.by_uuid(ExtensionCustomAction, ctx.str(name, required=True), name=name, queryset=qs)


@command(
    "listCustomActions",
    "Lists the custom actions",
    params=[
        Param("id", "uuid", related="listCustomActions"),
        Param("name"),
        Param("extensionid", "uuid", related="listExtensions"),
        Param("resourcetype"),
        Param("resourceid", description="an instance: the actions of its cluster's extension"),
        Param("enabled", "boolean"),
    ],
    shape=CUSTOM_ACTION,
    is_list=True,
)
def list_custom_actions(ctx):
    qs = custom_actions.visible_actions(ctx.user)
    if ctx.has("id"):
        qs = qs.filter(pk=_action(ctx).pk)
    if ctx.has("extensionid"):
        qs = qs.filter(extension=_extension(ctx, "extensionid"))
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("resourcetype"):
        qs = qs.filter(resource_type__iexact=ctx.str("resourcetype"))
    if "enabled" in ctx.params:
        qs = qs.filter(enabled=ctx.bool("enabled"))
    if ctx.has("resourceid"):
        instance = ctx.by_uuid(Instance, ctx.str("resourceid"), name="resourceid")
        host = instance.host or instance.last_host
        binding = bindings.cluster_binding(host.cluster_id) if host else None
        qs = qs.filter(extension_id=binding.extension_id) if binding else qs.none()
    return ctx.listing(ctx.keyword(qs))


@command(
    "updateCustomAction",
    "Update the custom action",
    params=[
        Param("id", "uuid", required=True, related="listCustomActions"),
        *ACTION_PARAMS,
        Param("cleanupparameters", "boolean"),
        Param("cleanupdetails", "boolean"),
    ],
)
def update_custom_action(ctx):
    custom_actions.update_custom_action(
        _action(ctx),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        cleanup_parameters=ctx.bool("cleanupparameters"),
        cleanup_details=ctx.bool("cleanupdetails"),
        **_action_fields(ctx),
    )
    return success()


@command(
    "deleteCustomAction",
    "Delete the custom action",
    params=[Param("id", "uuid", required=True, related="listCustomActions")],
)
def delete_custom_action(ctx):
    custom_actions.delete_custom_action(_action(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@command(
    "runCustomAction",
    "Run the custom action",
    params=[
        Param("customactionid", "uuid", required=True, related="listCustomActions"),
        Param("resourcetype", description="VirtualMachine"),
        Param("resourceid", required=True, description="the instance's UUID"),
        Param("parameters", "map"),
        Param("starteventid", "long", description="not supported"),
        Param("customjobid", description="not supported"),
    ],
    isasync=True,
)
def run_custom_action(ctx):
    refuse(ctx, "starteventid", "customjobid")
    action = _action(ctx, "customactionid")
    kind = ctx.str("resourcetype") or action.resource_type
    if kind.lower() != action.resource_type.lower():
        raise param_error(f"{action.name} runs on {action.resource_type}, not {kind}")
    instance = ctx.by_uuid(Instance, ctx.str("resourceid"), name="resourceid", action="change")
    parameters = {}
    for entry in ctx.map("parameters"):
        parameters.update(entry)
    job = custom_actions.request_run(
        action, instance, parameters, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return answer(job)


# -- clusters and hosts of hypervisor type External ------------------------------------------
def external_cluster(ctx, fields: dict) -> Cluster:
    """``addCluster`` with ``extensionid``/``externaldetails``: the cluster and its
    registration with the extension in one transaction."""
    from django.db import transaction

    from compute import services

    if (fields.get("hypervisor") or "") != "External":
        raise param_error("extensionid and externaldetails are for hypervisor External only")
    extension = _extension(ctx, "extensionid")
    with transaction.atomic():
        cluster = services.create_cluster(acting_user=ctx.user, client_ip=ctx.client_ip, **fields)
        bindings.bind_cluster(
            acting_user=ctx.user,
            extension=extension,
            cluster=cluster,
            details=details_map(ctx, "externaldetails"),
            client_ip=ctx.client_ip,
        )
    return cluster


def extension_fields(binding) -> dict:
    """``extensionid``/``extensionname`` of a cluster's or host's response."""
    if binding is None:
        return {}
    return {"extensionid": uid(binding.extension), "extensionname": binding.extension.name}
