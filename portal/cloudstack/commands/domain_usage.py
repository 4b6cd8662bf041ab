"""The limit/total/available fields of a domain answer (listDomains), as upstream's
DomainResponse: limits set on the domain (``Unlimited`` otherwise, and always for ROOT),
the use of every account in its subtree, and what is left."""

from __future__ import annotations

from portal.choices import ResourceType
from portal.models import ResourceLimit
from portal.services.limits import domain_usage

# CloudStack's field prefix -> our resource type
PREFIXES = {
    "vm": ResourceType.INSTANCE,
    "ip": ResourceType.PUBLIC_IP,
    "volume": ResourceType.VOLUME,
    "snapshot": ResourceType.SNAPSHOT,
    "template": ResourceType.TEMPLATE,
    "project": ResourceType.PROJECT,
    "network": ResourceType.NETWORK,
    "cpu": ResourceType.CPU,
    "memory": ResourceType.MEMORY,
    "primarystorage": ResourceType.PRIMARY_STORAGE,
    "secondarystorage": ResourceType.SECONDARY_STORAGE,
}
FIELD_NAMES = " ".join(f"{p}limit {p}total {p}available" for p in PREFIXES)
FIELD_TYPES = {f"{p}total": "long" for p in PREFIXES}
UNLIMITED = "Unlimited"


def usage_fields(domain) -> dict:
    """``vmlimit``/``vmtotal``/``vmavailable`` and the others for ``domain``."""
    used = domain_usage(domain)
    limits = {}
    if domain.parent_id is not None:
        limits = dict(
            ResourceLimit.objects.filter(domain=domain, account__isnull=True)
            .exclude(max=-1)
            .values_list("resource_type", "max")
        )
    out: dict = {}
    for prefix, resource_type in PREFIXES.items():
        total = used.get(resource_type, 0)
        limit = limits.get(resource_type)
        out[f"{prefix}limit"] = UNLIMITED if limit is None else str(limit)
        out[f"{prefix}total"] = total
        out[f"{prefix}available"] = UNLIMITED if limit is None else str(max(limit - total, 0))
    return out
