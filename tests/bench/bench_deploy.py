"""Case 4: deploy throughput through the full path.

DRF ``POST /api/compute/instances/`` (as a tenant) -> ``deploy_instance`` -> job row ->
Celery (Redis broker) -> ``celery -A portal worker`` (prefork, concurrency 2) -> planner,
volumes, network, start over signed HTTP to the simulator agent -> Running. Per-deploy time
is the job's ``finished - created``. Floor: a no-op Celery task round trip (``.delay().get()``)
plus a bare HTTP POST to the agent, measured in the same run."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from tests.bench.infra import ensure_sim_zone, make_tenant, precopy_template
from tests.bench.services import process_tree_cpu, start_worker
from tests.bench.stats import Timing, measure


def _wait_for_worker(worker, timeout: float = 60) -> None:
    from portal.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"worker exited:\n{worker.log_tail()}")
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError(f"worker not ready:\n{worker.log_tail()}")


def run(ctx) -> None:
    from django.test import Client

    from compute.models import Instance
    from portal.models import AsyncJob
    from portal.tasks import ping

    report = ctx.report
    n = 200 if ctx.quick else 1000
    sim_zone = ensure_sim_zone(ctx)
    tenant = make_tenant(sim_zone, "deployer")
    # first fit fills hosts in id order: 16 cores x 2,000 MHz = 32 one-core instances each
    from compute.models import Host

    first_hosts = Host.objects.filter(zone=sim_zone.zone, status="Up").order_by("id")
    precopy_template(sim_zone, tenant.template, first_hosts[: n // 32 + 10])
    worker = start_worker(ctx.workdir, ctx.env, concurrency=2)
    ctx.state.setdefault("stop", []).append(worker)
    _wait_for_worker(worker)

    # Floors: no-op task round trip, bare POST to the agent.
    noop = measure(lambda: ping.delay("x").get(timeout=10), ctx.runs(300, 100), 10)
    parts = urlsplit(ctx.services["simulator"].url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def bare_post():
        conn.request("POST", "/v1/hosts/x/commands", body=b"{}")
        conn.getresponse().read()

    bare = measure(bare_post, ctx.runs(300, 100), 10)
    conn.close()
    floor = Timing([a + b for a, b in zip(noop.samples, bare.samples, strict=False)])
    report.add(
        "4", "floor parts: no-op Celery task round trip (Redis broker + result backend)", noop
    )

    client = Client()
    client.force_login(tenant.user)
    payload = {
        "zone": sim_zone.zone.pk,
        "service_offering": tenant.offering.pk,
        "template": tenant.template.pk,
        "networks": [tenant.network.pk],
    }
    worker_cpu0 = process_tree_cpu(worker.process.pid)
    api_samples, job_ids = [], []
    t0 = time.perf_counter()
    for _ in range(n):
        s = time.perf_counter()
        response = client.post("/api/compute/instances/", payload, content_type="application/json")
        api_samples.append(time.perf_counter() - s)
        if response.status_code != 202:
            raise RuntimeError(f"deploy answered {response.status_code}: {response.content[:300]}")
        job_ids.append(response.json()["job_id"])
    submitted = time.perf_counter() - t0
    deadline = time.monotonic() + 60 + n
    jobs = AsyncJob.objects.filter(pk__in=job_ids)
    while jobs.filter(status__in=["pending", "running"]).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"deploys still running after {60 + n} s:\n{worker.log_tail()}")
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    worker_cpu = process_tree_cpu(worker.process.pid) - worker_cpu0
    rows = list(jobs.values_list("status", "created", "finished", "error_text", "started"))
    ok = [r for r in rows if r[0] == "succeeded"]
    failed = [r for r in rows if r[0] != "succeeded"]
    per_deploy = Timing([(r[2] - r[1]).total_seconds() for r in ok] or [0.0])
    first, last = min(r[1] for r in rows), max(r[2] for r in rows)
    running = Instance.objects.filter(account=tenant.account, state="Running").count()
    report.add(
        "4", f"deploy, API 202 -> Running (job created -> finished), {n:,} deploys",
        per_deploy, floor_name="no-op task round trip + bare agent POST", floor=floor,
        notes="queueing included: all deploys are submitted back to back",
    )  # fmt: skip
    report.add(
        "4", "deploy job in the worker (job started -> finished, no queueing)",
        Timing([(r[2] - r[4]).total_seconds() for r in ok] or [0.0]),
        floor_name="no-op task round trip + bare agent POST", floor=floor,
    )  # fmt: skip
    report.add("4", "deploy API call (POST /api/compute/instances/ -> 202)", Timing(api_samples))
    rate = len(ok) / (last - first).total_seconds()
    report.fact("4", "deploy throughput (first job created -> last finished)", round(rate, 1),
                "instances/s", f"{len(ok)}/{n} Running, {len(failed)} failed, "
                f"submitted in {submitted:.1f} s, all done in {wall:.1f} s")  # fmt: skip
    report.fact("4", "Celery worker CPU per deploy (worker + pool processes)",
                round(worker_cpu / max(1, n) * 1000, 1), "ms")  # fmt: skip
    if failed:
        report.note("4", f"{len(failed)} deploys failed, e.g.: {failed[0][3][:300]}")
    if running != len(ok):
        report.note("4", f"{running} instances Running but {len(ok)} jobs succeeded")
    worker.stop(timeout=20)
    ctx.state["stop"].remove(worker)
