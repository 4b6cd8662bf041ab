"""The real services a benchmark run needs, each in its own process on 127.0.0.1.

PostgreSQL comes from :mod:`tests.services.postgres_server`; Redis, the simulator agent and
the Celery worker are started here the same way the test fixtures start theirs (own process
group, killed with us), so nothing outlives the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.services._proc import free_port, log_tail, spawn, stop_process_group, wait_until
from tests.services.redis_server import redis_ping

BASE_DIR = Path(__file__).resolve().parents[2]
AGENT_SECRET = "bench-simulator-shared-secret"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path
    url: str = ""

    def stop(self, timeout: float = 10) -> None:
        stop_process_group(self.process, timeout=timeout)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def log_tail(self) -> str:
        return log_tail(self.log)


class Workdir:
    """A scratch directory for logs and configs, removed at the end."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="portal-bench-"))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def start_redis(workdir: Path) -> Service:
    """A private, non-persistent redis-server."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    log = workdir / "redis.log"
    proc = spawn([
        binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(log),
    ])  # fmt: skip
    wait_until(lambda: redis_ping(port), timeout=15, what="redis-server", proc=proc)
    return Service("redis", proc, log, f"redis://127.0.0.1:{port}")


def start_simulator(workdir: Path, *, cpus: int = 16, memory_gib: int = 64) -> Service:
    """One simulator agent process serving any number of hosts at /v1/hosts/<id>/..."""
    port = free_port()
    config = workdir / "simulator.json"
    config.write_text(
        json.dumps(
            {
                "secret": AGENT_SECRET,
                "resource": {
                    "cpus": cpus,
                    "cpu_speed_mhz": 2000,
                    "memory_bytes": memory_gib * 1024**3,
                    "max_hosts": 50000,
                    # One shared pool serves every simulated host (like shared NFS): make it
                    # as large as the database's zone pool so storage is never the limit.
                    "pool_capacity_bytes": 1024**5,
                },
            }
        )
    )
    log = workdir / "simulator.log"
    cmd = [
        sys.executable, "-m", "agents", "serve", "--resource", "simulator",
        "--listen", f"127.0.0.1:{port}", "--config", str(config), "--log-level", "WARNING",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = spawn(cmd, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        import socket

        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    wait_until(answers, timeout=30, what="simulator agent", proc=proc)
    return Service("simulator", proc, log, url)


def start_worker(workdir: Path, env: dict[str, str], *, concurrency: int = 2) -> Service:
    """``celery -A portal worker`` (prefork) on the bench Redis and PostgreSQL."""
    log = workdir / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork",
        "--concurrency", str(concurrency), "--loglevel", "WARNING",
        "--hostname", "bench-worker@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = spawn(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Service("celery worker", proc, log)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live children (a prefork worker and its pool)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        try:
            total += process_tree_cpu(int(child))
        except (OSError, ValueError):
            pass
    return total
