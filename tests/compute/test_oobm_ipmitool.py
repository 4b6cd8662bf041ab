"""The ``ipmitool`` out-of-band management driver against a real BMC (ipmi_sim on loopback)."""

import os
import subprocess

import pytest
from django.core.exceptions import ValidationError

from compute.models import OutOfBandManagement
from compute.services import oobm_ipmitool
from compute.services.oobm import configure_oobm, host_power_action, set_oobm_enabled
from portal.models import AsyncJob, Event
from tests.cloudstack.conftest import CloudStackClient, make_key
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


def _managed(bmc, root_admin, **overrides):
    host = HostFactory()
    fields = {
        "driver": "ipmitool",
        "address": bmc.address,
        "port": bmc.port,
        "username": bmc.username,
        "password": bmc.password,
    }
    configure_oobm(host, acting_user=root_admin, **{**fields, **overrides})
    set_oobm_enabled(host, True, acting_user=root_admin)
    return host


def test_power_actions_reach_the_bmc(ipmi_bmc, root_admin):
    host = _managed(ipmi_bmc, root_admin)

    def act(action):
        return host_power_action(host, action, acting_user=root_admin).power_state

    assert act("status") == "On"
    assert act("off") == "Off" and ipmi_bmc.power() == "Off"
    assert act("status") == "Off"
    assert act("on") == "On" and ipmi_bmc.power() == "On"
    assert act("cycle") == "On" and ipmi_bmc.wait_power("On") == "On"
    assert act("reset") == "On"
    assert act("soft") == "Off" and ipmi_bmc.power() == "Off"
    assert act("status") == "Off"
    # What the BMC's chassis was asked to do, in order (a cycle is off then on).
    assert ipmi_bmc.actions() == [
        "set power 0",
        "set power 1",
        "set power 0",
        "set power 1",
        "set reset 1",
        "set shutdown 1",
    ]
    assert OutOfBandManagement.objects.get(host=host).power_state == "Off"
    assert Event.objects.filter(event_type="HOST.OOBM.POWER").count() == 8


def test_wrong_credentials_or_address_are_clear_errors(ipmi_bmc, root_admin):
    host = _managed(ipmi_bmc, root_admin, password="not-the-password")
    with pytest.raises(ValidationError) as info:
        host_power_action(host, "off", acting_user=root_admin)
    message = info.value.message_dict["driver"][0]
    assert "No IPMI session" in message and f"127.0.0.1:{ipmi_bmc.port}" in message
    assert "not-the-password" not in message
    assert ipmi_bmc.power() == "On" and ipmi_bmc.actions() == []
    assert OutOfBandManagement.objects.get(host=host).power_state == "Unknown"

    elsewhere = _managed(
        ipmi_bmc, root_admin, port=ipmi_bmc.port + 1 if ipmi_bmc.port < 65535 else 1
    )
    with pytest.raises(ValidationError, match="No IPMI session"):
        host_power_action(elsewhere, "status", acting_user=root_admin)
    nowhere = _managed(ipmi_bmc, root_admin, address="bmc.invalid")
    with pytest.raises(ValidationError, match="bmc.invalid"):
        host_power_action(nowhere, "status", acting_user=root_admin)


def test_bmc_refusing_power_control(ipmi_bmc, root_admin):
    host = _managed(ipmi_bmc, root_admin)
    ipmi_bmc.refuse_power_control()
    with pytest.raises(ValidationError, match="refused by the BMC"):
        host_power_action(host, "off", acting_user=root_admin)
    assert ipmi_bmc.power() == "On"


def test_timeout_is_a_clear_error(ipmi_bmc, root_admin, settings):
    host = _managed(ipmi_bmc, root_admin)
    ipmi_bmc.stop()  # nothing answers any more: ipmitool retries until the timeout
    settings.OOBM_ACTION_TIMEOUT = 0.5
    settings.OOBM_IPMITOOL_RETRIES = 5
    with pytest.raises(ValidationError, match="did not answer power off within 0.5 s"):
        host_power_action(host, "off", acting_user=root_admin)


def test_password_never_on_the_command_line(ipmi_bmc, root_admin, monkeypatch):
    host = _managed(ipmi_bmc, root_admin)
    seen = []
    real_run = subprocess.run

    def spy(argv, **kwargs):
        seen.append((argv, kwargs.get("env") or {}))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(oobm_ipmitool.subprocess, "run", spy)
    host_power_action(host, "status", acting_user=root_admin)
    ((argv, env),) = seen
    assert isinstance(argv, list) and ipmi_bmc.password not in argv and "-E" in argv
    assert env["IPMI_PASSWORD"] == ipmi_bmc.password
    assert "FIELD_ENCRYPTION_KEY" not in env and set(env) <= {"PATH", "IPMI_PASSWORD"}
    assert os.environ.get("IPMI_PASSWORD") is None


def test_cloudstack_power_action_through_ipmitool(ipmi_bmc, client, root_admin, monkeypatch):
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)
    host = HostFactory()
    cs = CloudStackClient(client, make_key(root_admin))

    def configure(password):
        cs(
            "configureOutOfBandManagement",
            hostid=host.uuid,
            driver="ipmitool",
            address=ipmi_bmc.address,
            port=ipmi_bmc.port,
            username=ipmi_bmc.username,
            password=password,
        )

    def power(action):
        answer = cs("issueOutOfBandManagementPowerAction", hostid=host.uuid, action=action)
        run_job(AsyncJob.objects.get(uuid=answer["jobid"]).pk)
        return cs("queryAsyncJobResult", jobid=answer["jobid"])

    configure(ipmi_bmc.password)
    cs("enableOutOfBandManagementForHost", hostid=host.uuid)
    result = power("OFF")
    assert result["jobstatus"] == 1, result
    assert result["jobresult"]["outofbandmanagement"]["powerstate"] == "Off"
    assert ipmi_bmc.power() == "Off"
    configure("wrong")  # the async job fails with the driver's reason
    result = power("ON")
    assert result["jobstatus"] == 2
    assert "No IPMI session" in result["jobresult"]["errortext"]
    assert ipmi_bmc.power() == "Off"
