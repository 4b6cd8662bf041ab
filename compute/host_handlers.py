"""Host connection and heartbeats: discover a host's facts through its agent, ping it.

Runs only in Celery workers (job handlers and the periodic ``compute.tasks.ping_hosts``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from agents.protocol import commands as c
from agents.protocol.specs import PoolSpec
from compute import agent
from compute.choices import HostStatus
from compute.host_enrollment import HYPERVISORS, enroll_host, needs_enrollment
from compute.lifecycle import specs
from compute.models import Host
from compute.services.host_names import adopt_reported_hostname
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.configuration import config_value
from portal.services.jobs import JobError, job_handler
from storage.models import StoragePool


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
    """Enroll the agent when the host came with credentials, ask it for the host's facts,
    check its hypervisor, take its hostname as default name, connect its storage pools."""
    from compute.pool_connect import record_capacity

    host = Host.objects.select_related("cluster").filter(pk=job.params["host_id"]).first()
    if host is None:
        raise JobError("The host was removed before it connected.", code=530)
    enrolled = needs_enrollment(host)
    try:
        if enrolled:
            report(10, f"Enrolling the agent at {host.url} as {host.username}")
            enroll_host(host)
        elif not host.agent_secret and host.url.startswith(("http://", "https://")):
            raise JobError(
                f"Host {host.name} has no credentials: give the username and password of its "
                "enrollment account (or its agent's shared secret).",
                code=530,
            )
        report(20, f"Contacting the agent at {host.url}")
        facts = agent.send(host, c.StartupCommand(host_id=str(host.uuid)))
        reported = HYPERVISORS.get(facts.hypervisor.lower(), facts.hypervisor)
        if reported != host.hypervisor:
            raise JobError(
                f"Agent reports hypervisor {facts.hypervisor}, host is {host.hypervisor}.", code=530
            )
        if job.params.get("default_name"):
            adopt_reported_hostname(host, facts.hostname)
        report(60, "Connecting primary storage")
        for pool in pools_of(host):
            answer = agent.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
            record_capacity(pool, answer.pool)
    except JobError as exc:
        record_event(
            "HOST.CONNECT",
            acting_user=job.user,
            resource=host,
            job=job,
            level=EventLevel.ERROR,
            description=str(exc),
        )
        if host.last_ping is None and not host.instances.exists():
            # Never connected: no half-added host stays behind.
            host.delete()
            raise JobError(f"Host {host.name} was not added: {exc}", code=exc.code) from exc
        Host.objects.filter(pk=host.pk).update(status=HostStatus.ALERT)
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
        description=(f"Enrolled as {host.username}; " if enrolled else "")
        + f"{facts.cpus} CPUs, {facts.memory_bytes // 1024**2} MiB",
    )
    return {"host": host.name, "cpus": facts.cpus, "memory_bytes": facts.memory_bytes}


def ping_host(host: Host, running: set[int] | None = None, *, record: bool = True) -> bool:
    """One heartbeat: True if the agent answered. Its VM power states are reconciled when
    they differ from ``running`` (the ids of the instances the database has Running on the
    host; read here when not given). With ``record`` the host is marked Up at once;
    :func:`compute.tasks.ping_hosts` records a whole sweep in one UPDATE instead."""
    try:
        answer = agent.send(host, c.PingCommand(host_id=str(host.uuid)))
    except JobError:
        return False
    if record:
        Host.objects.filter(pk=host.pk).update(last_ping=timezone.now(), status=HostStatus.UP)
    reported = {_instance_id(n) for n, state in answer.vm_states.items() if state == "running"}
    reported.discard(None)
    if running is None:
        from compute.models import Instance

        running = set(
            Instance.objects.filter(host=host, state="Running").values_list("pk", flat=True)
        )
    if reported != running:
        reconcile_power_states(host, answer.vm_states)
    return True


def mark_silent_hosts() -> int:
    """Host health rules (documented in docs/agent-protocol.md):

    * Up, silent for ``ping.interval x ping.timeout`` (settings read through
      ``config_value``; 60 s x 2.5 = 150 s, CloudStack's default, or
      AGENT_PING_INTERVAL x AGENT_PING_TIMEOUT_FACTOR from the environment) -> Disconnected;
    * Disconnected or Alert, silent for ``AGENT_DOWN_AFTER_SECONDS`` (default 600 s) -> Down.

    Any answered ping makes the host Up again.
    """
    now = timezone.now()
    interval = config_value("ping.interval")
    silence = timedelta(seconds=float(interval * config_value("ping.timeout")))
    changed = Host.objects.filter(status=HostStatus.UP, last_ping__lt=now - silence).update(
        status=HostStatus.DISCONNECTED
    )
    down_after = timedelta(seconds=settings.AGENT_DOWN_AFTER_SECONDS)
    changed += Host.objects.filter(
        status__in=[HostStatus.DISCONNECTED, HostStatus.ALERT], last_ping__lt=now - down_after
    ).update(status=HostStatus.DOWN)
    return changed


def _instance_id(vm_name: str) -> int | None:
    parts = vm_name.split("-")
    if len(parts) == 4 and parts[0] == "i" and parts[3] == "VM" and parts[2].isdigit():
        return int(parts[2])
    return None


def reconcile_power_states(host: Host, vm_states: dict[str, str]) -> int:
    """Make instance rows agree with what the hypervisor reports (CloudStack's VM sync).

    A Running instance of this host that is reported stopped or absent becomes Stopped and
    gives its capacity back; a Stopped instance reported running here becomes Running on this
    host. Transitional states belong to their job and are left alone.
    """
    from compute import capacity
    from compute.choices import InstanceState
    from compute.models import Instance

    running_here = {_instance_id(n) for n, state in vm_states.items() if state == "running"}
    running_here.discard(None)
    from compute.ha.vms import stop_stale_copies

    stale = stop_stale_copies(host, running_here)  # never two running copies
    running_here -= set(stale)
    changed = len(stale)
    gone = Instance.objects.filter(host=host, state=InstanceState.RUNNING).exclude(
        pk__in=running_here
    )
    for instance in gone:
        moved = Instance.objects.filter(pk=instance.pk, state=InstanceState.RUNNING).update(
            state=InstanceState.STOPPED, host=None, last_host=host
        )
        if moved:
            capacity.release_host(
                host.pk,
                cpu_mhz=instance.cpu_number * instance.cpu_speed,
                memory_mib=instance.memory,
            )
            record_event(
                "VM.POWER.OFF",
                acting_user=None,
                resource=instance,
                level=EventLevel.WARN,
                description=f"Reported stopped by {host.name}",
            )
            changed += 1
    for instance in Instance.objects.filter(pk__in=running_here, state=InstanceState.STOPPED):
        moved = Instance.objects.filter(pk=instance.pk, state=InstanceState.STOPPED).update(
            state=InstanceState.RUNNING, host=host, last_host=host
        )
        if moved:
            Host.objects.filter(pk=host.pk).update(
                cpu_allocated_mhz=F("cpu_allocated_mhz") + instance.cpu_number * instance.cpu_speed,
                memory_allocated=F("memory_allocated") + instance.memory * capacity.MIB,
            )
            record_event(
                "VM.POWER.ON",
                acting_user=None,
                resource=instance,
                level=EventLevel.WARN,
                description=f"Reported running by {host.name}",
            )
            changed += 1
    return changed
