"""Bindings of script extensions to resources (CloudStack's ``registerExtension``): a
cluster of hypervisor type External is run by exactly one Orchestrator extension."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace.choices import ExtensionType
from marketplace.models import Extension, ExtensionResourceMap
from portal.services.audit import record_event

CLUSTER = "Cluster"


def cluster_binding(cluster_id: int) -> ExtensionResourceMap | None:
    """The extension binding of a cluster, if any (with its extension)."""
    return (
        ExtensionResourceMap.objects.select_related("extension")
        .filter(resource_type=CLUSTER, resource_id=cluster_id)
        .first()
    )


def bind_cluster(
    *,
    acting_user,
    extension: Extension,
    cluster,
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> ExtensionResourceMap:
    """Bind an External cluster to an Orchestrator extension; its instances are deployed and
    managed through it. ``details`` reach the extension as ``externaldetails.resourcemap``."""
    from compute.choices import Hypervisor

    if cluster.hypervisor != Hypervisor.EXTERNAL:
        raise ValidationError({"cluster": "Only clusters of hypervisor type External."})
    if extension.type != ExtensionType.ORCHESTRATOR:
        raise ValidationError({"extension": "Only Orchestrator extensions run clusters."})
    if details is not None and not isinstance(details, dict):
        raise ValidationError({"details": "Must be an object."})
    if cluster_binding(cluster.pk) is not None:
        raise ValidationError({"cluster": "This cluster is already bound to an extension."})
    with transaction.atomic():
        binding = ExtensionResourceMap.objects.create(
            extension=extension,
            resource_type=CLUSTER,
            resource_id=cluster.pk,
            details=details or {},
        )
        record_event(
            "EXTENSION.REGISTER",
            acting_user=acting_user,
            resource=extension,
            client_ip=client_ip,
            description=f"{extension.name} runs cluster {cluster.name}",
        )
    return binding


def unbind_cluster(
    binding: ExtensionResourceMap, *, acting_user, client_ip: str | None = None
) -> None:
    """Remove a binding; refused while the cluster still has instances."""
    from compute.models import Instance

    if binding.resource_type == CLUSTER:
        live = Instance.objects.filter(
            host__cluster_id=binding.resource_id, removed__isnull=True
        ).exists()
        if live:
            raise ValidationError({"cluster": "The cluster still has running instances."})
    with transaction.atomic():
        record_event(
            "EXTENSION.UNREGISTER",
            acting_user=acting_user,
            resource=binding.extension,
            client_ip=client_ip,
            description=f"{binding.resource_type} {binding.resource_id} unbound",
        )
        binding.delete()


def update_binding_details(
    binding: ExtensionResourceMap, details: dict[str, Any], *, acting_user, client_ip=None
) -> ExtensionResourceMap:
    """Replace a binding's details (``updateCluster externaldetails``)."""
    if not isinstance(details, dict):
        raise ValidationError({"details": "Must be an object."})
    with transaction.atomic():
        binding.details = details
        binding.save(update_fields=["details", "updated"])
        record_event(
            "EXTENSION.RESOURCE.UPDATE",
            acting_user=acting_user,
            resource=binding.extension,
            client_ip=client_ip,
            description=f"{binding.resource_type} {binding.resource_id} details changed",
        )
    return binding
