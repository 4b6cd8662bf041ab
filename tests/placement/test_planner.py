"""Deployment planner: eligibility rules, strategies, explanations, atomic claims."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from compute import capacity
from compute.planner import InsufficientCapacity, PlacementRequest, place
from tests.factories import ClusterFactory, HostFactory, InstanceFactory, StoragePoolFactory

GIB = 1024**3


def request_for(zone, **kwargs):
    base = {"zone": zone, "cpu_number": 2, "cpu_speed": 1000, "memory_mib": 1024}
    return PlacementRequest(**{**base, **kwargs})


@pytest.fixture
def cluster(defaults):
    return ClusterFactory()


@pytest.mark.django_db
def test_first_fit_takes_lowest_id_and_claims_capacity(cluster):
    first = HostFactory(cluster=cluster)
    HostFactory(cluster=cluster)
    placement = place(request_for(cluster.zone))
    assert placement.host == first
    first.refresh_from_db()
    assert first.cpu_allocated_mhz == 2000 and first.memory_allocated == 1024 * capacity.MIB


@pytest.mark.django_db
def test_skips_hosts_not_up_or_not_enabled_and_disabled_clusters(cluster):
    HostFactory(cluster=cluster, status="Disconnected")
    HostFactory(cluster=cluster, resource_state="Maintenance")
    disabled = ClusterFactory(pod=cluster.pod, allocation_state="Disabled")
    HostFactory(cluster=disabled)
    good = HostFactory(cluster=cluster)
    assert place(request_for(cluster.zone)).host == good


@pytest.mark.django_db
def test_overcommit_ratio_allows_more_than_physical(cluster):
    host = HostFactory(cluster=cluster, cpus=2, cpu_speed=1000)
    with pytest.raises(InsufficientCapacity):
        place(request_for(cluster.zone, cpu_number=4))
    cluster.cpu_overcommit_ratio = Decimal("2.0")
    cluster.save()
    assert place(request_for(cluster.zone, cpu_number=4)).host == host


@pytest.mark.django_db
def test_host_tags_must_all_match(cluster):
    HostFactory(cluster=cluster, host_tags=["ssd"])
    tagged = HostFactory(cluster=cluster, host_tags=["ssd", "gpu"])
    assert place(request_for(cluster.zone, host_tags=["gpu"])).host == tagged


@pytest.mark.django_db
def test_storage_pool_with_tags_and_room_is_chosen(cluster):
    HostFactory(cluster=cluster)
    StoragePoolFactory(cluster=cluster, capacity_bytes=10 * GIB, overprovisioning_factor=1)
    fast = StoragePoolFactory(cluster=cluster, capacity_bytes=100 * GIB, tags=["fast"])
    placement = place(request_for(cluster.zone, root_disk_bytes=20 * GIB, storage_tags=["fast"]))
    assert placement.pool == fast
    fast.refresh_from_db()
    assert fast.allocated_bytes == 20 * GIB


@pytest.mark.django_db
def test_no_pool_with_room_releases_the_host_claim(cluster):
    host = HostFactory(cluster=cluster)
    StoragePoolFactory(cluster=cluster, capacity_bytes=GIB, overprovisioning_factor=1)
    with pytest.raises(InsufficientCapacity):
        place(request_for(cluster.zone, root_disk_bytes=5 * GIB))
    host.refresh_from_db()
    assert host.cpu_allocated_mhz == 0 and host.memory_allocated == 0


@pytest.mark.django_db
def test_user_dispersing_prefers_hosts_without_the_accounts_instances(cluster, tenant):
    busy = HostFactory(cluster=cluster)
    idle = HostFactory(cluster=cluster)
    InstanceFactory(account=tenant.account, host=busy, zone=cluster.zone, state="Running")
    req = request_for(cluster.zone, account_id=tenant.account_id)
    assert place(req, "firstfit").host == busy
    assert place(req, "userdispersing").host == idle


@pytest.mark.django_db
def test_explanation_names_the_shortfall(cluster):
    HostFactory(cluster=cluster, cpus=2, cpu_speed=1000)
    HostFactory(cluster=cluster, status="Down")
    with pytest.raises(InsufficientCapacity) as excinfo:
        place(request_for(cluster.zone, cpu_number=4))
    message = str(excinfo.value)
    assert "no host with 4 CPU x 1000 MHz and 1024 MiB free in zone" in message
    assert "2 host(s) considered" in message and "1 not Up" in message
    assert excinfo.value.code == 533


@pytest.mark.django_db
def test_disabled_zone_is_refused(cluster):
    HostFactory(cluster=cluster)
    cluster.zone.allocation_state = "Disabled"
    cluster.zone.save()
    with pytest.raises(InsufficientCapacity, match="disabled"):
        place(request_for(cluster.zone))


@pytest.mark.django_db
def test_unknown_strategy_is_an_error(cluster):
    with pytest.raises(ValueError, match="Unknown planner"):
        place(request_for(cluster.zone), "nope")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_overcommit(defaults):
    """40 threads, each on its own PostgreSQL connection, race for 10 slots on 2 hosts."""
    assert connection.vendor == "postgresql"
    cluster = ClusterFactory()
    hosts = [HostFactory(cluster=cluster, cpus=5, cpu_speed=1000) for _ in range(2)]
    results: list[bool] = []
    barrier = threading.Barrier(40)

    def deploy():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            place(request_for(cluster.zone, cpu_number=1, memory_mib=1))
            results.append(True)
        except InsufficientCapacity:
            results.append(False)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=deploy) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count(True) == 10 and results.count(False) == 30
    for host in hosts:
        host.refresh_from_db()
        assert host.cpu_allocated_mhz == 5000


@pytest.mark.django_db
def test_candidates_are_paged_and_capped(cluster, settings):
    for _ in range(40):
        HostFactory(cluster=cluster)
    tagged = HostFactory(cluster=cluster, host_tags=["gpu"])
    assert place(request_for(cluster.zone, host_tags=["gpu"])).host == tagged  # 3rd page
    settings.PLANNER_MAX_CANDIDATES = 20
    with pytest.raises(InsufficientCapacity):
        place(request_for(cluster.zone, host_tags=["gpu"]))  # beyond the cap
