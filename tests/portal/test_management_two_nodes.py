"""Two whole management nodes (``manage.py runportal`` as ``make run`` starts them) on one
PostgreSQL and one Redis, the second one started as docs/management-ha.md says
(``PORTAL_SEED=0``, its own var/ and port, the first node's keys). Both list each other
through ``listManagementServers``; after ``kill -9`` of every process of the first node the
second one holds the lease within TTL + renew interval and shows the first one Down.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from portal.services import management
from tests.services._proc import free_port, log_tail, spawn, stop_process_group, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TTL, RENEW = 4, 1
PASSWORD = "Two-nodes-pass-1"


class Node:
    """One runportal on its own var/ and port."""

    def __init__(self, name: str, root: Path, env: dict[str, str]) -> None:
        self.name, self.port = name, free_port()
        self.var = root / name
        self.var.mkdir()
        self.log = root / f"{name}.log"
        env = {**env, "PORT": str(self.port), "PORTAL_VAR_DIR": str(self.var),
               "PORTAL_NODE_NAME": name}  # fmt: skip
        with open(self.log, "wb") as out:
            self.proc = spawn([sys.executable, "manage.py", "runportal"], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_until(lambda: "ready in" in self.output(), timeout=180, what=name, proc=self.proc)
        except RuntimeError as exc:
            stop_process_group(self.proc)
            raise AssertionError(f"{exc}:\n{log_tail(self.log, 60)}") from None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_9(self) -> None:
        """A node crash: SIGKILL the supervisor and every process group it started."""
        children = [int(pid) for pid in re.findall(r"started .+ \(pid (\d+)\)", self.output())]
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def list_servers(self) -> dict[str, dict]:
        session = requests.Session()
        api = f"http://127.0.0.1:{self.port}/client/api"
        login = session.post(
            api,
            data={
                "command": "login",
                "username": "admin",
                "password": PASSWORD,
                "response": "json",
            },
            timeout=10,
        )
        answer = login.json().get("loginresponse", {})
        assert "sessionkey" in answer, f"{self.name}: login answered {login.status_code} {answer}"
        key = answer["sessionkey"]
        body = session.get(api, params={"command": "listManagementServers", "response": "json",
                                        "sessionkey": key}, timeout=10).json()  # fmt: skip
        rows = body["listmanagementserversresponse"].get("managementserver", [])
        return {row["name"]: row for row in rows}


def test_second_node_takes_over_when_the_first_one_is_killed(
    defaults, postgres_dsn, redis_url, tmp_path
):
    """The nodes find the rows migrations create (an earlier transactional test flushed them)."""
    ports = [free_port() for _ in range(4)]
    env = {
        **os.environ,
        "DATABASE_URL": postgres_dsn,
        "CELERY_BROKER_URL": redis_url,
        "PORTAL_ADMIN_PASSWORD": PASSWORD,
        "PORTAL_SEED": "0",  # no demo cloud: faster; the nodes are what is tested
        "MANAGEMENT_LEASE_TTL": str(TTL),
        "MANAGEMENT_RENEW_INTERVAL": str(RENEW),
        "MANAGEMENT_DOWN_AFTER": str(TTL),
        "AGENT_GATEWAY_URL": f"http://127.0.0.1:{ports[0]}",
        "AGENT_GATEWAY_RELAY_URL": f"ws://127.0.0.1:{ports[1]}",
        "CONSOLE_PROXY_URL": f"ws://127.0.0.1:{ports[2]}/console",
        "PORTAL_DEMO_AGENT_LISTEN": f"127.0.0.1:{ports[3]}",
    }
    env.pop("SECRET_KEY", None)
    env.pop("FIELD_ENCRYPTION_KEY", None)
    nodes = []
    try:
        first = Node("node1", tmp_path, env)
        nodes.append(first)
        keys = {
            "SECRET_KEY": (first.var / "secret_key").read_text(),
            "FIELD_ENCRYPTION_KEY": (first.var / "field_encryption_key").read_text(),
        }
        second = Node("node2", tmp_path, {**env, **keys})
        nodes.append(second)
        assert "not starting the agent gateway" in second.output()  # the first node has it

        def both_up() -> bool:
            rows = second.list_servers()
            return {n: r["state"] for n, r in rows.items()} == {"node1": "Up", "node2": "Up"}

        wait_until(both_up, timeout=30, what="both nodes Up")
        rows = first.list_servers()  # either node answers the same
        assert rows["node1"]["isleader"] and not rows["node2"]["isleader"]

        first.kill_9()
        killed = time.monotonic()

        def second_leads() -> bool:
            connection.close()
            lease = management.lease_holder()
            return lease is not None and lease.holder == rows["node2"]["id"]

        wait_until(second_leads, timeout=30, what="node2 takes the lease")
        takeover = time.monotonic() - killed
        assert takeover <= TTL + RENEW + 3, takeover  # slack: a loaded 2-core machine
        wait_until(lambda: second.list_servers()["node1"]["state"] == "Down", timeout=30,
                   what="node1 Down")  # fmt: skip
        after = second.list_servers()
        assert after["node2"]["isleader"] and after["node2"]["state"] == "Up"
        assert "now runs the periodic jobs" in second.output()
        print(f"\nwhole node kill -9: node2 took the lease {takeover:.2f}s later "
              f"(bound {TTL + RENEW}s)")  # fmt: skip
    finally:
        for node in reversed(nodes):
            if node.proc.poll() is None:
                os.killpg(node.proc.pid, signal.SIGTERM)
                try:
                    node.proc.wait(30)
                except subprocess.TimeoutExpired:
                    node.kill_9()
