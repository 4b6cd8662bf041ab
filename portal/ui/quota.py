"""Quota usage rows (used vs. limit) shown where a user acts: dashboard, deploy, lists."""

from __future__ import annotations

from portal.choices import ResourceType
from portal.models import ResourceLimit
from portal.services.limits import account_usage
from portal.ui.format import percent

SHOWN = (
    ResourceType.INSTANCE,
    ResourceType.CPU,
    ResourceType.MEMORY,
    ResourceType.VOLUME,
    ResourceType.PRIMARY_STORAGE,
    ResourceType.NETWORK,
)


def quota_rows(account, types=SHOWN) -> list[dict]:
    """Usage of ``account`` against its own limits (-1 or none: unlimited)."""
    usage = account_usage(account)
    limits = dict(ResourceLimit.objects.filter(account=account).values_list("resource_type", "max"))
    rows = []
    for resource_type in types:
        used = usage.get(resource_type, 0)
        limit = limits.get(resource_type, -1)
        rows.append(
            {
                "label": ResourceType(resource_type).label,
                "used": used,
                "limit": limit,
                "unlimited": limit == -1,
                "percent": percent(used, limit) if limit > 0 else 0,
            }
        )
    return rows
