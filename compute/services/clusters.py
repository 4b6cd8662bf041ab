"""Cluster services: a group of hosts of one hypervisor inside a pod."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from compute.hypervisors import validate_hypervisor
from compute.models import Cluster
from compute.services._common import check_immutable, check_unique
from portal.services.base import apply_changes, delete_with_event, save_validated
from portal.services.configuration import config_value


def _validate_cluster(cluster: Cluster) -> None:
    validate_hypervisor(cluster.hypervisor)
    for field in ("cpu_overcommit_ratio", "memory_overcommit_ratio"):
        value = getattr(cluster, field)
        if value is None or Decimal(str(value)) < 1:
            raise ValidationError({field: "The overcommit ratio must be at least 1."})
    check_unique(
        Cluster.objects.filter(pod=cluster.pod_id),
        "name",
        cluster.name,
        exclude_pk=cluster.pk,
        message=f"A cluster named '{cluster.name}' already exists in this pod.",
    )


def create_cluster(*, acting_user, client_ip: str | None = None, **fields) -> Cluster:
    """Add a cluster to a pod. The zone is the pod's (a different one given is refused)."""
    pod = fields["pod"]
    zone = fields.pop("zone", None)
    if zone is not None and zone.pk != pod.zone_id:
        raise ValidationError({"zone": "The zone must be the pod's zone."})
    # a new cluster starts with the global overprovisioning factors (as upstream copies
    # them into the cluster's details)
    for field, key in (
        ("cpu_overcommit_ratio", "cpu.overprovisioning.factor"),
        ("memory_overcommit_ratio", "mem.overprovisioning.factor"),
    ):
        if fields.get(field) is None:
            fields[field] = config_value(key)
    cluster = Cluster(zone_id=pod.zone_id, **fields)
    _validate_cluster(cluster)
    return save_validated(
        cluster, event_type="CLUSTER.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_cluster(
    cluster: Cluster, *, acting_user, client_ip: str | None = None, **changes
) -> Cluster:
    """Rename, enable/disable or change the overcommit ratios of a cluster."""
    check_immutable(cluster, changes, ("pod", "zone", "hypervisor"))
    cluster = apply_changes(cluster, changes)
    _validate_cluster(cluster)
    return save_validated(
        cluster, event_type="CLUSTER.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_cluster(cluster: Cluster, *, acting_user, client_ip: str | None = None) -> None:
    """Delete a cluster without hosts or storage pools."""
    delete_with_event(
        cluster, event_type="CLUSTER.DELETE", acting_user=acting_user, client_ip=client_ip
    )
