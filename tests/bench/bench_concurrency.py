"""Case 6: concurrency correctness under load on PostgreSQL.

1,000 deploys (250 with --quick) race for capacity for 500 (125): 10 hosts x 16 cores x
2,000 MHz, one-core 640 MHz instances -> 50 per host. The jobs run ``portal.tasks.run_job``
in 32 threads (own DB connections), the real handlers talking HTTP to the simulator.
Reports successes, failures and overcommit (must be 0), and checks that allocated capacity
equals the sum of the live instances on every host."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.bench.infra import (
    bulk_sim_hosts,
    jobs_in_process,
    make_sim_zone,
    make_tenant,
    precopy_template,
)
from tests.bench.stats import Timing

THREADS = 32


def run(ctx) -> None:
    from django.db import connection as main_connection

    from compute.lifecycle import deploy_instance
    from compute.models import Host, Instance
    from portal.models import AsyncJob
    from portal.tasks import run_job

    report = ctx.report
    hosts_n, per_host = (10, 50) if not ctx.quick else (5, 25)
    capacity = hosts_n * per_host
    attempts = capacity * 2
    sim_zone = make_sim_zone("bench-race", clusters=1)
    hosts = bulk_sim_hosts(ctx, sim_zone, hosts_n, prefix="race-h", cpus=16)
    cpu_speed = 16 * 2000 // per_host
    tenant = make_tenant(sim_zone, "racer", cpu_speed=cpu_speed)
    precopy_template(sim_zone, tenant.template, hosts)
    job_ids = []
    with jobs_in_process():
        for _ in range(attempts):
            _, job = deploy_instance(
                acting_user=tenant.user, zone=sim_zone.zone, service_offering=tenant.offering,
                template=tenant.template, networks=[tenant.network],
            )  # fmt: skip
            job_ids.append(job.pk)

    def one(job_id: int) -> float:
        from django.db import connection

        start = time.perf_counter()
        try:
            run_job(job_id)
        finally:
            connection.close()
        return time.perf_counter() - start

    t0 = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        durations = list(pool.map(one, job_ids))
    wall = time.perf_counter() - t0
    main_connection.close()

    outcomes = Counter(AsyncJob.objects.filter(pk__in=job_ids).values_list("status", "error_code"))
    ok = outcomes.get(("succeeded", None), 0)
    insufficient = outcomes.get(("failed", 533), 0)
    other = attempts - ok - insufficient
    overcommit = 0
    mismatched = 0
    for host in Host.objects.filter(pk__in=[h.pk for h in hosts]):
        live = Instance.objects.filter(host=host, state="Running")
        used_cpu = sum(i.cpu_number * i.cpu_speed for i in live)
        used_mem = sum(i.memory for i in live) * 1024**2
        overcommit += max(0, host.cpu_allocated_mhz - host.cpus * host.cpu_speed) // cpu_speed
        overcommit += max(0, live.count() - per_host)
        if host.cpu_allocated_mhz != used_cpu or host.memory_allocated != used_mem:
            mismatched += 1
    running = Instance.objects.filter(account=tenant.account, state="Running").count()
    report.add(
        "6", f"run_job for one deploy, {attempts:,} racing in {THREADS} threads", Timing(durations)
    )
    verdict = "OK" if (ok == capacity and overcommit == 0 and mismatched == 0) else "WRONG"
    report.fact(
        "6", f"{attempts:,} concurrent deploys against capacity for {capacity:,}",
        f"{ok} succeeded, {insufficient} failed (533 insufficient capacity), "
        f"{other} other failures, overcommit {overcommit}", "",
        f"{verdict}; {running} Running; hosts whose allocation != sum of live instances: "
        f"{mismatched}; {wall:.1f} s",
    )  # fmt: skip
    errors = Counter(
        AsyncJob.objects.filter(pk__in=job_ids, status="failed")
        .exclude(error_code=533)
        .values_list("error_text", flat=True)
    )
    if verdict != "OK":
        sample = "; ".join(f"{count} x {text[:200]}" for text, count in errors.most_common(3))
        report.note(
            "6", f"correctness check failed: {dict(outcomes)}; mismatched={mismatched}; {sample}"
        )
