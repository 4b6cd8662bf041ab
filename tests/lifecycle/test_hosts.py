"""Host connection through the agent, heartbeats, health rules and VM power-state sync."""

import pytest
from django.utils import timezone

from compute.host_handlers import mark_silent_hosts, ping_host
from compute.lifecycle import deploy_instance
from compute.models import Host, Instance, ServiceOffering
from compute.services import create_host
from compute.tasks import ping_hosts
from portal.tasks import run_job
from tests.cloud_fixtures import SECRET
from tests.factories import ClusterFactory, HostFactory


def add_host(admin, cluster, url, secret=SECRET, hypervisor="Simulator"):
    host = create_host(
        acting_user=admin,
        cluster=cluster,
        name="new-host",
        url=url,
        hypervisor=hypervisor,
        agent_secret=secret,
    )
    job = host.connect_job
    run_job(job.pk)
    job.refresh_from_db()
    return host, job


@pytest.mark.django_db
def test_adding_a_host_discovers_its_facts(root_admin, simulator, defaults, no_broker):
    cluster = ClusterFactory()
    host, job = add_host(root_admin, cluster, f"{simulator.url}/hosts/added-1")
    assert job.status == "succeeded", job.error_text
    host.refresh_from_db()
    assert host.status == "Up" and host.cpus == 4 and host.memory == 8 * 1024**3
    assert host.agent_version and host.last_ping is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "secret", "hypervisor", "reason"),
    [
        ("http://127.0.0.1:9/hosts/x", SECRET, "Simulator", "unreachable"),
        (None, "wrong-secret-0123456789", "Simulator", "refused our credentials"),
        (None, SECRET, "KVM", "reports hypervisor simulator"),
    ],
)
def test_a_host_that_cannot_connect_is_not_added(
    root_admin, simulator, defaults, no_broker, url, secret, hypervisor, reason
):
    cluster = ClusterFactory(hypervisor=hypervisor)
    host, job = add_host(
        root_admin,
        cluster,
        url or f"{simulator.url}/hosts/bad",
        secret=secret,
        hypervisor=hypervisor,
    )
    assert job.status == "failed" and reason in job.error_text, job.error_text
    assert "was not added" in job.error_text
    assert not Host.objects.filter(pk=host.pk).exists()


@pytest.mark.django_db
def test_silent_hosts_go_disconnected_then_down_and_come_back(cloud, settings):
    settings.AGENT_PING_INTERVAL, settings.AGENT_PING_TIMEOUT_FACTOR = 60, 2.5
    settings.AGENT_DOWN_AFTER_SECONDS = 600
    host = cloud["hosts"][0]
    Host.objects.filter(pk=host.pk).update(
        last_ping=timezone.now() - timezone.timedelta(seconds=140)
    )
    assert mark_silent_hosts() == 0
    Host.objects.filter(pk=host.pk).update(
        last_ping=timezone.now() - timezone.timedelta(seconds=160)
    )
    mark_silent_hosts()
    assert Host.objects.get(pk=host.pk).status == "Disconnected"
    Host.objects.filter(pk=host.pk).update(
        last_ping=timezone.now() - timezone.timedelta(minutes=11)
    )
    mark_silent_hosts()
    assert Host.objects.get(pk=host.pk).status == "Down"
    assert ping_host(Host.objects.get(pk=host.pk))  # the agent answers again
    assert Host.objects.get(pk=host.pk).status == "Up"


@pytest.mark.django_db
def test_ping_reconciles_vm_power_states(tenant, cloud, simulator, no_broker):
    offering = ServiceOffering.objects.get(name="Small Instance")
    instance, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        service_offering=offering,
        template=cloud["template"],
    )
    run_job(job.pk)
    instance.refresh_from_db()
    host = instance.host
    # The VM dies behind our back (e.g. powered off inside the guest).
    sim = simulator.provider.get(host.url.rsplit("/", 1)[1])
    sim.vms[f"i-{instance.account_id}-{instance.pk}-VM"].state = "stopped"
    result = ping_hosts()
    assert result["answered"] == 2
    instance.refresh_from_db()
    host.refresh_from_db()
    assert instance.state == "Stopped" and host.cpu_allocated_mhz == 0
    # ... and is started again out of band.
    sim.vms[f"i-{instance.account_id}-{instance.pk}-VM"].state = "running"
    ping_host(host)
    instance.refresh_from_db()
    host.refresh_from_db()
    assert instance.state == "Running" and instance.host == host
    assert host.cpu_allocated_mhz == 500
    assert Instance.objects.filter(state="Running").count() == 1


@pytest.mark.django_db
def test_a_heartbeat_sweep_costs_the_same_queries_for_2_or_12_hosts(cloud, simulator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_queries():
        with CaptureQueriesContext(connection) as queries:
            assert ping_hosts()["failed"] == 0
        return len(queries)

    sweep_queries()  # warm-up: the first sweep also loads the cached ping.* settings
    few = sweep_queries()
    cluster = cloud["cluster"]
    for i in range(10):
        HostFactory(cluster=cluster, url=f"{simulator.url}/hosts/extra-{i}", agent_secret=SECRET)
    assert sweep_queries() == few
