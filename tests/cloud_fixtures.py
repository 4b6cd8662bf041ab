"""A small cloud on the simulator agent (real HTTP, real HMAC auth), shared by every test
package: one simulator process for the session, the ``cloud`` fixture built on it, and
``no_broker`` to run jobs by hand. Loaded as a plugin from ``tests/conftest.py``; Django is
imported inside the fixtures so Django-free suites can load this module too."""

import pytest

SECRET = "simulator-shared-secret-123"


@pytest.fixture(scope="session")
def simulator():
    """One simulator process serving many hosts at /v1/hosts/<id>/..."""
    from agents.config import AgentConfig
    from agents.resources.simulator import SimulatorFleet
    from agents.server import AgentHTTPServer

    fleet = SimulatorFleet({"cpus": 4, "cpu_speed_mhz": 2000, "memory_bytes": 8 * 1024**3})
    server = AgentHTTPServer(("127.0.0.1", 0), fleet, AgentConfig(secret=SECRET), "simulator")
    server.start()
    yield server
    server.stop()


ENROLL_USER, ENROLL_PASSWORD = "root", "1pass@word1"


@pytest.fixture
def enrolling_agent(tmp_path):
    """``start(kind="simulator", resource=None, **config)``: agents without a static secret
    that enroll hosts for ENROLL_USER/ENROLL_PASSWORD (a Hyper-V agent: its WinRM account),
    issued secrets kept under tmp_path; stopped at teardown."""
    from agents.accounts import Account
    from agents.config import AgentConfig
    from agents.enroll import MIN_ITERATIONS
    from agents.resources import create_provider
    from agents.server import AgentHTTPServer

    servers = []

    def start(kind="simulator", resource=None, **config):
        if kind != "hyperv":
            config.setdefault(
                "accounts", [Account.from_password(ENROLL_USER, ENROLL_PASSWORD, MIN_ITERATIONS)]
            )
        state = str(tmp_path / f"agent-{len(servers)}.state.json")
        cfg = AgentConfig(resource=resource or {}, state_file=state, **config)
        server = AgentHTTPServer(
            ("127.0.0.1", 0), create_provider(kind, cfg.resource), cfg, resource_kind=kind
        )
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def no_broker(monkeypatch):
    """Collect jobs instead of sending them to Celery; tests run them with run_job()."""
    from portal.services import jobs

    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    return sent


@pytest.fixture
def cloud(defaults, simulator):
    """Zone -> pod -> cluster -> 2 simulator hosts, a zone-wide pool, a template, a tenant
    network on a physical network with VLANs 100-102. Database ids (and so host and VM names)
    repeat between tests, so the simulator starts without hosts."""
    simulator.provider.reset()
    from networking.models import TrafficType
    from networking.services import create_physical_network
    from tests.factories import (
        ClusterFactory,
        HostFactory,
        StoragePoolFactory,
        TemplateFactory,
        ZoneFactory,
    )

    zone = ZoneFactory()
    cluster = ClusterFactory(pod__zone=zone, zone=zone)
    hosts = [
        HostFactory(
            cluster=cluster,
            url=f"{simulator.url}/hosts/{cluster.pk}-{i}",
            agent_secret=SECRET,
            cpus=4,
            cpu_speed=2000,
            memory=8 * 1024**3,
        )
        for i in range(2)
    ]
    pool = StoragePoolFactory(
        cluster=None,
        pod=None,
        zone=zone,
        scope="ZONE",
        capacity_bytes=200 * 1024**3,
        overprovisioning_factor=1,
    )
    template = TemplateFactory(zone=None, size=2 * 1024**3)
    physical = create_physical_network(
        acting_user=None, zone=zone, name="phys", vlan_range="100-102"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    return {
        "zone": zone,
        "cluster": cluster,
        "hosts": hosts,
        "pool": pool,
        "template": template,
        "physical": physical,
    }
