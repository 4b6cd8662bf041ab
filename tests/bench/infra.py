"""Shared setup for the live cases: a zone of simulator hosts, and running jobs in-process."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

GIB = 1024**3
HOSTS_PER_CLUSTER = 250


@dataclass
class SimZone:
    zone: object
    pod: object
    clusters: list
    pool: object
    root_user: object


def make_sim_zone(name: str, *, clusters: int, pool_capacity_gib: int = 1024 * 1024):
    """Zone -> pod -> ``clusters`` Simulator clusters, one zone-wide primary pool."""
    from compute.models import Cluster, Pod, Zone
    from storage.models import StoragePool
    from tests.bench.seed import _admin_user

    zone = Zone.objects.create(
        name=name, dns1="8.8.8.8", internal_dns1="10.0.0.2", allocation_state="Enabled",
        guest_cidr="10.1.0.0/16",
    )  # fmt: skip
    pod = Pod.objects.create(
        zone=zone, name=f"{name}-pod", gateway="192.168.0.1", netmask="255.255.0.0",
        start_ip="192.168.0.10", end_ip="192.168.255.200",
    )  # fmt: skip
    cluster_rows = Cluster.objects.bulk_create(
        Cluster(zone=zone, pod=pod, name=f"{name}-c{i}", hypervisor="Simulator")
        for i in range(clusters)
    )
    pool = StoragePool.objects.create(
        zone=zone, name=f"{name}-primary", scope="ZONE", protocol="NetworkFilesystem",
        url=f"nfs://10.0.0.5/export/{name}", server="10.0.0.5", path=f"/export/{name}",
        capacity_bytes=pool_capacity_gib * GIB, overprovisioning_factor=1,
    )  # fmt: skip
    return SimZone(zone, pod, cluster_rows, pool, _admin_user("benchroot"))


@contextlib.contextmanager
def jobs_in_process():
    """Jobs created inside are not sent to Celery; the caller runs them with run_job()."""
    from portal.services import jobs

    original = jobs.enqueue
    jobs.enqueue = lambda job: None
    try:
        yield
    finally:
        jobs.enqueue = original


def db_backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def ensure_sim_zone(ctx, hosts: int = 200) -> SimZone:
    """The simulator zone from case 3, or (when case 3 did not run) one with ``hosts`` hosts
    written directly as Up (the simulator creates a host on its first command)."""
    sim_zone = ctx.state.get("sim_zone")
    if sim_zone is not None:
        return sim_zone
    sim_zone = make_sim_zone("bench-sim", clusters=max(1, hosts // HOSTS_PER_CLUSTER))
    bulk_sim_hosts(ctx, sim_zone, hosts, prefix="sim-h")
    ctx.state["sim_zone"] = sim_zone
    return sim_zone


def bulk_sim_hosts(ctx, sim_zone: SimZone, count: int, *, prefix: str, cpus: int = 16) -> list:
    """``count`` Up hosts on the simulator agent, without the connect job (fast set-up)."""
    from django.utils import timezone

    from compute.models import Host
    from tests.bench.services import AGENT_SECRET

    url = ctx.services["simulator"].url
    now = timezone.now()
    return Host.objects.bulk_create(
        Host(
            zone=sim_zone.zone, pod=sim_zone.pod,
            cluster=sim_zone.clusters[(i // HOSTS_PER_CLUSTER) % len(sim_zone.clusters)],
            name=f"{prefix}{i}", hypervisor="Simulator", url=f"{url}/hosts/{prefix}{i}",
            agent_secret=AGENT_SECRET, status="Up", resource_state="Enabled", cpus=cpus,
            cpu_speed=2000, memory=64 * GIB, last_ping=now,
        )
        for i in range(count)
    )  # fmt: skip


@dataclass
class Tenant:
    user: object
    account: object
    network: object
    offering: object
    template: object


def make_tenant(sim_zone: SimZone, name: str, *, cpu_speed: int = 1000) -> Tenant:
    """A tenant account with one isolated network in the zone (VLANs from a physical
    network), a one-core offering and a ready template."""
    from django.contrib.auth import get_user_model

    from compute.models import ServiceOffering
    from networking.models import NetworkOffering, PhysicalNetwork, TrafficType
    from networking.services import create_network, create_physical_network
    from portal.models import Account, Domain, Role
    from storage.models import OSType, Template

    zone = sim_zone.zone
    physical = PhysicalNetwork.objects.filter(zone=zone).first()
    if physical is None:
        physical = create_physical_network(
            acting_user=None, zone=zone, name=f"{zone.name}-phys", vlan_range="100-3999"
        )
        TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    root = Domain.objects.get(parent=None)
    domain = Domain.objects.create(name=name, parent=root, path=f"{root.path}{name}/")
    account = Account.objects.create(
        name=name, domain=domain, account_type=0, role=Role.objects.get(name="User")
    )
    user = get_user_model().objects.create_user(name, f"{name}@bench.test", None, account=account)
    network = create_network(
        acting_user=user,
        zone=zone,
        network_offering=NetworkOffering.objects.get(
            name="DefaultIsolatedNetworkOfferingWithSourceNatService"
        ),
        name=f"{name}-net",
        display_text="bench",
    )
    offering = ServiceOffering.objects.create(
        name=f"{name}-1core", cpu_number=1, cpu_speed=cpu_speed, memory=512
    )
    template = Template.objects.create(
        name=f"{name}-tmpl", format="QCOW2", hypervisor="Simulator",
        os_type=OSType.objects.order_by("id").first(), account=account, is_public=False,
        state="Ready", size=2 * GIB, url="http://example.test/bench.qcow2",
        install_path="/export/secondary/bench.qcow2",
    )  # fmt: skip
    return Tenant(user, account, network, offering, template)


def precopy_template(sim_zone: SimZone, template, hosts) -> None:
    """Put ``template`` on the zone pool as each of ``hosts`` sees it.

    The simulator keeps pool contents per simulated host, while the management side (like
    CloudStack) copies a template once per shared pool (``TemplatePoolCopy``). Without this,
    a deploy on a second host fails with "template ... not in pool" (see the report)."""
    from agents.protocol import commands as c
    from compute import agent
    from compute.host_handlers import pool_spec
    from compute.lifecycle import specs
    from storage.models import TemplatePoolCopy

    pool = sim_zone.pool
    for host in hosts:
        agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
        agent.send(
            host,
            c.CopyTemplateCommand(
                source=template.install_path, pool=specs.pool_name(pool),
                volume=specs.template_volume_name(template), format="qcow2", sha256="",
            ),
        )  # fmt: skip
    TemplatePoolCopy.objects.get_or_create(
        template=template, pool=pool,
        defaults={"path": specs.template_volume_name(template), "ready": True},
    )  # fmt: skip
