"""Host connection and heartbeats: discover a host's facts through its agent, ping it.

Runs only in Celery workers (job handlers and the periodic ``compute.tasks.ping_hosts``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agents.protocol import commands as c
from agents.protocol.specs import PoolSpec
from compute import agent
from compute.choices import HostStatus
from compute.lifecycle import specs
from compute.models import Host
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.models import StoragePool

HYPERVISORS = {"kvm": "KVM", "hyperv": "Hyperv", "simulator": "Simulator"}


def pool_spec(pool: StoragePool) -> PoolSpec:
    """How an agent should mount a primary storage pool."""
    kind = {"NetworkFilesystem": "nfs", "SMB": "smb"}.get(pool.protocol, "dir")
    return PoolSpec(
        name=specs.pool_name(pool),
        type=kind,
        path=pool.path if kind == "dir" else "",
        host=pool.server if kind != "dir" else "",
        source_path=pool.path if kind != "dir" else "",
        uuid=str(pool.uuid),
    )


def pools_of(host: Host):
    """The primary storage pools a host must mount: zone-wide, its cluster's, its own."""
    return StoragePool.objects.filter(
        Q(scope="ZONE", zone_id=host.zone_id) | Q(cluster_id=host.cluster_id) | Q(host_id=host.pk)
    )


@job_handler("host.connect")
def connect_host_job(job, report) -> dict:
    """Ask the agent for the host's facts, check its hypervisor, connect its storage pools."""
    host = Host.objects.select_related("cluster").get(pk=job.params["host_id"])
    report(20, f"Contacting the agent at {host.url}")
    try:
        facts = agent.send(host, c.StartupCommand(host_id=str(host.uuid)))
        reported = HYPERVISORS.get(facts.hypervisor.lower(), facts.hypervisor)
        if reported != host.hypervisor:
            raise JobError(
                f"Agent reports hypervisor {facts.hypervisor}, host is {host.hypervisor}.", code=530
            )
        report(60, "Connecting primary storage")
        for pool in pools_of(host):
            agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
    except JobError as exc:
        Host.objects.filter(pk=host.pk).update(status=HostStatus.ALERT)
        record_event(
            "HOST.CONNECT",
            acting_user=job.user,
            resource=host,
            job=job,
            level=EventLevel.ERROR,
            description=str(exc),
        )
        raise
    Host.objects.filter(pk=host.pk).update(
        status=HostStatus.UP,
        cpus=facts.cpus,
        cpu_sockets=facts.cpu_sockets or 1,
        cpu_speed=facts.cpu_speed_mhz,
        memory=facts.memory_bytes,
        capabilities=facts.capabilities,
        agent_version=facts.agent_version,
        last_ping=timezone.now(),
    )
    record_event(
        "HOST.CONNECT",
        acting_user=job.user,
        resource=host,
        job=job,
        description=f"{facts.cpus} CPUs, {facts.memory_bytes // 1024**2} MiB",
    )
    return {"host": host.name, "cpus": facts.cpus, "memory_bytes": facts.memory_bytes}


def ping_host(host: Host) -> bool:
    """One heartbeat: True and ``last_ping`` refreshed if the agent answered."""
    try:
        agent.send(host, c.PingCommand(host_id=str(host.uuid)))
    except JobError:
        return False
    Host.objects.filter(pk=host.pk).update(last_ping=timezone.now(), status=HostStatus.UP)
    return True


def mark_silent_hosts() -> int:
    """Hosts silent for ``interval x factor`` become Disconnected (CloudStack: 150 s)."""
    silence = timedelta(seconds=settings.AGENT_PING_INTERVAL * settings.AGENT_PING_TIMEOUT_FACTOR)
    return Host.objects.filter(status=HostStatus.UP, last_ping__lt=timezone.now() - silence).update(
        status=HostStatus.DISCONNECTED
    )
