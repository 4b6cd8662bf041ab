"""addHost on /client/api is synchronous like upstream: the host Up (enrolled with the
operator's username/password: simulator fleet, Hyper-V through the WinRM double), or 530 with
the reason and no host row."""

import pytest

from compute.models import Host
from tests.agents.test_agent_hyperv import ADMIN, PASSWORD, options, wsman  # noqa: F401
from tests.cloud_fixtures import ENROLL_PASSWORD, ENROLL_USER
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(cs_client, root_admin, monkeypatch):
    """Jobs run right after their transaction commits (as a worker would, but inline)."""
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: run_job(job.pk))
    return cs_client(root_admin)


def add_host(admin, cluster, url, **params):
    params = {"username": ENROLL_USER, "password": ENROLL_PASSWORD, **params}
    return admin.raw(
        "addHost",
        zoneid=cluster.zone.uuid,
        podid=cluster.pod.uuid,
        clusterid=cluster.uuid,
        url=url,
        hypervisor=cluster.hypervisor,
        **params,
    )


def test_add_host_answers_the_enrolled_host_up(admin, enrolling_agent):
    agent = enrolling_agent()
    response = add_host(admin, ClusterFactory(), f"{agent.url}/hosts/cs-node-1")
    body = response.json()
    assert response.status_code == 200, body
    host = body["addhostresponse"]["host"][0]
    assert (host["state"], host["name"], host["cpunumber"]) == ("Up", "cs-node-1", 16)
    stored = Host.objects.get(uuid=host["id"])
    assert stored.password == "" and len(stored.agent_secret) == 64
    listed = admin.raw("listHosts", id=host["id"]).content.decode()
    for answer in (response.content.decode(), listed):
        assert ENROLL_PASSWORD not in answer and stored.agent_secret not in answer


@pytest.mark.parametrize(
    ("hypervisor", "password", "reason"),
    [
        ("Simulator", "wrong-password", "refused the credentials of 'root'"),
        ("KVM", ENROLL_PASSWORD, "Agent reports hypervisor Simulator, host is KVM."),
    ],
)
def test_add_host_failure_is_530_and_leaves_nothing(
    admin, enrolling_agent, hypervisor, password, reason
):
    agent = enrolling_agent()
    cluster = ClusterFactory(hypervisor=hypervisor)
    response = add_host(admin, cluster, f"{agent.url}/hosts/cs-bad", password=password)
    error = response.json()["addhostresponse"]
    assert response.status_code == 530 and error["errorcode"] == 530
    assert reason in error["errortext"] and password not in error["errortext"]
    assert not Host.objects.exists()


def test_unreachable_url_is_530(admin):
    response = add_host(admin, ClusterFactory(), "http://127.0.0.1:9/hosts/x")
    assert (
        response.status_code == 530
        and "unreachable" in response.json()["addhostresponse"]["errortext"]
    )
    assert not Host.objects.exists()


def test_a_connect_job_that_never_runs_times_out_and_removes_the_host(
    admin, enrolling_agent, monkeypatch, settings
):
    from portal.services import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)  # no worker
    settings.ADD_HOST_WAIT_SECONDS = 0.5
    agent = enrolling_agent()
    response = add_host(admin, ClusterFactory(), f"{agent.url}/hosts/cs-slow")
    assert response.status_code == 530
    assert "did not connect within 0.5 s" in response.json()["addhostresponse"]["errortext"]
    assert not Host.objects.exists()


def test_hyperv_host_is_added_with_its_windows_account(admin, wsman, enrolling_agent):  # noqa: F811
    winrm, _fake = wsman
    agent = enrolling_agent("hyperv", options(winrm))
    cluster = ClusterFactory(hypervisor="Hyperv")
    response = add_host(admin, cluster, agent.url, username=ADMIN.lower(), password=PASSWORD)
    body = response.json()
    assert response.status_code == 200, body
    host = body["addhostresponse"]["host"][0]
    assert host["state"] == "Up" and host["hypervisor"] == "Hyperv"
    assert host["name"] != "127.0.0.1"
