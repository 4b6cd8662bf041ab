"""``updateCluster``: rename, enable/disable, and the externaldetails of an External
cluster's registration with its extension."""

from __future__ import annotations

from django.db import transaction

from compute import services
from compute.models import Cluster
from marketplace.services import bindings
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param
from .extensions import details_map, refuse
from .infra import CLUSTER, _hypervisor


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
