"""``listManagementServers``: the management plane's nodes (root admins only)."""

from __future__ import annotations

from portal.cloudstack.errors import NOT_AVAILABLE, UNSUPPORTED_ACTION, ApiError
from portal.cloudstack.registry import command
from portal.models import ManagementServer
from portal.services import management

from ._common import Param, cs_date, shape, uid


@shape(
    "managementserver",
    "id name state version serviceip ipaddress lastserverstart lastserverstop lastboottime "
    "kernelversion osdistribution javadistribution javaversion peers "
    "isleader leadersince lastheartbeat heartbeatage",
    isleader="boolean",
    heartbeatage="long",
)
def MANAGEMENT_SERVER(view, ctx):
    server = view.server
    peers = None
    if view.peers is not None:
        peers = [
            {"peermsid": uid(other), "peername": other.name, "peerstate": other.state}
            for other in view.peers
        ]
    return {
        "id": uid(server),
        "name": server.name,
        "state": server.state,
        "version": server.version,
        "serviceip": server.service_ip,
        "ipaddress": server.service_ip,
        "lastserverstart": cs_date(server.last_start),
        "lastserverstop": cs_date(server.last_stop),
        "lastboottime": cs_date(server.last_boot),
        "kernelversion": server.kernel_version,
        "osdistribution": server.os_distribution,
        # a Python service: the runtime fields report Python, not a JVM
        "javadistribution": "CPython",
        "javaversion": server.python_version,
        "peers": peers,
        "isleader": view.is_leader,
        "leadersince": cs_date(view.leader_since),
        "lastheartbeat": cs_date(server.last_heartbeat),
        "heartbeatage": None if view.heartbeat_age is None else int(view.heartbeat_age),
    }


@command(
    "listManagementServers",
    "Lists management servers.",
    params=[
        Param("id", "uuid", related="listManagementServers"),
        Param("name"),
        Param("peers", "boolean", description="whether to list each server's peers"),
    ],
    shape=MANAGEMENT_SERVER,
    is_list=True,
)
def list_management_servers(ctx):
    if not ctx.is_root:
        raise ApiError(UNSUPPORTED_ACTION, NOT_AVAILABLE)
    qs = ManagementServer.objects.all()
    if ctx.has("id"):
        qs = qs.filter(uuid=ctx.by_uuid(ManagementServer, ctx.str("id"), action=None).uuid)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    views = management.servers(ctx.keyword(qs))
    if ctx.bool("peers"):
        everyone = list(ManagementServer.objects.all())
        for view in views:
            view.peers = [other for other in everyone if other.pk != view.server.pk]
    return ctx.listing(views)
