"""Configuration settings: listConfigurations, updateConfiguration, resetConfiguration and
listConfigurationGroups (root admins), over :mod:`portal.services.configuration`.

A setting is addressed at one scope by at most one of zoneid, clusterid, storageid,
accountid and domainid (none: global), as upstream.
"""

from __future__ import annotations

from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.config.keys import (
    ACCOUNT,
    CLUSTER,
    DOMAIN,
    GLOBAL,
    GROUPS,
    IMAGE_STORE,
    STORAGE,
    ZONE,
    all_keys,
)
from portal.services import configuration as services

from ._common import Param, shape

# parameter -> scope
SCOPE_PARAMS = {
    "zoneid": ZONE,
    "clusterid": CLUSTER,
    "storageid": STORAGE,
    "accountid": ACCOUNT,
    "domainid": DOMAIN,
}
RELATED = {
    "zoneid": "listZones",
    "clusterid": "listClusters",
    "storageid": "listStoragePools",
    "accountid": "listAccounts",
    "domainid": "listDomains",
}
SCOPE_ARGS = [
    Param(p, "uuid", related=r, description=f"the {p[:-2]} scope") for p, r in RELATED.items()
]

CONFIGURATION_SPEC = (
    "category group subgroup name value defaultvalue scope id description isdynamic "
    "component parent displaytext type options"
)


@shape("configuration", CONFIGURATION_SPEC, isdynamic="boolean")
def CONFIGURATION(setting, ctx):
    key = setting.key
    return {
        "category": "Secure" if key.secret else key.category,
        "group": key.group,
        "subgroup": key.subgroup,
        "name": key.name,
        "value": setting.shown_value,
        "defaultvalue": key.default,
        "scope": setting.scope,
        "id": str(setting.obj.uuid) if setting.obj is not None else None,
        "description": key.description,
        "isdynamic": key.is_dynamic,
        "component": key.component,
        "parent": key.parent or None,
        "displaytext": key.display_text,
        "type": "Number" if key.type in ("Integer", "Long") else key.type,
        "options": ",".join(key.options) or None,
    }


def _scope(ctx, *, image_store_param: str) -> tuple[str, object | None]:
    """(scope, object) named by the one scope parameter sent (global when none)."""
    if ctx.has(image_store_param):
        raise param_error(
            f"{image_store_param}: no setting this portal honours has the image store scope"
        )
    sent = [p for p in SCOPE_PARAMS if ctx.has(p)]
    if len(sent) > 1:
        raise param_error(
            "cannot handle multiple IDs, provide only one ID corresponding to the scope"
        )
    if not sent:
        return GLOBAL, None
    param = sent[0]
    scope = SCOPE_PARAMS[param]
    obj = ctx.get(services.scope_model(scope), param, required=True)
    return scope, obj


def _key(ctx):
    name = ctx.str("name", required=True)
    try:
        return services.key_or_error(name)
    except services.UnknownKey:
        raise param_error(f"Configuration {name} does not exist") from None


@command(
    "listConfigurations",
    "Lists all configurations (at one scope when zoneid, clusterid, storageid, accountid or "
    "domainid is given)",
    params=[
        Param("name", description="lists configuration by name"),
        Param("category", description="lists configurations by category"),
        Param("group", description="lists configurations by group name"),
        Param("subgroup", description="lists configurations by subgroup name"),
        Param("parent", description="lists configurations by parent name"),
        *SCOPE_ARGS,
        Param("imagestoreuuid", "uuid", description="the image store scope (none is honoured)"),
    ],
    shape=CONFIGURATION,
    is_list=True,
)
def list_configurations(ctx):
    scope, obj = _scope(ctx, image_store_param="imagestoreuuid")
    rows = services.settings_at(scope, obj)
    filters = {
        "name": lambda s, v: v.lower() in s.key.name.lower(),
        "category": lambda s, v: s.key.category.lower() == v.lower(),
        "group": lambda s, v: s.key.group.lower() == v.lower(),
        "subgroup": lambda s, v: s.key.subgroup.lower() == v.lower(),
        "parent": lambda s, v: s.key.parent.lower() == v.lower(),
        "keyword": lambda s, v: v.lower() in s.key.name.lower(),
    }
    for param, test in filters.items():
        if ctx.has(param):
            rows = [s for s in rows if test(s, ctx.str(param))]
    ctx.keyword_applied = True
    return ctx.listing(rows)


SCOPED_ARGS = [
    Param("name", required=True, description="the name of the configuration"),
    *SCOPE_ARGS,
]


@command(
    "updateConfiguration",
    "Updates a configuration (globally, or at one scope)",
    params=[
        *SCOPED_ARGS[:1],
        Param("value", description="the value of the configuration", length=4096),
        *SCOPED_ARGS[1:],
        Param("imagestoreuuid", "uuid", description="the image store scope (none is honoured)"),
    ],
    shape=CONFIGURATION,
)
def update_configuration(ctx):
    key = _key(ctx)
    scope, obj = _scope(ctx, image_store_param="imagestoreuuid")
    if not ctx.has("value"):
        raise param_error(
            f"Please provide a value for {key.name}; use resetConfiguration to reset it"
        )
    setting = services.update_configuration(
        key.name,
        ctx.str("value"),
        scope=scope,
        obj=obj,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
    )
    return ctx.one(setting)


@command(
    "resetConfiguration",
    "Resets a configuration to its default (globally) or to its parent scope's value",
    params=[*SCOPED_ARGS, Param("imagestoreid", "uuid", description="the image store scope")],
    shape=CONFIGURATION,
)
def reset_configuration(ctx):
    key = _key(ctx)
    scope, obj = _scope(ctx, image_store_param="imagestoreid")
    setting = services.reset_configuration(
        key.name, scope=scope, obj=obj, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return ctx.one(setting)


@shape(
    "configurationgroup", "name subgroup description precedence", precedence="long", subgroup="list"
)
def CONFIGURATION_GROUP(group, ctx):
    name, (description, precedence, subgroups) = group
    return {
        "name": name,
        "description": description,
        "precedence": precedence,
        "subgroup": [
            {"name": sub, "precedence": order}
            for sub, order in sorted(subgroups.items(), key=lambda item: item[1])
        ],
    }


@command(
    "listConfigurationGroups",
    "Lists all configuration groups (primarily used for UI)",
    params=[Param("group", description="lists configuration group by group name")],
    shape=CONFIGURATION_GROUP,
    is_list=True,
)
def list_configuration_groups(ctx):
    groups = sorted(GROUPS.items(), key=lambda item: item[1][1])
    if ctx.has("group"):
        groups = [g for g in groups if g[0].lower() == ctx.str("group").lower()]
    if ctx.has("keyword"):
        word = ctx.str("keyword").lower()
        groups = [g for g in groups if word in g[0].lower()]
    ctx.keyword_applied = True
    return ctx.listing(groups)


__all__ = ["IMAGE_STORE", "all_keys"]
