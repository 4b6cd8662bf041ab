"""Discovery: listApis (from the registry, filtered by the caller's role), listCapabilities."""

from __future__ import annotations

from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import Field, Param, Shape, all_commands, command

API = Shape(
    "api",
    (
        Field("name"),
        Field("description"),
        Field("isasync", "boolean"),
        Field("related"),
        Field("since"),
        Field("params", "set"),
        Field("response", "set"),
    ),
    lambda cmd, ctx: cmd.describe(),
)
CAPABILITY = Shape(
    "capability",
    tuple(
        Field(n)
        for n in (
            "cloudstackversion",
            "securitygroupsenabled",
            "userpublictemplateenabled",
            "allowusercreateprojects",
            "dynamicrolesenabled",
            "apilimitinterval",
            "apilimitmax",
            "kvmsnapshotenabled",
            "projectinviterequired",
        )
    ),
    lambda _, ctx: {},
)
VERSION = "4.19.0.0"


def _allowed(ctx, name: str) -> bool:
    account = getattr(ctx.user, "account", None)
    return ctx.user.is_superuser if account is None else account.role.allows(name)


@command(
    "listApis",
    "lists all available apis on the server, provided by the Api Discovery plugin",
    params=[Param("name", description="API name")],
    shape=API,
)
def list_apis(ctx):
    commands = all_commands()  # core and enabled plugins' (api.client_commands)
    names = sorted(commands)
    if ctx.has("name"):
        names = [n for n in names if n.lower() == ctx.str("name").lower()]
        if not names:
            raise param_error(
                "Api Discovery plugin was unable to find an api by that name or process any "
                f"apis: {ctx.str('name')}"
            )
    apis = [commands[n] for n in names if _allowed(ctx, n)]
    if not apis:
        return {}
    return {"count": len(apis), "api": [a.describe() for a in apis]}


@command("listCapabilities", "Lists capabilities", shape=CAPABILITY)
def list_capabilities(ctx):
    from compute.models import Zone

    return {
        "capability": {
            "cloudstackversion": VERSION,
            "securitygroupsenabled": Zone.objects.filter(security_group_enabled=True).exists(),
            "userpublictemplateenabled": False,
            "allowusercreateprojects": True,
            "allowuserviewdestroyedvm": True,
            "allowuserexpungerecovervm": False,
            "dynamicrolesenabled": True,
            "apilimitinterval": 1,
            "apilimitmax": -1,
            "kvmsnapshotenabled": False,
            "projectinviterequired": False,
            "supportELB": "false",
            "customdiskofferingmaxsize": 1024,
            "customdiskofferingminsize": 1,
            "regionsecondaryenabled": False,
            "kubernetesserviceenabled": False,
        }
    }
