"""The planner and affinity groups: a host-anti-affinity group spreads, a host-affinity
group gathers, and concurrent placements of one anti-affinity group never share a host
(the group rows are locked while a member is placed; PostgreSQL)."""

import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from compute.lifecycle.handlers import Claims, _plan
from compute.models import AffinityGroup, Instance
from portal.services.jobs import JobError
from tests.factories import AccountFactory, ClusterFactory, HostFactory, InstanceFactory

JOB = SimpleNamespace(params={})


def _members(cluster, group, n):
    vms = [
        InstanceFactory(account=group.account, zone=cluster.zone, cpu_number=1, memory=64)
        for _ in range(n)
    ]
    group.instances.add(*vms)
    return vms


def _place(vm) -> int:
    claims = Claims()
    _plan(Instance.objects.get(pk=vm.pk), JOB, claims, lambda *a: None)
    Instance.objects.filter(pk=vm.pk).update(host=claims.host, state="Running")
    return claims.host.pk


@pytest.mark.django_db
def test_anti_affinity_spreads_and_affinity_gathers(defaults):
    cluster = ClusterFactory(zone__allocation_state="Enabled")
    hosts = {HostFactory(cluster=cluster).pk for _ in range(3)}
    account = AccountFactory()
    apart = AffinityGroup.objects.create(
        account=account, name="apart", group_type="host anti-affinity"
    )
    placed = [_place(vm) for vm in _members(cluster, apart, 3)]
    assert set(placed) == hosts
    (extra,) = _members(cluster, apart, 1)
    with pytest.raises(JobError) as err:
        _place(extra)
    assert err.value.code == 533 and "host anti-affinity group apart" in str(err.value)
    together = AffinityGroup.objects.create(
        account=account, name="together", group_type="host affinity"
    )
    assert len({_place(vm) for vm in _members(cluster, together, 4)}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_members_of_an_anti_affinity_group_never_share_a_host(defaults):
    assert connection.vendor == "postgresql"
    cluster = ClusterFactory(zone__allocation_state="Enabled")
    for _ in range(3):
        HostFactory(cluster=cluster)
    group = AffinityGroup.objects.create(
        account=AccountFactory(), name="apart", group_type="host anti-affinity"
    )
    vms = _members(cluster, group, 8)
    placed: list[int] = []
    refused: list[int] = []
    barrier = threading.Barrier(len(vms))

    def deploy(vm):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            placed.append(_place(vm))
        except JobError:
            refused.append(vm.pk)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=deploy, args=(vm,)) for vm in vms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(placed) == 3 and len(set(placed)) == 3 and len(refused) == 5
