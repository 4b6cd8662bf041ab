"""Zone capacity in constant SQL, with overcommit, and listCapacity reading it."""

from decimal import Decimal

import pytest

from compute.capacity_summary import CPU, MEMORY, STORAGE_ALLOCATED, zone_capacity
from tests.factories import ClusterFactory, HostFactory, StoragePoolFactory

GIB = 1024**3


@pytest.mark.django_db
def test_zone_capacity_sums_hosts_and_pools_with_overcommit(defaults, django_assert_num_queries):
    cluster = ClusterFactory(cpu_overcommit_ratio=Decimal("2.0"))
    for used in (1000, 3000):
        HostFactory(
            cluster=cluster,
            cpus=4,
            cpu_speed=1000,
            memory=8 * GIB,
            cpu_allocated_mhz=used,
            memory_allocated=GIB,
        )
    StoragePoolFactory(
        cluster=cluster,
        capacity_bytes=100 * GIB,
        allocated_bytes=30 * GIB,
        overprovisioning_factor=Decimal("2.0"),
    )
    with django_assert_num_queries(2):
        summary = zone_capacity()
    zone = summary[cluster.zone_id]
    assert zone[CPU] == (4000, 16000)  # 2 hosts x 4 x 1000 MHz x ratio 2
    assert zone[MEMORY] == (2 * GIB, 16 * GIB)
    assert zone[STORAGE_ALLOCATED] == (30 * GIB, 200 * GIB)
