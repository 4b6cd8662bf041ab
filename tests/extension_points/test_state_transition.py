"""``vm.state_transition``: the hypervisor sample logs every state change of a real
lifecycle operation on the simulator, after commit, and only while enabled."""

import logging

import pytest

from compute.lifecycle.operations import stop_instance
from tests.volumes.helpers import deploy, run

pytestmark = pytest.mark.django_db
LOGGER = "sample_hypervisor.transitions"


def _transitions(caplog, instance):
    return [
        (r.old_state, r.new_state)
        for r in caplog.records
        if r.name == LOGGER and r.instance_id == instance.pk
    ]


def test_stop_is_announced(
    sample_plugin,
    cloud,
    tenant,
    simulator,
    caplog,
    django_capture_on_commit_callbacks,
):
    sample = sample_plugin("hypervisor_plugin")
    caplog.set_level(logging.INFO, logger=LOGGER)
    with django_capture_on_commit_callbacks(execute=True):
        instance = deploy(tenant, cloud)
    assert ("Starting", "Running") in _transitions(caplog, instance)

    caplog.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = run(stop_instance(instance, acting_user=tenant))
    assert job.status == "succeeded", job.error_text
    assert _transitions(caplog, instance) == [("Running", "Stopping"), ("Stopping", "Stopped")]

    sample.set_enabled(False)
    caplog.clear()
    from compute.lifecycle.operations import start_instance

    with django_capture_on_commit_callbacks(execute=True):
        job = run(start_instance(instance, acting_user=tenant))
    assert job.status == "succeeded", job.error_text
    assert _transitions(caplog, instance) == []
