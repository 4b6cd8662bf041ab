"""Concurrent allocation on a real PostgreSQL: SKIP LOCKED + compare-and-swap never hand the
same public IP or guest VLAN to two callers. Run with
``python -m tests.services.postgres_server -- pytest -m postgres tests/networking``."""

import threading

import pytest
from django.db import connection

from networking.services import InsufficientCapacity, allocate_guest_vlan, allocate_public_ip
from tests.factories import NetworkFactory
from tests.networking.factories import GuestPhysicalNetworkFactory, PublicIpRangeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(target, count: int) -> tuple[list, list]:
    """Run ``target()`` in ``count`` threads started together; (results, errors)."""
    results, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(count)

    def worker():
        try:
            barrier.wait(timeout=10)
            value = target()
            with lock:
                results.append(value)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


def test_public_ips_are_never_handed_out_twice(tenant):
    assert connection.vendor == "postgresql"
    ip_range = PublicIpRangeFactory(size=3)
    results, errors = run_concurrently(
        lambda: allocate_public_ip(tenant.account, ip_range.zone, acting_user=tenant).address, 6
    )
    assert len(results) == 3 and len(set(results)) == 3, errors
    assert len(errors) == 3 and all(isinstance(e, InsufficientCapacity) for e in errors)


def test_guest_vlans_are_never_handed_out_twice(tenant):
    physnet = GuestPhysicalNetworkFactory(vlan_range="100-102")
    networks = iter(
        [
            NetworkFactory(account=tenant.account, zone=physnet.zone, physical_network=physnet)
            for _ in range(6)
        ]
    )
    lock = threading.Lock()

    def take():
        with lock:
            network = next(networks)
        return allocate_guest_vlan(network).vnet

    results, errors = run_concurrently(take, 6)
    assert sorted(results) == [100, 101, 102]
    assert len(errors) == 3 and all(isinstance(e, InsufficientCapacity) for e in errors)
