"""``addSecondaryStorage`` (the pre-4.2 form of addImageStore) and the descriptions of
``login``/``logout`` for ``listApis``: views.py answers those two itself, before any
signature or role check, so their handlers here never run."""

from __future__ import annotations

from compute.models import Zone
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import Shape, command
from storage import services

from ._common import Param, fields
from .storage import IMAGE_STORE

SECONDARY_STORAGE = Shape("secondarystorage", IMAGE_STORE.fields, IMAGE_STORE.render)


@command(
    "addSecondaryStorage",
    "Adds secondary storage (nfs://server/path or cifs://server/share?user=U&password=P).",
    params=[
        Param("url", required=True, length=2048, description="the URL of the store"),
        Param("zoneid", "uuid", related="listZones", description="the zone (none: region-wide)"),
    ],
    shape=SECONDARY_STORAGE,
)
def add_secondary_storage(ctx):
    url = ctx.str("url", required=True)
    store = services.create_image_store(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        url=url,
        zone=ctx.get(Zone, "zoneid"),
    )
    return ctx.one(store)


def _answered_by_the_view(ctx):  # pragma: no cover - views.py intercepts these commands
    raise param_error(f"{ctx.command.name} is handled by the API endpoint itself")


LOGIN = Shape(
    "login",
    fields(
        "username userid domainid timeout account firstname lastname type timezone "
        "registered sessionkey issuerfor2fa is2faenabled is2faverified",
        timeout="integer",
        type="integer",
        registered="boolean",
        is2faenabled="boolean",
        is2faverified="boolean",
    ),
    lambda obj, ctx: {},
)
LOGOUT = Shape("logout", fields("description"), lambda obj, ctx: {})

command(
    "login",
    "Logs a user into the CloudStack. A successful login attempt will generate a JSESSIONID "
    'cookie value that can be passed in subsequent Query command calls until the "logout" '
    "command has been issued or the session has expired.",
    params=[
        Param("username", required=True, description="Username"),
        Param("password", required=True, description="Hashed password (plain text over TLS)"),
        Param("domain", description="Path of the domain the user belongs to (default ROOT)"),
        Param("domainid", "uuid", description="The id of the domain the user belongs to"),
    ],
    shape=LOGIN,
)(_answered_by_the_view)
command("logout", "Logs out the user", shape=LOGOUT)(_answered_by_the_view)
