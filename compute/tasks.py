"""Periodic compute tasks: host heartbeats, External hosts' power-state sync."""

from __future__ import annotations

from collections import defaultdict

from celery import shared_task
from django.utils import timezone

from compute.choices import HostStatus, Hypervisor, InstanceState, ResourceState
from compute.external_sync import keep_up, sync_all
from compute.host_handlers import mark_silent_hosts, ping_host
from compute.models import Host, Instance

CHUNK = 500


@shared_task(name="compute.tasks.ping_hosts")
def ping_hosts() -> dict:
    """Ping every connected host, in chunks: one query for the chunk's hosts, one for their
    running instances, one UPDATE for the hosts that answered; VM states are reconciled
    only where the agent and the database disagree. Then mark silent hosts."""
    answered = failed = 0
    hosts = (
        Host.objects.exclude(resource_state=ResourceState.MAINTENANCE)
        .exclude(status=HostStatus.CONNECTING)
        .exclude(hypervisor=Hypervisor.EXTERNAL)  # driven by an extension, no agent to ping
        .exclude(url__startswith="connected://")  # they ping the gateway (one UPDATE per interval)
        .only("id", "uuid", "name", "url", "agent_secret", "status", "zone_id", "cluster_id")
        .order_by("id")
    )
    last_id = 0
    while True:
        chunk = list(hosts.filter(pk__gt=last_id)[:CHUNK])
        if not chunk:
            break
        last_id = chunk[-1].pk
        running: dict[int, set[int]] = defaultdict(set)
        for host_id, instance_id in Instance.objects.filter(
            host__in=chunk, state=InstanceState.RUNNING
        ).values_list("host_id", "pk"):
            running[host_id].add(instance_id)
        alive = [h.pk for h in chunk if ping_host(h, running[h.pk], record=False)]
        Host.objects.filter(pk__in=alive).update(last_ping=timezone.now(), status=HostStatus.UP)
        answered += len(alive)
        failed += len(chunk) - len(alive)
    keep_up()  # External hosts have no agent: Up while the portal runs, as in CloudStack
    return {"answered": answered, "failed": failed, "disconnected": mark_silent_hosts()}


@shared_task(name="compute.tasks.sync_external_hosts")
def sync_external_hosts() -> dict:
    """Power states of the instances on External hosts, from their extensions
    (``statuses``, else ``status`` per instance): see :mod:`compute.external_sync`."""
    return sync_all()


@shared_task(name="compute.tasks.evaluate_host_ha")
def evaluate_host_ha() -> dict:
    """One step of the Host HA state machine for every host with HA configured
    (:mod:`compute.ha.machine`), then of VM HA's restarts (:mod:`compute.ha.vms`)."""
    from compute.ha.machine import evaluate_hosts
    from compute.ha.vms import process_work

    return {"hosts": evaluate_hosts(), "vm_restarts": process_work()}
