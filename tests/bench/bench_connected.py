"""Case 8: 10,000 connected simulated hosts on one gateway (1,000 with ``--quick``).

Starts the real gateway process (``manage.py agent_gateway``) on the bench PostgreSQL and
one connected simulator fleet (``python -m agents serve --connect ... --fleet N``) that
opens N WebSockets and registers N hosts with one N-use enrollment token. Measures the
time until every host is Up, then the management side in steady state: the gateway
process's CPU seconds per minute of heartbeats, its resident memory, and PostgreSQL's CPU
for the same minute; plus a command round trip through the relay (``compute.agent.send``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.infra import make_sim_zone
from tests.bench.services import BASE_DIR, Service, cpu_seconds
from tests.bench.stats import measure
from tests.services._proc import free_port, spawn, wait_until

PING_INTERVAL = 15  # seconds; the steady-state figures are also given per 60 s interval


def _raise_nofile() -> int:
    """Soft open-file limit up to the hard one (inherited by the processes started here)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _backend_cpu() -> dict[int, float]:
    """CPU seconds so far of each process of the bench's PostgreSQL (from pg_stat_activity:
    the gateway's connections, autovacuum, the writer...; other clusters on the machine are
    not counted)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity")
        pids = [row[0] for row in cursor.fetchall()]
    seen = {}
    for pid in pids:
        try:
            seen[pid] = cpu_seconds(pid)
        except OSError:
            continue
    return seen


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU used since ``before`` by the PostgreSQL processes alive now (those started since,
    e.g. the gateway's connections, count whole)."""
    now = _backend_cpu()
    return sum(t - before.get(pid, 0.0) for pid, t in now.items())


def _start(name: str, cmd: list[str], workdir: Path, env: dict[str, str]) -> Service:
    log = workdir / f"{name}.log"
    with open(log, "wb") as out:
        proc = spawn(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Service(name, proc, log)


def start_gateway(ctx) -> tuple[Service, int, int]:
    port, relay_port = free_port(), free_port()
    env = {**ctx.env, "AGENT_GATEWAY_RELAY_URL": f"ws://127.0.0.1:{relay_port}"}
    os.environ["AGENT_GATEWAY_RELAY_URL"] = env["AGENT_GATEWAY_RELAY_URL"]
    gateway = _start("gateway", [
        sys.executable, "manage.py", "agent_gateway", "--listen", f"127.0.0.1:{port}",
        "--relay-port", str(relay_port), "--ping-interval", str(PING_INTERVAL),
    ], ctx.workdir, env)  # fmt: skip

    def listening() -> bool:
        import socket

        with socket.create_connection(("127.0.0.1", relay_port), timeout=1):
            return True

    wait_until(listening, timeout=60, what="agent gateway", proc=gateway.process)
    return gateway, port, relay_port


def run(ctx) -> None:
    from compute.models import Host
    from compute.services.enrollment import create_enrollment_token

    report = ctx.report
    count = 1000 if ctx.quick else 10000
    report.fact("8", "open-file limit (soft raised to hard)", _raise_nofile(), "fds")
    zone = make_sim_zone("bench-connected", clusters=1)
    _, token = create_enrollment_token(
        acting_user=zone.root_user, cluster=zone.clusters[0], max_uses=count
    )
    gateway, port, _ = start_gateway(ctx)
    ctx.state.setdefault("stop", []).append(gateway)
    t0, gw0, pg0 = time.monotonic(), gateway.cpu_seconds(), _backend_cpu()
    fleet = _start("fleet", [
        sys.executable, "-m", "agents", "serve", "--resource", "simulator",
        "--connect", f"http://127.0.0.1:{port}", "--token", token, "--fleet", str(count),
        "--host-id", "conn", "--state", str(ctx.workdir / "fleet-state.json"),
        "--log-level", "WARNING",
    ], ctx.workdir, ctx.env)  # fmt: skip
    ctx.state["stop"].append(fleet)
    up = Host.objects.filter(zone=zone.zone, status="Up")
    wait_until(lambda: up.count() >= count, timeout=1800, what=f"{count} connected hosts Up",
               proc=fleet.process)  # fmt: skip
    wall = time.monotonic() - t0
    report.fact(
        "8", f"register {count:,} connected hosts (token, host row, pool setup)", round(wall, 1),
        "s", f"{count / wall:.0f} hosts/s; gateway {gateway.cpu_seconds() - gw0:.1f} CPU-s, "
        f"PostgreSQL {postgres_cpu_since(pg0):.1f} CPU-s, fleet {fleet.cpu_seconds():.1f} CPU-s",
    )  # fmt: skip

    time.sleep(PING_INTERVAL)  # let registration work (pool setup) drain
    window = 4 * PING_INTERVAL
    gw0, pg0, fl0 = gateway.cpu_seconds(), _backend_cpu(), fleet.cpu_seconds()
    time.sleep(window)
    gw_cpu, pg_cpu = gateway.cpu_seconds() - gw0, postgres_cpu_since(pg0)
    fleet_cpu = fleet.cpu_seconds() - fl0
    per_min = 60 / window
    scale = PING_INTERVAL / 60  # the same fleet pinging every 60 s sends 4x fewer frames
    report.fact(
        "8", f"gateway CPU per minute of heartbeats, {count:,} hosts ({PING_INTERVAL} s interval)",
        round(gw_cpu * per_min, 2), "CPU-s",
        f"= {100 * gw_cpu / window:.1f}% of one core; at the default 60 s interval about "
        f"{gw_cpu * per_min * scale:.2f} CPU-s/min",
    )  # fmt: skip
    report.fact(
        "8", f"PostgreSQL CPU per minute of heartbeats, {count:,} hosts",
        round(pg_cpu * per_min, 2), "CPU-s", f"one UPDATE of {count:,} rows per {PING_INTERVAL} s",
    )  # fmt: skip
    rss = rss_mib(gateway.process.pid)
    report.fact(
        "8", f"gateway resident memory with {count:,} connections", round(rss, 1), "MiB",
        f"{rss * 1024 / count:.1f} KiB per connection",
    )  # fmt: skip
    report.fact(
        "8", f"fleet process (agent side): CPU per minute and memory, {count:,} hosts",
        round(fleet_cpu * per_min, 2), "CPU-s", f"{rss_mib(fleet.process.pid):.0f} MiB RSS",
    )  # fmt: skip
    stale = Host.objects.filter(zone=zone.zone).exclude(status="Up").count()
    if stale:
        report.note("8", f"{stale} connected hosts were not Up after the heartbeat window")
    _round_trip(ctx, zone)


def _round_trip(ctx, zone) -> None:
    from agents.protocol import commands as c
    from compute import agent
    from compute.models import Host

    host = Host.objects.filter(zone=zone.zone).order_by("id").first()
    ping = c.PingCommand(host_id=str(host.uuid))
    ctx.report.add(
        "8", "ping command to a connected host via compute.agent.send (relay + WebSocket)",
        measure(lambda: agent.send(host, ping), ctx.runs(500, 200), 20),
    )  # fmt: skip
