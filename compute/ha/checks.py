"""Host HA checks: the health check (the host's own agent), the activity checks (the host's
agent again, and its neighbours' view of it through their own agents), the storage
heartbeat where a pool supports one, and fencing through out-of-band management."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils import timezone

from agents.errors import AgentError, ClientError
from agents.protocol.commands import CheckHostCommand, PingCommand
from compute.agent import _FLEET_PATH, client_for
from compute.choices import HostStatus, ResourceState
from compute.models import Host

log = logging.getLogger(__name__)


@dataclass
class Check:
    """One check's outcome: ``ok`` True (alive), False (dead) or None (no verdict)."""

    check: str
    ok: bool | None
    detail: str = ""
    at: str = field(default_factory=lambda: timezone.now().isoformat())

    def as_dict(self) -> dict:
        return {"check": self.check, "ok": self.ok, "detail": self.detail, "at": self.at}


def _send(host: Host, command, timeout: float):
    client = client_for(host)
    client.timeout = (min(timeout, 5.0), timeout)
    return client.send(command)


def health_check(host: Host, timeout: float) -> Check:
    """Does the host's own agent answer a ping within ``timeout`` seconds?"""
    try:
        answer = _send(host, PingCommand(host_id=str(host.uuid)), timeout)
    except (AgentError, ClientError, OSError) as exc:
        return Check("agent", False, f"agent did not answer: {exc}")
    if not answer.result:
        return Check("agent", False, f"agent answered a failure: {answer.details}")
    return Check("agent", True, "agent answered")


def health_url(host: Host) -> str:
    """The URL of ``host``'s agent ``/health`` endpoint (fleet hosts: per host)."""
    parts = urlsplit(host.url)
    match = _FLEET_PATH.match(parts.path)
    if match:
        path = f"{match['prefix']}/v1/hosts/{match['host']}/health"
    else:
        path = parts.path.rstrip("/") + "/v1/health"
    return urlunsplit(parts._replace(path=path, query="", fragment=""))


def neighbours(host: Host) -> list[Host]:
    """Up, enabled hosts of the same cluster (the peers that can check ``host``)."""
    return list(
        Host.objects.filter(
            cluster_id=host.cluster_id,
            status=HostStatus.UP,
            resource_state=ResourceState.ENABLED,
        )
        .exclude(pk=host.pk)
        .exclude(url__startswith="connected://")
        .order_by("pk")[:3]
    )


def neighbour_check(host: Host, timeout: float) -> Check:
    """Ask the neighbours (through their own agents) whether ``host``'s agent answers. Any
    neighbour reaching it: alive. Every answering neighbour failing to: dead. None
    answering: no verdict."""
    url = health_url(host)
    verdicts = []
    for peer in neighbours(host):
        try:
            answer = _send(peer, CheckHostCommand(url=url, timeout_s=timeout), timeout + 5)
        except (AgentError, ClientError, OSError) as exc:
            verdicts.append(f"{peer.name}: no answer ({exc})")
            continue
        if not answer.result:
            verdicts.append(f"{peer.name}: {answer.details}")
            continue
        if answer.reachable:
            return Check("neighbour", True, f"{peer.name} reaches the agent ({answer.details})")
        return Check("neighbour", False, f"{peer.name}: {answer.details}")
    return Check("neighbour", None, "; ".join(verdicts) or "no Up neighbour in the cluster")


def storage_heartbeat(host: Host) -> Check:
    """Storage heartbeat (KVM NFS pools write one per host); no pool here supports it yet,
    so the check gives no verdict and the others decide."""
    return Check("storage", None, "no pool of this host supports a storage heartbeat")


def activity_check(host: Host, timeout: float) -> tuple[bool | None, list[Check]]:
    """Is there activity on ``host``? True: alive; False: every check with a verdict says
    dead; None: no check gave a verdict."""
    checks = [health_check(host, timeout), neighbour_check(host, timeout), storage_heartbeat(host)]
    verdicts = [c.ok for c in checks if c.ok is not None]
    if any(verdicts):
        return True, checks
    return (False if verdicts else None), checks


def power(host: Host, action: str, timeout: float) -> str:
    """Run an out-of-band power action (``off`` to fence, ``reset`` to recover), bounded by
    ``timeout``; the power state the driver reports. ValidationError says why it failed."""
    from compute.services.oobm import host_power_action

    host.oobm_timeout = timeout
    return host_power_action(host, action, acting_user=None).power_state


def fence(host: Host, timeout: float) -> Check:
    """Power the host off through its BMC and confirm it is Off."""
    try:
        power(host, "off", timeout)
        state = power(host, "status", timeout)
    except ValidationError as exc:
        return Check("fence", False, "; ".join(exc.messages))
    if state != "Off":
        return Check("fence", False, f"the BMC reports power {state} after power off")
    return Check("fence", True, "powered off through out-of-band management")
