"""Capacity per zone in a constant number of SQL aggregates (dashboard, listCapacity)."""

from __future__ import annotations

from django.db.models import Sum

from compute.capacity import HOST_CPU_LIMIT, HOST_MEMORY_LIMIT, POOL_LIMIT
from compute.models import Host
from storage.models import StoragePool

#: CloudStack capacity types: 0 memory, 1 CPU, 2 primary storage, 3 primary allocated.
MEMORY, CPU, STORAGE, STORAGE_ALLOCATED = 0, 1, 2, 3


def zone_capacity(hosts=None, pools=None) -> dict[int, dict[int, tuple[int, int]]]:
    """``{zone_id: {type: (used, total)}}`` over the given host/pool querysets. Totals honour
    the clusters' overcommit ratios and the pools' overprovisioning, as placement does."""
    hosts = Host.objects.all() if hosts is None else hosts
    pools = StoragePool.objects.all() if pools is None else pools
    result: dict[int, dict[int, tuple[int, int]]] = {}
    for row in (
        hosts.filter(host_type="Routing")
        .values("zone_id")
        .annotate(
            mem_total=Sum(HOST_MEMORY_LIMIT),
            mem_used=Sum("memory_allocated"),
            cpu_total=Sum(HOST_CPU_LIMIT),
            cpu_used=Sum("cpu_allocated_mhz"),
        )
    ):
        zone = result.setdefault(row["zone_id"], {})
        zone[MEMORY] = (int(row["mem_used"] or 0), int(row["mem_total"] or 0))
        zone[CPU] = (int(row["cpu_used"] or 0), int(row["cpu_total"] or 0))
    for row in pools.values("zone_id").annotate(
        total=Sum("capacity_bytes"),
        used=Sum("used_bytes"),
        alloc=Sum("allocated_bytes"),
        provisioned=Sum(POOL_LIMIT),
    ):
        zone = result.setdefault(row["zone_id"], {})
        zone[STORAGE] = (int(row["used"] or 0), int(row["total"] or 0))
        zone[STORAGE_ALLOCATED] = (int(row["alloc"] or 0), int(row["provisioned"] or 0))
    return result
