"""The demo cloud: a simulator agent's config and the objects ``seed_demo`` creates.

Everything is created through the services, idempotently (found by name when present).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings

DEMO_AGENT_LISTEN = os.environ.get("PORTAL_DEMO_AGENT_LISTEN", "127.0.0.1:8250")
DEMO_HOSTS = 4


def simulator_config_path() -> Path:
    return Path(settings.VAR_DIR) / "simulator-agent.json"


def simulator_inventory_path() -> Path:
    """Where the demo agent keeps its simulated VMs, volumes and templates across restarts."""
    return (Path(settings.VAR_DIR) / "simulator-inventory.json").resolve()


def simulator_config() -> dict:
    """The demo agent's config under var/ (0600): a shared secret generated once, and the
    simulator's state file (added to configs written by older versions)."""
    path = simulator_config_path()
    if path.exists():
        config = json.loads(path.read_text())
    else:
        config = {
            "secret": secrets.token_urlsafe(32),
            "resource": {"cpus": 16, "cpu_speed_mhz": 2400, "memory_bytes": 64 * 1024**3},
        }
    resource = config.setdefault("resource", {})
    if not path.exists() or "inventory_file" not in resource:
        resource["inventory_file"] = str(simulator_inventory_path())
        path.touch(mode=0o600)
        path.write_text(json.dumps(config))
    return config


def simulator_secret() -> str:
    """The demo simulator's shared secret."""
    return simulator_config()["secret"]


def simulator_url() -> str:
    return f"http://{DEMO_AGENT_LISTEN}"


def demo_host_names() -> list[str]:
    return [f"sim-host-{number}" for number in range(1, DEMO_HOSTS + 1)]


def hosts_not_ready(since) -> dict[str, str]:
    """The demo hosts that are not Up with a heartbeat newer than ``since``, with their
    status ("missing" when the host is gone, e.g. its first connection failed)."""
    from compute.choices import HostStatus, ResourceState
    from compute.models import Host

    found = {
        name: (status, last_ping, resource_state)
        for name, status, last_ping, resource_state in Host.objects.filter(
            name__in=demo_host_names(), zone__name="Demo Zone"
        ).values_list("name", "status", "last_ping", "resource_state")
    }
    waiting = {}
    for name in demo_host_names():
        status, last_ping, resource_state = found.get(name, ("missing", None, ""))
        if resource_state == ResourceState.MAINTENANCE:
            continue  # not pinged on purpose
        if status != HostStatus.UP or last_ping is None or last_ping < since:
            waiting[name] = status if status != HostStatus.UP else "Up, no heartbeat yet"
    return waiting
