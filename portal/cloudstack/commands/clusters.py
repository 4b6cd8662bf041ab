"""``updateCluster`` and ``updateHost``: rename, enable/disable, tags, and the
externaldetails of External clusters (their extension registration's) and hosts."""

from __future__ import annotations

from django.db import transaction

from compute import services
from compute.models import Cluster, Host
from marketplace.services import bindings
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param
from .extensions import details_map, refuse
from .infra import CLUSTER, HOST, _hypervisor


@command(
    "updateCluster",
    "Updates an existing cluster",
    params=[
        Param("id", "uuid", required=True, related="listClusters"),
        Param("clustername"),
        Param("allocationstate", description="Enabled or Disabled"),
        Param("hypervisor", description="must stay the cluster's"),
        Param("clustertype", description="must stay the cluster's"),
        Param("managedstate", description="not supported"),
        Param("arch", description="not supported"),
        Param("externaldetails", "map", description="External clusters: the registration's"),
    ],
    shape=CLUSTER,
)
def update_cluster(ctx):
    cluster = ctx.get(Cluster, "id", required=True, action="change")
    refuse(ctx, "managedstate", "arch")
    for param, current in (
        ("hypervisor", cluster.hypervisor),
        ("clustertype", cluster.cluster_type),
    ):
        value = ctx.str(param)
        if (
            value is not None
            and (_hypervisor(value) if param == "hypervisor" else value) != current
        ):
            raise param_error(f"The {param} of a cluster cannot be changed ({current})")
    changes = {}
    if ctx.has("clustername"):
        changes["name"] = ctx.str("clustername")
    if ctx.has("allocationstate"):
        changes["allocation_state"] = ctx.str("allocationstate")
    with transaction.atomic():
        if ctx.map("externaldetails"):
            binding = bindings.cluster_binding(cluster.pk)
            if binding is None:
                raise param_error(
                    "externaldetails: the cluster is not registered with an extension"
                )
            bindings.update_binding_details(
                binding,
                details_map(ctx, "externaldetails"),
                acting_user=ctx.user,
                client_ip=ctx.client_ip,
            )
        if changes:
            cluster = services.update_cluster(
                cluster, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
            )
    return ctx.one(cluster)


@command(
    "updateHost",
    "Updates a host.",
    params=[
        Param("id", "uuid", required=True, related="listHosts"),
        Param("name"),
        Param("allocationstate", description="Enable or Disable"),
        Param("hosttags", "list"),
        Param("externaldetails", "map", description="External hosts: merged into theirs"),
        Param("cleanupexternaldetails", "boolean", description="External hosts: drop the old"),
        Param("oscategoryid", "uuid", description="not supported"),
        Param("istagarule", "boolean", description="not supported"),
        Param("url", description="not supported"),
        Param("annotation", description="not supported"),
    ],
    shape=HOST,
)
def update_host(ctx):
    from compute.services.external import update_external_details

    host = ctx.get(Host, "id", required=True, action="change")
    refuse(ctx, "oscategoryid", "istagarule", "url", "annotation")
    state = (ctx.str("allocationstate") or "").lower()
    if state and state not in ("enable", "disable"):
        raise param_error("allocationstate must be Enable or Disable")
    changes = {}
    if ctx.has("name"):
        changes["name"] = ctx.str("name")
    if "hosttags" in ctx.params:
        changes["host_tags"] = ctx.list("hosttags")
    who = {"acting_user": ctx.user, "client_ip": ctx.client_ip}
    with transaction.atomic():
        if ctx.map("externaldetails") or ctx.bool("cleanupexternaldetails"):
            host = update_external_details(
                host,
                details_map(ctx, "externaldetails"),
                cleanup=ctx.bool("cleanupexternaldetails"),
                **who,
            )
        if changes:
            host = services.update_host(host, **who, **changes)
        if state:
            toggle = services.enable_host if state == "enable" else services.disable_host
            host = toggle(host, **who)
    return ctx.one(host)
