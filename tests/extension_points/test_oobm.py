"""``oobm.power``: host power actions through the driver hook, the in-tree simulator
driver, the DRF verb and CloudStack's out-of-band management commands."""

import pytest
from django.core.exceptions import ValidationError

from compute.models import OutOfBandManagement
from compute.services.oobm import configure_oobm, host_power_action, set_oobm_enabled
from marketplace import hooks
from portal.models import AsyncJob, Event
from tests.cloudstack.conftest import CloudStackClient, make_key
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(defaults):
    return HostFactory()


@pytest.fixture
def managed(host, root_admin):
    configure_oobm(
        host,
        acting_user=root_admin,
        driver="simulator",
        address="10.0.0.9",
        port=623,
        username="ipmi",
        password="bmc-secret",
    )
    set_oobm_enabled(host, True, acting_user=root_admin)
    return host


def test_simulator_driver_keeps_the_power_state(managed, root_admin):
    assert host_power_action(managed, "status", acting_user=root_admin).power_state == "On"
    assert host_power_action(managed, "off", acting_user=root_admin).power_state == "Off"
    assert OutOfBandManagement.objects.get(host=managed).power_state == "Off"
    assert host_power_action(managed, "status", acting_user=root_admin).power_state == "Off"
    assert host_power_action(managed, "cycle", acting_user=root_admin).power_state == "On"
    assert Event.objects.filter(event_type="HOST.OOBM.POWER").count() == 4


def test_power_actions_go_through_the_hook(managed, root_admin):
    calls = []

    def bmc(host, action):
        calls.append((host.pk, action))
        return "Off" if host.oobm.driver == "acme-bmc" else None

    OutOfBandManagement.objects.filter(host=managed).update(driver="acme-bmc")
    with hooks.register_temporarily("oobm.power", bmc, order=1):
        assert host_power_action(managed, "off", acting_user=root_admin).power_state == "Off"
    assert calls == [(managed.pk, "off")]
    with pytest.raises(ValidationError, match="acme-bmc"):  # nobody drives it any more
        host_power_action(managed, "off", acting_user=root_admin)


def test_refused_when_disabled_or_unknown_action(managed, root_admin):
    with pytest.raises(ValidationError) as info:
        host_power_action(managed, "explode", acting_user=root_admin)
    assert "action" in info.value.message_dict
    set_oobm_enabled(managed, False, acting_user=root_admin)
    with pytest.raises(ValidationError):
        host_power_action(managed, "on", acting_user=root_admin)


def test_password_is_encrypted_at_rest(managed):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM compute_outofbandmanagement")
        (stored,) = cursor.fetchone()
    assert "bmc-secret" not in stored
    assert OutOfBandManagement.objects.get(host=managed).password == "bmc-secret"


def test_drf_power_verb_runs_as_a_job(managed, api_client, root_admin, tenant, monkeypatch):
    from portal.models import AsyncJob
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)  # run it by hand below
    url = f"/api/compute/hosts/{managed.pk}/power/"
    response = api_client(root_admin).post(url, {"action": "off"}, format="json")
    assert response.status_code == 202, response.content
    # Nothing happened in the request: the driver runs in the worker.
    assert OutOfBandManagement.objects.get(host=managed).power_state != "Off"
    run_job(response.json()["job_id"])
    job = AsyncJob.objects.get(pk=response.json()["job_id"])
    assert job.status == "succeeded" and job.result["power_state"] == "Off"
    assert OutOfBandManagement.objects.get(host=managed).power_state == "Off"
    bad = api_client(root_admin).post(url, {"action": "explode"}, format="json")
    assert bad.status_code == 400 and "action" in bad.json()
    assert api_client(tenant).post(url, {"action": "on"}, format="json").status_code == 403


def test_cloudstack_commands(host, client, root_admin, tenant, monkeypatch):
    from portal.services import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)  # jobs are run by hand below
    cs = CloudStackClient(client, make_key(root_admin))
    answer = cs(
        "configureOutOfBandManagement",
        hostid=host.uuid,
        driver="simulator",
        address="10.0.0.9",
        port=623,
        username="ipmi",
        password="bmc-secret",
    )["outofbandmanagement"]
    assert answer["enabled"] is False and "password" not in answer
    assert cs("enableOutOfBandManagementForHost", hostid=host.uuid)["outofbandmanagement"][
        "enabled"
    ]
    answer = cs("issueOutOfBandManagementPowerAction", hostid=host.uuid, action="OFF")
    from portal.tasks import run_job

    run_job(AsyncJob.objects.get(uuid=answer["jobid"]).pk)  # async, as in CloudStack
    result = cs("queryAsyncJobResult", jobid=answer["jobid"])
    assert result["jobstatus"] == 1
    assert result["jobresult"]["outofbandmanagement"]["powerstate"] == "Off"
    user_cs = CloudStackClient(client, make_key(tenant))
    response = user_cs.raw("issueOutOfBandManagementPowerAction", hostid=host.uuid, action="ON")
    assert response.status_code in (431, 432)
    assert OutOfBandManagement.objects.get(host=host).power_state == "Off"
