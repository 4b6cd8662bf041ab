"""Management plane HA on SQLite: the lease, heartbeats and the leader-only beat scheduler."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import ManagementLease, ManagementServer, ManagementServerState
from portal.services import management

pytestmark = pytest.mark.django_db

A, B = "node-a", "node-b"


def node(name: str, **kw) -> management.NodeInfo:
    return management.NodeInfo(
        uuid=kw.get("uuid", uuid.uuid4()),
        name=name,
        service_ip="127.0.0.1",
        service_port=8000,
        pid=1,
    )


def test_first_taker_holds_the_lease_others_do_not():
    now = timezone.now()
    assert management.acquire_lease(A, ttl=30, now=now)
    assert not management.acquire_lease(B, ttl=30, now=now + timedelta(seconds=1))
    lease = ManagementLease.objects.get(name="beat")
    assert lease.holder == A
    assert lease.expires_at == now + timedelta(seconds=30)
    assert ManagementLease.objects.count() == 1


def test_renewal_extends_and_keeps_held_since():
    now = timezone.now()
    management.acquire_lease(A, ttl=30, now=now)
    later = now + timedelta(seconds=20)
    assert management.acquire_lease(A, ttl=30, now=later)
    lease = ManagementLease.objects.get()
    assert (lease.acquired_at, lease.renewed_at) == (now, later)
    assert lease.expires_at == later + timedelta(seconds=30)
    # renewed in time: B still cannot take it past the first expiry
    assert not management.acquire_lease(B, ttl=30, now=now + timedelta(seconds=31))


def test_expired_lease_is_taken_over():
    now = timezone.now()
    management.acquire_lease(A, ttl=30, now=now)
    assert not management.acquire_lease(B, ttl=30, now=now + timedelta(seconds=29))
    takeover = now + timedelta(seconds=30)
    assert management.acquire_lease(B, ttl=30, now=takeover)
    lease = ManagementLease.objects.get()
    assert (lease.holder, lease.acquired_at) == (B, takeover)
    assert not management.acquire_lease(A, ttl=30, now=takeover + timedelta(seconds=1))


def test_release_hands_over_at_once_and_only_by_the_holder():
    now = timezone.now()
    management.acquire_lease(A, ttl=30, now=now)
    assert not management.release_lease(B, now=now)
    assert management.lease_holder(now).holder == A
    assert management.release_lease(A, now=now)
    assert management.lease_holder(now) is None
    assert management.acquire_lease(B, ttl=30, now=now)


def test_heartbeat_and_silent_nodes_go_down(settings):
    settings.MANAGEMENT_DOWN_AFTER = 30
    a, b = node("a"), node("b")
    now = timezone.now()
    management.register(a, now)
    management.register(b, now)
    management.heartbeat(a, now + timedelta(seconds=25))
    assert management.mark_silent_down(now + timedelta(seconds=31)) == 1
    states = dict(ManagementServer.objects.values_list("name", "state"))
    assert states == {"a": ManagementServerState.UP, "b": ManagementServerState.DOWN}
    management.heartbeat(b, now + timedelta(seconds=40))  # b is back
    assert ManagementServer.objects.get(name="b").state == ManagementServerState.UP


def test_beat_and_servers_view_show_the_leader():
    a, b = node("a"), node("b")
    now = timezone.now()
    management.register(a, now)
    management.register(b, now)
    assert management.beat(a, now)
    assert not management.beat(b, now + timedelta(seconds=1))
    views = {v.server.name: v for v in management.servers(now=now + timedelta(seconds=2))}
    assert views["a"].is_leader and views["a"].leader_since == now
    assert not views["b"].is_leader and views["b"].leader_since is None
    assert views["b"].heartbeat_age == pytest.approx(1.0)
    management.stopped(a, now + timedelta(seconds=3))
    server = ManagementServer.objects.get(name="a")
    assert server.state == ManagementServerState.DOWN and server.last_stop is not None
    assert management.beat(b, now + timedelta(seconds=4))  # no wait for the TTL


def test_register_describes_the_node():
    a = node("a")
    server = management.register(a)
    assert server.uuid == a.uuid and server.version
    assert server.python_version and server.kernel_version
    assert server.state == ManagementServerState.UP and server.last_start


def test_node_id_is_stable_per_var_dir(tmp_path):
    first = management.node_id(tmp_path)
    assert management.node_id(tmp_path) == first
    other = tmp_path / "other"
    other.mkdir()
    assert management.node_id(other) != first


@pytest.mark.django_db(transaction=True)
def test_scheduler_sends_only_while_leading(tmp_path, settings, monkeypatch):
    from celery import Celery

    from portal.beat import LeaderScheduler

    settings.MANAGEMENT_RENEW_INTERVAL = 1
    settings.MANAGEMENT_LEASE_TTL = 3
    app = Celery("lease-test", broker="memory://")
    app.conf.beat_schedule = {"t": {"task": "lease.test", "schedule": 0.2}}
    sent = []
    monkeypatch.setenv("PORTAL_NODE_NAME", "sched")
    scheduler = LeaderScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
    monkeypatch.setattr(
        scheduler, "apply_entry", lambda entry, producer=None: sent.append(entry.name)
    )
    assert scheduler.max_interval == 1
    management.acquire_lease("someone-else", ttl=60)
    scheduler.tick()
    assert not scheduler.leader and sent == []
    assert ManagementServer.objects.get(name="sched").state == ManagementServerState.UP
    management.release_lease("someone-else")
    scheduler.next_beat = 0  # next renew interval now
    for _ in range(4):
        scheduler.tick()
        time.sleep(0.25)
    assert scheduler.leader and "t" in sent
    scheduler.close()
    assert management.lease_holder() is None
    assert ManagementServer.objects.get(name="sched").state == ManagementServerState.DOWN


@pytest.mark.django_db(transaction=True)
def test_scheduler_stops_sending_when_the_database_is_gone(tmp_path, settings, monkeypatch):
    """A leader that cannot renew keeps sending only until TTL - renew interval after its
    last renewal, before any other node may take the lease."""
    from celery import Celery
    from django.db import OperationalError

    from portal.beat import LeaderScheduler

    settings.MANAGEMENT_RENEW_INTERVAL = 1
    settings.MANAGEMENT_LEASE_TTL = 3
    app = Celery("lease-test", broker="memory://")
    scheduler = LeaderScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
    scheduler.tick()
    assert scheduler.is_leading()
    renewed = time.monotonic()

    def unreachable(node, now=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(management, "beat", unreachable)
    scheduler.next_beat = 0
    scheduler.tick()  # the renewal fails: still ours for TTL - renew = 2 s
    assert scheduler.is_leading()
    while time.monotonic() < renewed + 2.1:
        time.sleep(0.1)
    assert not scheduler.is_leading()
    monkeypatch.undo()
    scheduler.close()
