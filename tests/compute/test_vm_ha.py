"""VM HA: HA instances of a host whose agent died are restarted on another host once the
host is fenced through its (real, ipmi_sim) BMC; the old host's copies are stopped when its
agent comes back; instances without HA stay stopped."""

import time

import pytest

from compute.ha.machine import evaluate_hosts
from compute.ha.services import configure_host_ha, set_host_ha
from compute.ha.vms import process_work
from compute.host_handlers import ping_host
from compute.lifecycle import deploy_instance
from compute.lifecycle.specs import vm_name
from compute.models import HAState, HAWorkItem, HostHAConfig, Instance, ServiceOffering
from compute.services.oobm import configure_oobm, set_oobm_enabled
from portal.config.keys import CLUSTER
from portal.services.configuration import update_configuration
from portal.tasks import run_job
from tests.cloud_fixtures import SECRET
from tests.compute.test_host_ha import FAST

pytestmark = pytest.mark.django_db


def _agent(fleet):
    from agents.config import AgentConfig
    from agents.server import AgentHTTPServer

    return AgentHTTPServer(("127.0.0.1", 0), fleet, AgentConfig(secret=SECRET), "simulator").start()


def _kill(server) -> None:
    """The agent process dies (its fleet, the hosts' shared storage, lives on)."""
    from compute.agent import _SESSIONS

    server.shutdown()
    server.server_close()
    for session in _SESSIONS.values():
        session.close()


def _run_jobs(sent) -> None:
    """Run the pending jobs (on_commit never fires inside the test's transaction)."""
    from portal.models import AsyncJob

    for pk in AsyncJob.objects.filter(status="pending").values_list("pk", flat=True):
        run_job(pk)


def test_ha_instances_restart_elsewhere_and_never_run_twice(
    cloud, simulator, ipmi_bmc, root_admin, tenant, no_broker
):
    cluster, (host0, host1) = cloud["cluster"], cloud["hosts"]
    for name, value in FAST.items():
        update_configuration(name, value, scope=CLUSTER, obj=cluster, acting_user=root_admin)
    own = _agent(simulator.provider)  # host0 on an agent of its own, same simulated hosts
    host0.url = f"{own.url}/hosts/{cluster.pk}-0"
    host0.save(update_fields=["url"])
    configure_oobm(
        host0,
        acting_user=root_admin,
        driver="ipmitool",
        address=ipmi_bmc.address,
        port=ipmi_bmc.port,
        username=ipmi_bmc.username,
        password=ipmi_bmc.password,
    )
    set_oobm_enabled(host0, True, acting_user=root_admin)
    configure_host_ha(host0, "simulatorhaprovider", acting_user=root_admin)
    set_host_ha(host0, True, acting_user=root_admin)

    small = ServiceOffering.objects.get(name="Small Instance")
    ha = ServiceOffering.objects.create(
        name="HA small", cpu_number=1, cpu_speed=500, memory=512, offer_ha=True
    )
    made = {}
    for name, offering in (("ha1", ha), ("ha2", ha), ("plain", small)):
        instance, _ = deploy_instance(
            acting_user=tenant,
            zone=cloud["zone"],
            service_offering=offering,
            template=cloud["template"],
            name=name,
            host=host0,
        )
        made[name] = instance
    _run_jobs(no_broker)
    assert set(Instance.objects.values_list("host__name", flat=True)) == {host0.name}

    evaluate_hosts()
    assert HostHAConfig.objects.get(host=host0).state == HAState.AVAILABLE
    _kill(own)  # host0's agent dies; its VMs keep running in the simulator
    died = time.monotonic()
    fenced_at = None
    deadline = died + 40
    while time.monotonic() < deadline:
        evaluate_hosts()
        if fenced_at is None and HostHAConfig.objects.get(host=host0).state == HAState.FENCED:
            fenced_at = time.monotonic() - died
        process_work()
        _run_jobs(no_broker)
        running = Instance.objects.filter(name__in=["ha1", "ha2"], state="Running", host=host1)
        if running.count() == 2:
            break
        time.sleep(0.2)
    restarted_at = time.monotonic() - died
    process_work()  # the next tick sees the start jobs succeeded
    print(f"\nhost failure -> Fenced {fenced_at:.1f} s, -> HA VMs Running {restarted_at:.1f} s")
    assert fenced_at is not None and ipmi_bmc.power() == "Off"
    for name in ("ha1", "ha2"):
        made[name].refresh_from_db()
        assert made[name].state == "Running" and made[name].host == host1
    made["plain"].refresh_from_db()
    assert made["plain"].state == "Stopped" and made["plain"].host is None
    assert not HAWorkItem.objects.filter(instance=made["plain"]).exists()
    assert set(HAWorkItem.objects.values_list("state", flat=True)) == {"Done"}
    host0.refresh_from_db()
    assert host0.status == "Down" and host0.cpu_allocated_mhz == 0

    # host0's agent comes back, still running its old copies: they are stopped, not the new.
    fleet = simulator.provider.hosts()
    old, new = fleet[f"{cluster.pk}-0"], fleet[f"{cluster.pk}-1"]
    assert old.vms[vm_name(made["ha1"])].state == "running"  # the duplicate exists
    back = _agent(simulator.provider)
    try:
        host0.url = f"{back.url}/hosts/{cluster.pk}-0"
        host0.save(update_fields=["url"])
        assert ping_host(host0)
        for name in ("ha1", "ha2"):
            assert old.vms[vm_name(made[name])].state != "running"
            assert new.vms[vm_name(made[name])].state == "running"
            made[name].refresh_from_db()
            assert made[name].state == "Running" and made[name].host == host1
        running_copies = sum(
            1
            for h in (old, new)
            for n, vm in h.vms.items()
            if vm.state == "running" and n in {vm_name(made["ha1"]), vm_name(made["ha2"])}
        )
        assert running_copies == 2  # one per instance
    finally:
        back.shutdown()
        back.server_close()
