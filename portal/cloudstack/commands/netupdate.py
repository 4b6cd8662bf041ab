"""updateNetwork and restartNetwork (networking.services.network_changes)."""

from __future__ import annotations

from networking.models import Network, NetworkOffering
from networking.services import network_changes as svc
from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.registry import command

from ._common import Param
from .networks import NETWORK, _ipv4


@command(
    "updateNetwork",
    "Updates a network",
    params=[
        Param("id", "uuid", required=True, related="listNetworks"),
        Param("name", description="the new name for the network"),
        Param("displaytext", description="the new display text for the network"),
        Param("networkdomain", description="network domain"),
        Param("networkofferingid", "uuid", related="listNetworkOfferings"),
        Param("guestvmcidr", description="CIDR for guest VMs inside the network's CIDR"),
        Param("dns1", description="the first IPv4 DNS for the network"),
        Param("dns2", description="the second IPv4 DNS for the network"),
    ],
    shape=NETWORK,
    isasync=True,
)
def update_network(ctx):
    network = ctx.get(Network, "id", action="change", required=True)
    changes = {}
    for param, field in (
        ("name", "name"),
        ("displaytext", "display_text"),
        ("networkdomain", "network_domain"),
    ):
        if ctx.has(param):
            changes[field] = ctx.str(param)
    for param in ("dns1", "dns2"):
        if ctx.has(param):
            changes[param] = _ipv4(ctx, param)
    network = svc.update_network_settings(
        network,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        network_offering=ctx.get(NetworkOffering, "networkofferingid"),
        guest_vm_cidr=ctx.str("guestvmcidr"),
        **changes,
    )
    return answer(completed_job(ctx, network), network)


@command(
    "restartNetwork",
    "Restarts the network: its rules are pushed to the hosts again.",
    params=[
        Param("id", "uuid", required=True, related="listNetworks"),
        Param("cleanup", "boolean", description="empty the hosts' rule sets of it first"),
    ],
    isasync=True,
)
def restart_network(ctx):
    network = ctx.get(Network, "id", action="change", required=True)
    job = svc.restart_network(
        network, acting_user=ctx.user, client_ip=ctx.client_ip, cleanup=ctx.bool("cleanup")
    )
    return answer(job)
