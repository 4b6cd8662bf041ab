"""A management node survives PostgreSQL restarting: while the database is gone it stops
sending periodic jobs once its lease could have expired; when it is back the node
heartbeats and holds the lease again without a restart of its own."""

from __future__ import annotations

import os
import time
from datetime import datetime

import psycopg
import pytest
from django.conf import settings

from tests.portal.test_management_ha_postgres import BASE_DIR, RENEW, TTL, Node
from tests.services._proc import log_tail, stop_process_group, wait_until
from tests.services.postgres_server import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.celery]


def lease(dsn: str) -> tuple | None:
    with psycopg.connect(dsn, connect_timeout=2) as conn:
        return conn.execute(
            "SELECT holder, renewed_at FROM portal_managementlease WHERE name = 'beat'"
        ).fetchone()


def sent_at(line: str) -> float:
    """The time of a beat log line ``[2026-12-03 14:03:26,471: INFO/...] ...``."""
    return datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def test_node_takes_its_lease_again_after_postgres_restarts(redis_url, tmp_path):
    import subprocess
    import sys

    server = PostgresServer().start()
    node = None
    try:
        env = {
            **os.environ,
            "DATABASE_URL": server.dsn,
            "CELERY_BROKER_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "tests.portal.ha.settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
            "MANAGEMENT_LEASE_TTL": str(TTL),
            "MANAGEMENT_RENEW_INTERVAL": str(RENEW),
            "PORTAL_VAR_DIR": str(tmp_path),
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0", "portal"],
            cwd=BASE_DIR, env=env, check=True, timeout=300,
        )  # fmt: skip
        node = Node("node-pg", tmp_path, env)
        wait_until(lambda: (lease(server.dsn) or ("",))[0] == str(node.uuid), timeout=90,
                   what="the node leads", proc=node.proc)  # fmt: skip

        server._run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")
        stopped = time.time()
        time.sleep(TTL + 1)
        assert node.proc.poll() is None  # the beat process rides the outage out
        server._run("pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "start")
        back = time.time()

        def renewed_after_restart() -> bool:
            row = lease(server.dsn)
            return bool(row) and row[0] == str(node.uuid) and row[1].timestamp() > back

        wait_until(renewed_after_restart, timeout=TTL + RENEW + 10, what="lease renewed",
                   proc=node.proc)  # fmt: skip
        print(f"\nPostgreSQL down {back - stopped:.1f}s; lease renewed "
              f"{time.time() - back:.2f}s after it was back")  # fmt: skip
        log = node.log.read_text()
        assert "database unreachable" in log
        sent = [sent_at(line) for line in log.splitlines() if "Sending due task" in line]
        # nothing sent once the lease could have expired (TTL - renew after the last renewal)
        assert not [t for t in sent if stopped + TTL - RENEW + 0.5 < t < back], sent
        assert [t for t in sent if t > back]  # and it sends again
    finally:
        if node is not None:
            stop_process_group(node.proc)
            print(log_tail(node.log, 10))
        server.stop()
