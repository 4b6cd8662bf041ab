"""Celery beat scheduler for several management nodes: only the lease holder sends jobs.

Every node runs ``celery beat --scheduler portal.beat:LeaderScheduler`` (``runportal`` does;
``CELERY_BEAT_SCHEDULER`` names it too). Every ``MANAGEMENT_RENEW_INTERVAL`` seconds the
scheduler heartbeats its node and takes or renews the ``beat`` lease
(:func:`portal.services.management.beat`). While it holds the lease it ticks like Celery's
``PersistentScheduler``; otherwise it sends nothing and only keeps beating, ready to take
over. A clean stop releases the lease at once and marks the node Down.
"""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler
from django.db import DatabaseError, close_old_connections, connection

log = logging.getLogger(__name__)


class LeaderScheduler(PersistentScheduler):
    """A ``PersistentScheduler`` that ticks only while its node holds the ``beat`` lease."""

    def __init__(self, *args, **kwargs):
        from portal.services import management

        self.node = management.this_node()
        self.renew_every = management.renew_interval()
        self.ttl = management.lease_ttl()
        self.leader = False
        self.valid_until = 0.0  # monotonic: the lease is surely ours until then
        self.next_beat = 0.0
        self.registered = False
        super().__init__(*args, **kwargs)
        self.max_interval = min(self.max_interval, self.renew_every)

    def beat(self) -> None:
        """Heartbeat and lease, once per renew interval; database errors keep the lease only
        until ``valid_until`` (TTL - renew interval after the last renewal)."""
        from portal.services import management

        started = time.monotonic()
        self.next_beat = started + self.renew_every
        close_old_connections()
        try:
            if not self.registered:
                management.register(self.node)
                self.registered = True
            leader = management.beat(self.node)
        except DatabaseError as exc:
            log.warning("management beat: database unreachable (%s)", str(exc).splitlines()[0])
            connection.close()
            return
        if leader:
            self.valid_until = started + self.ttl - self.renew_every
        if leader != self.leader:
            log.info(
                "management node %s (%s) %s the periodic jobs",
                self.node.name,
                self.node.uuid,
                "now runs" if leader else "no longer runs",
            )
        self.leader = leader

    def is_leading(self) -> bool:
        return self.leader and time.monotonic() < self.valid_until

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now >= self.next_beat:
            self.beat()
            now = time.monotonic()
        until_beat = max(self.next_beat - now, 0.05)
        if not self.is_leading():
            return min(until_beat, self.renew_every)
        return min(super().tick(*args, **kwargs), until_beat)

    def close(self) -> None:
        try:
            super().close()
        finally:
            from portal.services import management

            try:
                close_old_connections()
                management.stopped(self.node)
            except DatabaseError:
                log.warning("management node %s: could not record the stop", self.node.name)
