"""Periodic compute tasks: host heartbeats."""

from __future__ import annotations

from celery import shared_task

from compute.choices import HostStatus, ResourceState
from compute.host_handlers import mark_silent_hosts, ping_host
from compute.models import Host


@shared_task(name="compute.tasks.ping_hosts")
def ping_hosts() -> dict:
    """Ping every connected host; mark the ones silent too long as Disconnected."""
    answered = failed = 0
    hosts = Host.objects.exclude(resource_state=ResourceState.MAINTENANCE).exclude(
        status=HostStatus.CONNECTING
    )
    for host in hosts.iterator(chunk_size=500):
        if ping_host(host):
            answered += 1
        else:
            failed += 1
    return {"answered": answered, "failed": failed, "disconnected": mark_silent_hosts()}
