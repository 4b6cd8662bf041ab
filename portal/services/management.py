"""Management plane HA: node registration, heartbeats and the leader lease.

Each management node has a stable id (a UUID kept in ``VAR_DIR/management_node_id``) and one
:class:`~portal.models.ManagementServer` row. Its Celery beat process
(:class:`portal.beat.LeaderScheduler`) calls :func:`beat` every ``MANAGEMENT_RENEW_INTERVAL``
seconds: heartbeat, take or renew the ``beat`` lease, mark silent nodes Down. Only the lease
holder sends the periodic jobs.

The lease is one row taken and renewed by a single conditional ``UPDATE ... WHERE name =
'beat' AND (holder = me OR expires_at <= now)``: on SQLite (one writer at a time) and on
PostgreSQL (a concurrent UPDATE of the same row waits for the first to commit, then
re-checks the WHERE clause on the new row) at most one node gets ``1`` row back. Times are
the nodes' wall clocks (keep them NTP-synchronised: clock skew adds to the takeover bound).

Bounds: a holder that dies stops renewing; its lease expires at most ``MANAGEMENT_LEASE_TTL``
seconds after its last renewal, and a live node takes it at its next beat, so another node
runs the periodic jobs at most TTL + one renew interval after the holder died (30 + 10 s by
default). A holder that cannot reach the database stops sending jobs ``TTL - renew
interval`` seconds after its last successful renewal, before anyone else may take over.
"""

from __future__ import annotations

import os
import platform
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from portal.models import ManagementLease, ManagementServer, ManagementServerState

BEAT_LEASE = "beat"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def lease_ttl() -> float:
    return float(getattr(settings, "MANAGEMENT_LEASE_TTL", 30))


def renew_interval() -> float:
    return float(getattr(settings, "MANAGEMENT_RENEW_INTERVAL", 10))


def down_after() -> float:
    return float(getattr(settings, "MANAGEMENT_DOWN_AFTER", 30))


@dataclass(frozen=True)
class NodeInfo:
    """What a node says about itself when it registers."""

    uuid: uuid.UUID
    name: str
    service_ip: str
    service_port: int
    pid: int


def node_id(var_dir: Path | None = None) -> uuid.UUID:
    """This node's id: the UUID in ``VAR_DIR/management_node_id``, created on first use."""
    path = Path(var_dir or settings.VAR_DIR) / "management_node_id"
    try:
        return uuid.UUID(path.read_text().strip())
    except (OSError, ValueError):
        value = uuid.uuid4()
        path.write_text(f"{value}\n")
        return value


def this_node() -> NodeInfo:
    """This process's node: ``PORTAL_NODE_NAME`` (default the host name), ``PORTAL_SERVICE_IP``
    (default 127.0.0.1) and ``PORT`` (default 8000) of its web server."""
    port = os.environ.get("PORT", "") or "8000"
    return NodeInfo(
        uuid=node_id(),
        name=os.environ.get("PORTAL_NODE_NAME", "") or socket.gethostname(),
        service_ip=os.environ.get("PORTAL_SERVICE_IP", "") or "127.0.0.1",
        service_port=int(port) if port.isdigit() else 0,
        pid=os.getpid(),
    )


def _boot_time() -> datetime | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return datetime.fromtimestamp(int(line.split()[1]), tz=UTC)
    except (OSError, ValueError):
        pass
    return None


def _os_distribution() -> str:
    try:
        info = platform.freedesktop_os_release()
    except OSError:
        return platform.system()
    return info.get("PRETTY_NAME") or info.get("NAME", "")


def register(node: NodeInfo, now: datetime | None = None) -> ManagementServer:
    """Create or refresh ``node``'s row at start-up: Up, heartbeat and start time now."""
    now = now or timezone.now()
    server, _ = ManagementServer.objects.update_or_create(
        uuid=node.uuid,
        defaults={
            "name": node.name,
            "version": getattr(settings, "PORTAL_VERSION", ""),
            "service_ip": node.service_ip,
            "service_port": node.service_port,
            "pid": node.pid,
            "state": ManagementServerState.UP,
            "last_heartbeat": now,
            "last_start": now,
            "last_boot": _boot_time(),
            "os_distribution": _os_distribution(),
            "kernel_version": platform.release(),
            "python_version": platform.python_version(),
        },
    )
    return server


def heartbeat(node: NodeInfo, now: datetime | None = None) -> None:
    """Refresh ``node``'s heartbeat (registering it again if its row was removed)."""
    now = now or timezone.now()
    updated = ManagementServer.objects.filter(uuid=node.uuid).update(
        last_heartbeat=now, state=ManagementServerState.UP, pid=node.pid, updated=now
    )
    if not updated:
        register(node, now)


def mark_silent_down(now: datetime | None = None) -> int:
    """Mark Down every Up node whose heartbeat is older than ``MANAGEMENT_DOWN_AFTER``."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=down_after())
    return ManagementServer.objects.filter(
        Q(last_heartbeat__lt=cutoff) | Q(last_heartbeat__isnull=True),
        state=ManagementServerState.UP,
    ).update(state=ManagementServerState.DOWN, updated=now)


def acquire_lease(
    holder: str, *, ttl: float | None = None, now: datetime | None = None, name: str = BEAT_LEASE
) -> bool:
    """Take or renew the lease ``name`` for ``holder`` for ``ttl`` seconds; True if it is
    ``holder``'s now. One conditional UPDATE: it succeeds only if ``holder`` already holds
    the lease or the lease has expired (or was released)."""
    now = now or timezone.now()
    ttl = lease_ttl() if ttl is None else ttl
    for _ in range(2):
        taken = (
            ManagementLease.objects.filter(name=name)
            .filter(Q(holder=holder) | Q(expires_at__lte=now) | Q(holder=""))
            .update(
                holder=holder,
                expires_at=now + timedelta(seconds=ttl),
                renewed_at=now,
                acquired_at=Case(When(holder=holder, then=F("acquired_at")), default=Value(now)),
            )
        )
        if taken:
            return True
        if ManagementLease.objects.filter(name=name).exists():
            return False
        # first use: an expired row (unique name: a concurrent creator's row wins)
        ManagementLease.objects.get_or_create(name=name, defaults={"expires_at": _EPOCH})
    return False


def release_lease(holder: str, *, now: datetime | None = None, name: str = BEAT_LEASE) -> bool:
    """Give the lease up at once (a clean stop), if ``holder`` holds it."""
    now = now or timezone.now()
    return bool(
        ManagementLease.objects.filter(name=name, holder=holder).update(
            holder="", expires_at=now, renewed_at=now
        )
    )


def lease_holder(now: datetime | None = None, name: str = BEAT_LEASE) -> ManagementLease | None:
    """The lease row if someone holds it right now, else None."""
    now = now or timezone.now()
    return ManagementLease.objects.filter(name=name, expires_at__gt=now).exclude(holder="").first()


def stopped(node: NodeInfo, now: datetime | None = None) -> None:
    """A clean stop: release the lease and mark the node Down with its stop time."""
    now = now or timezone.now()
    release_lease(str(node.uuid), now=now)
    ManagementServer.objects.filter(uuid=node.uuid).update(
        state=ManagementServerState.DOWN, last_stop=now, updated=now
    )


def beat(node: NodeInfo, now: datetime | None = None) -> bool:
    """One beat of a node: heartbeat, take or renew the lease, mark silent nodes Down.
    Returns whether this node holds the lease (and so sends the periodic jobs)."""
    now = now or timezone.now()
    heartbeat(node, now)
    leader = acquire_lease(str(node.uuid), now=now)
    mark_silent_down(now)
    return leader


@dataclass
class ServerView:
    """A server row with what lists show about it: leadership and heartbeat age."""

    server: ManagementServer
    is_leader: bool
    leader_since: datetime | None
    heartbeat_age: float | None
    peers: list[ManagementServer] | None = None  # the other servers, when asked for


def servers(queryset=None, now: datetime | None = None) -> list[ServerView]:
    """The management servers (``queryset`` or all) with which one leads right now."""
    now = now or timezone.now()
    lease = lease_holder(now)
    rows = []
    for server in queryset if queryset is not None else ManagementServer.objects.all():
        leads = lease is not None and lease.holder == str(server.uuid)
        age = (now - server.last_heartbeat).total_seconds() if server.last_heartbeat else None
        rows.append(ServerView(server, leads, lease.acquired_at if leads else None, age))
    return rows
