"""createConsoleEndpoint: a single-use console token for a VM (see compute/console/)."""

from __future__ import annotations

from django.urls import reverse

from compute.console import ConsoleUnavailable, issue_console, token_ttl
from compute.models import Instance
from portal.cloudstack.registry import command

from ._common import Param


@command(
    "createConsoleEndpoint",
    "Create a console endpoint to connect to a VM console",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("token", length=1024),
    ],
    response_name="createconsoleendpointresponse",
)
def create_console_endpoint(ctx):
    vm = ctx.get(Instance, "virtualmachineid", action="change", required=True)
    try:
        grant = issue_console(
            acting_user=ctx.user, instance=vm, client_ip=ctx.client_ip, extra=ctx.str("token", "")
        )
    except ConsoleUnavailable as exc:
        return {"consoleendpoint": {"success": False, "details": str(exc)}}
    page = f"{ctx.base_url}{reverse('compute:console_token')}?token={grant.token}"
    if grant.extra:
        page += f"&extra={grant.extra}"
    return {
        "consoleendpoint": {
            "success": True,
            "details": f"The console link is valid once, for {token_ttl()} seconds.",
            "url": page,
            "websocket": grant.websocket,
        }
    }
