"""Fixtures for the browser portal tests: a small cloud on the simulator agent, jobs run
synchronously (on commit), and clients logged in as each kind of user."""

from __future__ import annotations

import pytest

from tests.cloud_fixtures import SECRET  # noqa: F401 - the simulator fixture's secret

PASSWORD = "Secret-pass-1"


@pytest.fixture
def sync_jobs(monkeypatch):
    """Run each job in-process as soon as its transaction commits (no broker)."""
    from portal.services import jobs
    from portal.tasks import run_job

    ran = []

    def enqueue(job):
        ran.append(job.pk)
        run_job(job.pk)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    return ran


@pytest.fixture(autouse=True)
def _clear_throttle():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cloud(defaults, simulator):
    """Zone -> pod -> cluster -> 1 simulator host, a zone-wide pool, a ready template and a
    physical network carrying guest traffic with VLANs 100-109."""
    from networking.models import TrafficType
    from networking.services import create_physical_network
    from tests.factories import (
        ClusterFactory,
        HostFactory,
        StoragePoolFactory,
        TemplateFactory,
        ZoneFactory,
    )

    zone = ZoneFactory(name="zone-a")
    cluster = ClusterFactory(pod__zone=zone, zone=zone)
    host = HostFactory(
        cluster=cluster,
        url=f"{simulator.url}/hosts/ui-{cluster.pk}",
        agent_secret=SECRET,
        cpus=4,
        cpu_speed=2000,
        memory=8 * 1024**3,
    )
    pool = StoragePoolFactory(
        cluster=None,
        pod=None,
        zone=zone,
        scope="ZONE",
        capacity_bytes=200 * 1024**3,
        overprovisioning_factor=1,
    )
    template = TemplateFactory(zone=None, size=2 * 1024**3, name="Debian 12")
    physical = create_physical_network(
        acting_user=None, zone=zone, name="phys", vlan_range="100-109"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    return {"zone": zone, "cluster": cluster, "host": host, "pool": pool, "template": template}


@pytest.fixture
def login(client):
    """``login(user)`` -> the test client logged in as ``user``."""

    def make(user, c=None):
        c = c or client
        c.force_login(user)
        return c

    return make
