"""No overcommit under concurrency: real PostgreSQL, real job handlers, real agent HTTP."""

import threading

import pytest
from django.db import connection

from compute.lifecycle import deploy_instance
from compute.models import Host, Instance, ServiceOffering
from portal.models import AsyncJob
from portal.tasks import run_job


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deploys_take_exactly_the_capacity(tenant, cloud, no_broker):
    """2 hosts x 4 cores x 2000 MHz hold 8 one-core instances; 24 deploys race for them."""
    assert connection.vendor == "postgresql"
    offering = ServiceOffering.objects.create(
        name="one-core", cpu_number=1, cpu_speed=2000, memory=256
    )
    jobs = []
    for _ in range(24):
        _, job = deploy_instance(
            acting_user=tenant,
            zone=cloud["zone"],
            service_offering=offering,
            template=cloud["template"],
        )
        jobs.append(job.pk)
    barrier = threading.Barrier(len(jobs))

    def worker(job_id):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            run_job(job_id)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    outcomes = list(AsyncJob.objects.filter(pk__in=jobs).values_list("status", "error_code"))
    assert outcomes.count(("succeeded", None)) == 8
    assert outcomes.count(("failed", 533)) == 16
    running = Instance.objects.filter(state="Running")
    assert running.count() == 8 and Instance.objects.filter(state="Error").count() == 16
    for host in Host.objects.filter(pk__in=[h.pk for h in cloud["hosts"]]):
        live = running.filter(host=host)
        assert host.cpu_allocated_mhz == sum(i.cpu_number * i.cpu_speed for i in live)
        assert host.memory_allocated == sum(i.memory for i in live) * 1024**2
        assert host.cpu_allocated_mhz <= host.cpus * host.cpu_speed
