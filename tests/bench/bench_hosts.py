"""Case 3: host registration and heartbeats with 2,000 and 10,000 simulated hosts.

Hosts are added through the real path (``create_host`` service, then the ``host.connect``
job: startup command + storage pool over signed HTTP to the simulator agent), run in this
process so that its CPU time is the management side's. Heartbeats are one run of the
periodic ``compute.tasks.ping_hosts`` task body. The simulator agent and PostgreSQL run in
their own processes; their CPU is read from /proc.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from tests.bench.infra import HOSTS_PER_CLUSTER, db_backend_pid, jobs_in_process, make_sim_zone
from tests.bench.services import AGENT_SECRET, cpu_seconds
from tests.bench.stats import Timing, measure


def register_hosts(ctx, sim_zone, start: int, stop: int) -> Timing:
    """Add hosts ``start..stop-1`` through the service and connect job; per-host timings."""
    from compute.services.hosts import create_host
    from portal.tasks import run_job

    url = ctx.services["simulator"].url
    samples = []
    with jobs_in_process():
        for i in range(start, stop):
            t0 = time.perf_counter()
            host = create_host(
                acting_user=sim_zone.root_user,
                cluster=sim_zone.clusters[i // HOSTS_PER_CLUSTER],
                name=f"sim-h{i}",
                url=f"{url}/hosts/sim-h{i}",
                agent_secret=AGENT_SECRET,
            )
            outcome = run_job(host.connect_job.pk)
            if outcome != "succeeded":
                raise RuntimeError(f"host {host.name} did not connect: {outcome}")
            samples.append(time.perf_counter() - t0)
    return Timing(samples)


def ping_all(ctx, count: int) -> None:
    """One heartbeat sweep over every host; CPU of management, database and agent."""
    from compute.tasks import ping_hosts

    report = ctx.report
    sim = ctx.services["simulator"]
    backend = db_backend_pid()
    sweeps = 1 if count > 5000 or ctx.quick else 2
    results = []
    for _ in range(sweeps):
        cpu0, db0, agent0 = time.process_time(), cpu_seconds(backend), sim.cpu_seconds()
        t0 = time.perf_counter()
        outcome = ping_hosts()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        results.append((wall, cpu, cpu_seconds(backend) - db0, sim.cpu_seconds() - agent0))
        if outcome["answered"] != count or outcome["failed"]:
            raise RuntimeError(f"ping sweep over {count} hosts: {outcome}")
    wall, cpu, db_cpu, agent_cpu = min(results)
    interval = 60
    report.fact(
        "3", f"ping sweep of {count:,} hosts: wall time", round(wall, 2), "s",
        f"{count / wall:,.0f} hosts/s by one management process (sequential)",
    )  # fmt: skip
    report.fact(
        "3", f"management CPU per minute of pings, {count:,} hosts (60 s interval)",
        round(cpu * 60 / interval, 2), "CPU-s",
        f"= {100 * cpu / interval:.1f}% of one core; goal < 10% at 2,000 hosts",
    )  # fmt: skip
    report.fact(
        "3", f"PostgreSQL backend CPU per minute of pings, {count:,} hosts", round(db_cpu, 2),
        "CPU-s", f"= {100 * db_cpu / interval:.1f}% of one core",
    )  # fmt: skip
    report.fact(
        "3", f"simulator agent CPU per minute of pings, {count:,} hosts", round(agent_cpu, 2),
        "CPU-s", "all simulated hosts live in one agent process",
    )  # fmt: skip


def round_trips(ctx) -> None:
    """Simulator command round trip vs a bare HTTP POST to the same server."""
    from agents.client import AgentClient
    from agents.protocol import commands as c
    from compute import agent
    from compute.models import Host

    report, runs = ctx.report, ctx.runs(500, 200)
    base = ctx.services["simulator"].url
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def bare_post():
        conn.request(
            "POST", "/v1/hosts/sim-h0/commands", body=b"{}",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()  # 401: the agent reads the body and refuses the unsigned request

    floor = measure(bare_post, runs, 20)
    conn.close()
    client = AgentClient(base, AGENT_SECRET, host_id="sim-h0")
    ping = c.PingCommand(host_id="sim-h0")
    report.add(
        "3", "simulator ping command round trip (AgentClient, kept-alive connection)",
        measure(lambda: client.send(ping), runs, 20),
        floor_name="bare HTTP POST, same server", floor=floor,
    )  # fmt: skip
    client.close()
    host = Host.objects.get(name="sim-h0")
    report.add(
        "3", "simulator ping via compute.agent.send (pooled session, signed, typed)",
        measure(lambda: agent.send(host, ping), runs, 20),
        floor_name="bare HTTP POST, same server", floor=floor,
    )  # fmt: skip


def run(ctx) -> None:
    report = ctx.report
    small, large = (500, 2000) if ctx.quick else (2000, 10000)
    sim_zone = make_sim_zone("bench-sim", clusters=10000 // HOSTS_PER_CLUSTER)
    ctx.state["sim_zone"] = sim_zone
    for start, stop in ((0, small), (small, large)):
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        timing = register_hosts(ctx, sim_zone, start, stop)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        report.add(
            "3", f"add + connect one host (service + host.connect job), hosts {start:,}-{stop:,}",
            timing, notes=f"{(stop - start) / wall:.0f} hosts/s; {cpu / (stop - start) * 1000:.1f} "
            "ms management CPU per host",
        )  # fmt: skip
        report.fact(
            "3", f"registered hosts {start:,}-{stop:,}", round(wall, 1), "s",
            f"{(stop - start) / wall:.0f} hosts/s",
        )  # fmt: skip
        ping_all(ctx, stop)
    round_trips(ctx)
    from compute.host_handlers import ping_host
    from compute.models import Host

    some = list(Host.objects.filter(zone=sim_zone.zone).order_by("id")[:300])
    report.profile("case 3: ping_host over 300 hosts", lambda: [ping_host(h) for h in some])
