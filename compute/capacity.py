"""Atomic capacity claims on hosts and storage pools.

A claim is one conditional ``UPDATE ... SET allocated = allocated + x WHERE id = ? AND
allocated + x <= limit``: on PostgreSQL the row lock makes concurrent claims serialise and
the condition is re-checked on the latest row version, so capacity is never overcommitted;
on SQLite writers are serialised anyway. A claim that matched no row lost the race.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F

from compute.models import Host
from portal.services.configuration import config_value
from storage.models import StoragePool

MIB = 1024 * 1024

# What a host or pool may hand out, as SQL expressions (placement and capacity summaries use
# the same rule as :func:`host_limits` and :func:`pool_limit`).
HOST_CPU_LIMIT = F("cpus") * F("cpu_speed") * F("cluster__cpu_overcommit_ratio")
HOST_MEMORY_LIMIT = F("memory") * F("cluster__memory_overcommit_ratio")
POOL_LIMIT = F("capacity_bytes") * F("overprovisioning_factor")


def host_limits(host: Host) -> tuple[int, int]:
    """(CPU MHz, memory bytes) the host may hand out, with its cluster's
    ``cpu.overprovisioning.factor`` and ``mem.overprovisioning.factor`` (cluster scope:
    the cluster's overcommit ratio columns, which the SQL limits above read too)."""
    cluster = host.cluster
    cpu_factor = config_value("cpu.overprovisioning.factor", cluster=cluster)
    memory_factor = config_value("mem.overprovisioning.factor", cluster=cluster)
    cpu = int(Decimal(host.cpus * host.cpu_speed) * cpu_factor)
    memory = int(Decimal(host.memory) * memory_factor)
    return cpu, memory


def claim_host(host: Host, *, cpu_mhz: int, memory_mib: int) -> bool:
    """Claim CPU and memory on ``host``; False when it no longer has room."""
    cpu_limit, memory_limit = host_limits(host)
    memory = memory_mib * MIB
    return bool(
        Host.objects.filter(
            pk=host.pk,
            cpu_allocated_mhz__lte=cpu_limit - cpu_mhz,
            memory_allocated__lte=memory_limit - memory,
        ).update(
            cpu_allocated_mhz=F("cpu_allocated_mhz") + cpu_mhz,
            memory_allocated=F("memory_allocated") + memory,
        )
    )


def release_host(host_id: int, *, cpu_mhz: int, memory_mib: int) -> None:
    """Give back a claim (never below zero)."""
    memory = memory_mib * MIB
    Host.objects.filter(
        pk=host_id, cpu_allocated_mhz__gte=cpu_mhz, memory_allocated__gte=memory
    ).update(
        cpu_allocated_mhz=F("cpu_allocated_mhz") - cpu_mhz,
        memory_allocated=F("memory_allocated") - memory,
    )


def pool_limit(pool: StoragePool) -> int:
    """Bytes the pool may hand out: its size x ``storage.overprovisioning.factor``."""
    factor = config_value("storage.overprovisioning.factor", storage=pool)
    return int(Decimal(pool.capacity_bytes) * factor)


def claim_pool(pool: StoragePool, *, size_bytes: int) -> bool:
    """Claim space on a primary storage pool; False when it no longer has room."""
    return bool(
        StoragePool.objects.filter(
            pk=pool.pk, allocated_bytes__lte=pool_limit(pool) - size_bytes
        ).update(allocated_bytes=F("allocated_bytes") + size_bytes)
    )


def release_pool(pool_id: int, *, size_bytes: int) -> None:
    StoragePool.objects.filter(pk=pool_id, allocated_bytes__gte=size_bytes).update(
        allocated_bytes=F("allocated_bytes") - size_bytes
    )
