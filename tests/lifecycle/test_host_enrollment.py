"""The host.connect job enrolls hosts added with username/password: real agents on loopback
(simulator fleet, KVM on libvirt's test driver, HTTPS); refusals leave no host and no
credential behind; re-adding rotates the secret; default names are unique hostnames."""

import json
import logging

import pytest
from django.urls import reverse

from agents.client import AgentClient
from agents.errors import AgentAuthError
from agents.protocol import commands as c
from compute.models import Host
from compute.services import create_host, delete_host
from portal.models import AsyncJob, Event
from portal.tasks import run_job
from tests.cloud_fixtures import ENROLL_PASSWORD, ENROLL_USER
from tests.compute.helpers import raw_column
from tests.factories import ClusterFactory, HostFactory
from tests.lab.certs import self_signed

pytestmark = pytest.mark.django_db


def add(admin, cluster, url, password=ENROLL_PASSWORD, **fields):
    host = create_host(
        acting_user=admin,
        cluster=cluster,
        url=url,
        username=ENROLL_USER,
        password=password,
        **fields,
    )
    run_job(host.connect_job.pk)
    host.connect_job.refresh_from_db()
    return host, host.connect_job


def leaked(*values: str, caplog=None) -> list[str]:
    """Where any of ``values`` shows up: events, job rows, captured logs."""
    found = []
    rows = [e.description for e in Event.objects.all()]
    for job in AsyncJob.objects.all():
        rows += [json.dumps(job.params), json.dumps(job.result), job.error_text]
        rows.append(job.progress_message)
    if caplog is not None:
        rows.append(caplog.text)
    for value in values:
        found += [row for row in rows if value and value in row]
    return found


def test_a_fleet_host_is_enrolled_and_the_password_wiped(
    root_admin, enrolling_agent, no_broker, caplog, api_client
):
    caplog.set_level(logging.DEBUG)
    agent = enrolling_agent()
    host, job = add(root_admin, ClusterFactory(), f"{agent.url}/hosts/node-a")
    assert job.status == "succeeded", job.error_text
    host.refresh_from_db()
    assert (host.status, host.name, host.cpus) == ("Up", "node-a", 16)
    assert host.password == "" and raw_column(Host, host.pk, "password") == ""
    secret = host.agent_secret
    assert len(secret) == 64 and secret not in raw_column(Host, host.pk, "agent_secret")
    assert agent.enrollment.store.secrets_for("node-a") == [secret.encode()]
    connected = Event.objects.get(event_type="HOST.CONNECT")
    assert connected.description.startswith("Enrolled as root; 16 CPUs")
    shown = api_client(root_admin).get(reverse("api:host-detail", kwargs={"pk": host.pk}))
    assert shown.status_code == 200
    assert not leaked(ENROLL_PASSWORD, secret, caplog=caplog)
    assert ENROLL_PASSWORD not in shown.content.decode() and secret not in shown.content.decode()


@pytest.mark.parametrize(
    ("password", "hypervisor", "reason"),
    [
        ("wrong-password", "Simulator", "refused the credentials of 'root': wrong username"),
        (ENROLL_PASSWORD, "KVM", "Agent reports hypervisor Simulator, host is KVM."),
    ],
)
def test_refused_enrollment_leaves_no_host_and_no_secret(
    root_admin, enrolling_agent, no_broker, caplog, password, hypervisor, reason
):
    caplog.set_level(logging.DEBUG)
    agent = enrolling_agent()
    cluster = ClusterFactory(hypervisor=hypervisor)
    host, job = add(root_admin, cluster, f"{agent.url}/hosts/bad", password=password)
    assert job.status == "failed" and job.error_code == 530
    assert reason in job.error_text and "was not added" in job.error_text, job.error_text
    assert not Host.objects.filter(pk=host.pk).exists()
    assert agent.enrollment.store.secrets_for("bad") == []
    assert not leaked(password, caplog=caplog)


def test_unreachable_agent_is_a_clear_error(root_admin, no_broker):
    host, job = add(root_admin, ClusterFactory(), "http://127.0.0.1:9/hosts/x")
    assert job.status == "failed" and "is unreachable" in job.error_text
    assert not Host.objects.filter(pk=host.pk).exists()


def test_no_credentials_and_no_secret_is_a_clear_error(root_admin, no_broker, enrolling_agent):
    agent = enrolling_agent()
    host = create_host(acting_user=root_admin, cluster=ClusterFactory(), url=f"{agent.url}/hosts/n")
    run_job(host.connect_job.pk)
    host.connect_job.refresh_from_db()
    assert "has no credentials" in host.connect_job.error_text


def test_readding_a_host_rotates_its_secret(root_admin, enrolling_agent, no_broker):
    agent = enrolling_agent()
    cluster = ClusterFactory()
    url = f"{agent.url}/hosts/node-r"
    first, _ = add(root_admin, cluster, url)
    first.refresh_from_db()
    old = first.agent_secret
    delete_host(first, acting_user=root_admin)
    second, job = add(root_admin, cluster, url)
    assert job.status == "succeeded", job.error_text
    second.refresh_from_db()
    assert second.agent_secret != old
    with pytest.raises(AgentAuthError):
        AgentClient(agent.url, old, host_id="node-r").send(c.PingCommand())
    assert AgentClient(agent.url, second.agent_secret, host_id="node-r").send(c.PingCommand())


def test_default_names_are_the_reported_hostnames_kept_unique(
    root_admin, enrolling_agent, no_broker
):
    pytest.importorskip("libvirt")
    cluster = ClusterFactory(hypervisor="KVM")
    kvm = {"uri": "test:///default", "manage_bridges": False}
    names = []
    for _ in range(2):  # two agents on 127.0.0.1: once both were named "127.0.0.1"
        agent = enrolling_agent("kvm", kvm)
        host, job = add(root_admin, cluster, agent.url)
        assert job.status == "succeeded", job.error_text
        host.refresh_from_db()
        names.append(host.name)
    assert names[0] != "127.0.0.1" and names[1] == f"{names[0]}-2"
    fleet = enrolling_agent()
    HostFactory(cluster=ClusterFactory(pod=cluster.pod, zone=cluster.zone), name="node-n")
    host, job = add(
        root_admin, ClusterFactory(pod=cluster.pod, zone=cluster.zone), f"{fleet.url}/hosts/node-n"
    )
    host.refresh_from_db()
    assert host.name == "node-n-2"


def test_a_given_name_is_kept(root_admin, enrolling_agent, no_broker):
    agent = enrolling_agent()
    host, job = add(root_admin, ClusterFactory(), f"{agent.url}/hosts/h9", name="rack1-h9")
    host.refresh_from_db()
    assert job.status == "succeeded" and host.name == "rack1-h9"


def test_enrollment_over_https(root_admin, enrolling_agent, no_broker, tmp_path, settings):
    cert, key, _ = self_signed(tmp_path)
    agent = enrolling_agent(tls_cert=cert, tls_key=key)
    settings.AGENT_TLS_VERIFY = cert
    host, job = add(root_admin, ClusterFactory(), f"{agent.url}/hosts/tls-1")
    assert agent.url.startswith("https://") and job.status == "succeeded", job.error_text
    settings.AGENT_TLS_VERIFY = True
    host, job = add(root_admin, ClusterFactory(), f"{agent.url}/hosts/tls-2")
    assert job.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in job.error_text


def test_drf_host_create_answers_the_job_that_enrolls_it(
    root_admin, enrolling_agent, no_broker, api_client
):
    agent = enrolling_agent()
    data = {
        "cluster": ClusterFactory().pk,
        "agent_url": f"{agent.url}/hosts/api-1",
        "username": ENROLL_USER,
        "password": ENROLL_PASSWORD,
    }
    response = api_client(root_admin).post(reverse("api:host-list"), data, format="json")
    assert response.status_code == 201, response.content
    assert ENROLL_PASSWORD not in response.content.decode()
    job = AsyncJob.objects.get(uuid=response.data["job"])
    run_job(job.pk)
    host = Host.objects.get(pk=response.data["id"])
    assert (host.status, host.name, host.password) == ("Up", "api-1", "")
