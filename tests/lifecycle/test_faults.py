"""Agents that are down, slow or answer garbage: jobs fail fast and clearly, hosts go Alert,
nothing is left claimed."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compute.lifecycle import deploy_instance
from compute.models import Host, ServiceOffering
from portal.tasks import run_job


class Misbehaving(BaseHTTPRequestHandler):
    mode = "garbage"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(3)
        body = b"<html>definitely not JSON</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_agent():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def point_hosts_at(cloud, url):
    for i, host in enumerate(cloud["hosts"]):
        Host.objects.filter(pk=host.pk).update(url=f"{url}/hosts/h{i}")


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["garbage", "slow"])
def test_bad_agent_fails_the_job_quickly_and_releases_everything(
    tenant, cloud, no_broker, bad_agent, settings, mode
):
    settings.AGENT_COMMAND_TIMEOUT = 0.5
    Misbehaving.mode = mode
    point_hosts_at(cloud, f"http://127.0.0.1:{bad_agent.server_address[1]}")
    instance, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        template=cloud["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
    )
    started = time.monotonic()
    run_job(job.pk)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    instance.refresh_from_db()
    assert job.status == "failed" and elapsed < 3
    expected = "unreachable" if mode == "slow" else "rejected"
    assert expected in job.error_text, job.error_text
    assert instance.state == "Error"
    for host in Host.objects.filter(pk__in=[h.pk for h in cloud["hosts"]]):
        assert host.cpu_allocated_mhz == 0
    if mode == "slow":
        assert Host.objects.get(pk=cloud["hosts"][0].pk).status == "Alert"


@pytest.mark.django_db
def test_failure_at_the_last_step_rolls_back_volumes_on_the_agent(
    tenant, cloud, simulator, no_broker
):
    """start_vm fails after the root volume was created: the volume is deleted again."""
    from storage.models import StoragePool

    host = cloud["hosts"][0]
    sim = simulator.provider.get(host.url.rsplit("/", 1)[1])
    sim.faults["start_vm"] = "no vCPU left on the hypervisor"
    try:
        instance, job = deploy_instance(
            acting_user=tenant,
            zone=cloud["zone"],
            template=cloud["template"],
            service_offering=ServiceOffering.objects.get(name="Small Instance"),
        )
        run_job(job.pk)
    finally:
        sim.faults.clear()
    job.refresh_from_db()
    assert job.status == "failed" and "no vCPU left" in job.error_text
    root = instance.volumes.get()
    assert not [key for key in sim.volumes if key[1] == f"vol-{root.uuid}"]
    assert root.state == "Expunged"
    assert StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes == 0
    assert Host.objects.get(pk=host.pk).cpu_allocated_mhz == 0
