"""Out-of-band management of hosts (CloudStack's ``*OutOfBandManagement*`` commands)."""

from __future__ import annotations

from compute.models import Host, OutOfBandManagement
from compute.services import oobm as services
from portal.cloudstack.asyncjobs import CMD_NAMES, answer, register_result
from portal.cloudstack.registry import command

from ._common import Param, shape, uid

HOST_ID = Param("hostid", "uuid", required=True, related="listHosts")


@shape(
    "outofbandmanagement",
    "hostid enabled driver address port username powerstate action status description",
    enabled="boolean",
    status="boolean",
)
def OOBM(oobm, ctx):
    return {
        "hostid": uid(oobm.host),
        "enabled": oobm.enabled,
        "driver": oobm.driver,
        "address": oobm.address,
        "port": str(oobm.port) if oobm.port else None,
        "username": oobm.username,
        "powerstate": oobm.power_state,
        "action": getattr(oobm, "last_action", None),
        "status": getattr(oobm, "last_action", None) is not None or None,
    }


def _host(ctx) -> Host:
    return ctx.get(Host, "hostid", action="change", required=True)


def _answer(oobm, ctx) -> dict:
    return {"outofbandmanagement": OOBM.render(oobm, ctx)}


@command(
    "configureOutOfBandManagement",
    "Configures a host's out-of-band management interface",
    params=[
        HOST_ID,
        Param("driver", required=True, description="the driver (e.g. simulator)"),
        Param("address", required=True),
        Param("port", required=True),
        Param("username", required=True),
        Param("password", required=True),
    ],
    shape=OOBM,
)
def configure(ctx):
    oobm = services.configure_oobm(
        _host(ctx),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        driver=ctx.str("driver"),
        address=ctx.str("address"),
        port=ctx.int("port"),
        username=ctx.str("username"),
        password=ctx.str("password"),
    )
    return _answer(oobm, ctx)


@command(
    "enableOutOfBandManagementForHost",
    "Enables out-of-band management for a host",
    params=[HOST_ID],
    shape=OOBM,
)
def enable(ctx):
    oobm = services.set_oobm_enabled(
        _host(ctx), True, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return _answer(oobm, ctx)


@command(
    "disableOutOfBandManagementForHost",
    "Disables out-of-band management for a host",
    params=[HOST_ID],
    shape=OOBM,
)
def disable(ctx):
    oobm = services.set_oobm_enabled(
        _host(ctx), False, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return _answer(oobm, ctx)


@command(
    "issueOutOfBandManagementPowerAction",
    "Initiates a power action (ON, OFF, CYCLE, RESET, STATUS) on a host "
    "through its out-of-band management driver",
    params=[HOST_ID, Param("action", required=True)],
    shape=OOBM,
    isasync=True,
)
def power(ctx):
    job = services.request_power_action(
        _host(ctx), ctx.str("action"), acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return answer(job)


register_result(
    "OutOfBandManagement",
    lambda: OutOfBandManagement.objects.select_related("host"),
    OOBM,
    "Host",
)
CMD_NAMES["host.oobm.power"] = (
    "org.apache.cloudstack.api.command.admin.outofbandmanagement.IssueOutOfBandManagementPowerActionCmd"
)

# Host HA fences through out-of-band management: its commands are registered with these.
from portal.cloudstack.commands import ha  # noqa: E402, F401
