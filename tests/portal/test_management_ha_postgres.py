"""Management plane HA with real processes on one PostgreSQL and one Redis.

Two management nodes (``celery beat`` with ``portal.beat.LeaderScheduler``, each with its
own var/ dir and node id) and a Celery worker executing the test periodic task
(``tests.portal.ha.tasks.tick``, every second). Short timers: lease TTL 3 s, renew every
1 s, Down after 3 s; the takeover bound is TTL + renew interval. Run with
``python -m tests.services.postgres_server -- pytest -m postgres tests/portal``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.models import ManagementLease, ManagementServer, ManagementServerState
from portal.services import management
from tests.portal.ha.tasks import TICK_QUEUE, TICKS
from tests.services._proc import log_tail, spawn, stop_process_group, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
TTL, RENEW, DOWN_AFTER = 3, 1, 3
SLACK = 2.0  # process scheduling on a loaded 2-core machine


class Node:
    """One management node process (beat) with its own var/ dir and a known node id."""

    def __init__(self, name: str, root: Path, env: dict[str, str]):
        self.name, self.uuid = name, uuid.uuid4()
        var = root / name
        var.mkdir()
        (var / "management_node_id").write_text(f"{self.uuid}\n")
        self.log = root / f"{name}.log"
        env = {**env, "PORTAL_VAR_DIR": str(var), "PORTAL_NODE_NAME": name}
        cmd = [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info",
               "--schedule", str(var / "celerybeat-schedule")]  # fmt: skip
        with open(self.log, "wb") as out:
            self.proc = spawn(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)

    def row(self) -> ManagementServer | None:
        return ManagementServer.objects.filter(uuid=self.uuid).first()


def holder() -> str | None:
    lease = management.lease_holder()
    return lease.holder if lease else None


@pytest.fixture
def cluster(postgres_dsn, redis_url, tmp_path):
    """``start(name)`` -> a running :class:`Node`; a worker runs the ticks; all stopped after."""
    env = {
        **os.environ,
        "DATABASE_URL": postgres_dsn,
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tests.portal.ha.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "MANAGEMENT_LEASE_TTL": str(TTL),
        "MANAGEMENT_RENEW_INTERVAL": str(RENEW),
        "MANAGEMENT_DOWN_AFTER": str(DOWN_AFTER),
        "PYTHONUNBUFFERED": "1",
    }
    client = redis.Redis.from_url(redis_url)
    client.delete(TICKS)
    worker_log = tmp_path / "worker.log"
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    with open(worker_log, "wb") as out:
        worker = spawn(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "-l",
             "info", "--hostname", "ha-worker@%h", "--without-gossip", "--without-mingle",
             "--queues", TICK_QUEUE],
            cwd=BASE_DIR, env={**env, "PORTAL_VAR_DIR": str(worker_var)}, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    nodes: list[Node] = []

    def start(name: str) -> Node:
        node = Node(name, tmp_path, env)
        nodes.append(node)
        return node

    start.redis = client
    try:
        yield start
    finally:
        for node in nodes:
            stop_process_group(node.proc)
            print(f"--- {node.name} ---\n{log_tail(node.log, 15)}")
        stop_process_group(worker)
        print(f"--- worker ---\n{log_tail(worker_log, 10)}")
        client.close()


def ticks(client, since: float, until: float) -> list[float]:
    return [t for t in map(float, client.lrange(TICKS, 0, -1)) if since <= t < until]


def wait_for(what: str, ready, timeout: float, proc=None) -> float:
    """Poll ``ready`` (a database read) until true; the time it took."""
    started = time.monotonic()

    def check() -> bool:
        connection.close()  # a fresh read each time
        return bool(ready())

    wait_until(check, timeout=timeout, what=what, proc=proc)
    return time.monotonic() - started


def test_one_leader_runs_the_periodic_jobs_and_another_takes_over_after_kill_9(cluster):
    a = cluster("node-a")
    wait_for("node-a leads", lambda: holder() == str(a.uuid), 90, a.proc)
    b = cluster("node-b")
    wait_for("node-b is Up", lambda: b.row() and b.row().state == "Up", 90, b.proc)
    assert holder() == str(a.uuid)  # the second node does not take the lease

    # both alive: the task runs once per second (one sender), not twice
    time.sleep(2)
    window_start = time.time()
    time.sleep(8)
    both = ticks(cluster.redis, window_start, time.time())
    assert 6 <= len(both) <= 9, both
    assert holder() == str(a.uuid)
    views = {v.server.name: v for v in management.servers()}
    assert views["node-a"].is_leader and not views["node-b"].is_leader
    assert views["node-b"].heartbeat_age < RENEW + SLACK

    os.killpg(a.proc.pid, signal.SIGKILL)
    killed = time.time()
    takeover = wait_for("node-b takes the lease", lambda: holder() == str(b.uuid), 30, b.proc)
    assert takeover <= TTL + RENEW + SLACK, takeover
    wait_until(lambda: ticks(cluster.redis, killed + takeover, time.time()), timeout=10,
               what="a tick after the takeover")  # fmt: skip
    first_run = ticks(cluster.redis, killed + takeover, time.time())[0] - killed

    wait_for("node-a shown Down", lambda: a.row().state == ManagementServerState.DOWN, 30)
    down = time.time() - killed
    assert down <= DOWN_AFTER + RENEW + SLACK, down

    time.sleep(6)
    after = ticks(cluster.redis, killed + takeover + 1, killed + takeover + 6)
    assert 4 <= len(after) <= 6, after  # node-b sends once per second
    print(
        f"\nHA figures: lease taken over {takeover:.2f}s after kill -9 (bound {TTL + RENEW}s), "
        f"first periodic run on the new leader {first_run:.2f}s after the kill, "
        f"dead node Down {down:.2f}s after the kill (bound {DOWN_AFTER + RENEW}s); "
        f"{len(both)} runs in 8 s with two nodes"
    )

    os.kill(b.proc.pid, signal.SIGTERM)  # a clean stop releases the lease at once
    b.proc.wait(15)
    connection.close()
    row = b.row()
    assert row.state == ManagementServerState.DOWN and row.last_stop is not None
    assert holder() is None


def test_racing_nodes_one_wins_on_postgres():
    """16 threads (own connections) take an expired lease at once: exactly one gets it."""
    now = timezone.now()
    ManagementLease.objects.create(name="beat", holder="old", expires_at=now - timedelta(1))
    barrier, won, lock = threading.Barrier(16), [], threading.Lock()

    def race(i: int) -> None:
        try:
            barrier.wait(10)
            if management.acquire_lease(f"node-{i}", ttl=30):
                with lock:
                    won.append(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert ManagementLease.objects.get(name="beat").holder == f"node-{won[0]}"
