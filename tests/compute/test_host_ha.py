"""Host HA: the state machine driven by a real dead agent (its HTTP server stopped), real
neighbour agents checking it, and fencing through a real IPMI BMC (ipmi_sim on loopback),
with the kvm.ha.* timers shortened at cluster scope through updateConfiguration's service."""

import time

import pytest

from compute.ha.machine import evaluate_hosts
from compute.models import Alert, HAState, HostHAConfig
from compute.services.oobm import configure_oobm, set_oobm_enabled
from portal.config.keys import CLUSTER
from portal.services.configuration import update_configuration
from tests.factories import ClusterFactory, HostFactory
from tests.lab.fixtures import SECRET

pytestmark = pytest.mark.django_db

FAST = {
    "kvm.ha.health.check.timeout": "2",
    "kvm.ha.activity.check.timeout": "2",
    "kvm.ha.activity.check.interval": "1",
    "kvm.ha.activity.check.max.attempts": "3",
    "kvm.ha.activity.check.failure.ratio": "0.6",
    "kvm.ha.degraded.max.period": "30",
    "kvm.ha.recover.wait.period": "1",
    "kvm.ha.recover.failure.threshold": "1",
    "kvm.ha.fence.timeout": "10",
    "kvm.ha.accepted.problematic.hosts.ratio": "0.5",
}


@pytest.fixture
def ha_cluster(defaults, agent_server, ipmi_bmc, root_admin):
    """Three hosts, each on its own simulator agent; host 0 has an IPMI BMC and HA on."""
    from compute.ha.services import configure_host_ha, set_host_ha

    cluster = ClusterFactory()
    for name, value in FAST.items():
        update_configuration(name, value, scope=CLUSTER, obj=cluster, acting_user=root_admin)
    servers = [agent_server() for _ in range(3)]
    hosts = [HostFactory(cluster=cluster, url=s.url, agent_secret=SECRET) for s in servers]
    configure_oobm(
        hosts[0],
        acting_user=root_admin,
        driver="ipmitool",
        address=ipmi_bmc.address,
        port=ipmi_bmc.port,
        username=ipmi_bmc.username,
        password=ipmi_bmc.password,
    )
    set_oobm_enabled(hosts[0], True, acting_user=root_admin)
    for host in hosts:
        configure_host_ha(host, "simulatorhaprovider", acting_user=root_admin)
    set_host_ha(hosts[0], True, acting_user=root_admin)
    return {"cluster": cluster, "hosts": hosts, "servers": servers, "bmc": ipmi_bmc}


def kill(server) -> None:
    """The host's agent dies: its server stops and, as when a process dies, its open
    connections go too (the management side's pooled keep-alive sessions are closed)."""
    from compute.agent import _SESSIONS

    server.stop()
    for session in _SESSIONS.values():
        session.close()


def _state(host) -> str:
    return HostHAConfig.objects.get(host=host).state


def run_until(host, wanted: set[str], timeout: float = 30, tick: float = 0.2) -> list[str]:
    """Evaluate every ``tick`` seconds (the beat job, shortened) until ``host`` reaches one
    of ``wanted``; the states it went through."""
    seen = [_state(host)]
    deadline = time.monotonic() + timeout
    while seen[-1] not in wanted and time.monotonic() < deadline:
        evaluate_hosts()
        if _state(host) != seen[-1]:
            seen.append(_state(host))
        time.sleep(tick)
    return seen


def test_dead_host_is_checked_by_neighbours_and_fenced(ha_cluster):
    host, bmc = ha_cluster["hosts"][0], ha_cluster["bmc"]
    assert run_until(host, {HAState.AVAILABLE}) == [HAState.AVAILABLE]
    for _ in range(3):  # alive: nothing happens
        evaluate_hosts()
    assert _state(host) == HAState.AVAILABLE and bmc.actions() == []

    kill(ha_cluster["servers"][0])  # the host dies
    died = time.monotonic()
    seen = run_until(host, {HAState.FENCED})
    elapsed = time.monotonic() - died
    print(f"\nhost failure -> Fenced: {elapsed:.1f} s (shortened timers), states {seen}")
    assert seen == [
        HAState.AVAILABLE,
        HAState.SUSPECT,
        HAState.CHECKING,
        HAState.RECOVERING,
        HAState.RECOVERED,
        HAState.FENCING,
        HAState.FENCED,
    ]
    assert bmc.power() == "Off"
    assert bmc.actions() == ["set reset 1", "set power 0"]  # recovery, then the fence
    cfg = HostHAConfig.objects.get(host=host)
    neighbour = [c for c in cfg.last_checks if c["check"] == "neighbour"]
    assert neighbour and neighbour[-1]["ok"] is False and "no answer" in neighbour[-1]["detail"]
    assert Alert.objects.filter(host=host, name__contains="fenced").exists()
    for other in ha_cluster["hosts"][1:]:  # HA off on the others: nothing done to them
        assert _state(other) == HAState.DISABLED


def test_failed_fence_raises_an_alert_and_stays_fencing(ha_cluster, root_admin, tenant, client):
    host, bmc = ha_cluster["hosts"][0], ha_cluster["bmc"]
    run_until(host, {HAState.AVAILABLE})
    bmc.refuse_power_control()  # a BMC that accepts the session but cannot power off
    kill(ha_cluster["servers"][0])
    seen = run_until(host, {HAState.FENCED}, timeout=12)
    assert HAState.FENCED not in seen and seen[-1] in (HAState.RECOVERING, HAState.FENCING)
    alert = Alert.objects.filter(host=host, name__contains="failed").first()
    assert alert is not None and "refused by the BMC" in alert.description
    assert bmc.power() == "On"
    # Wrong credentials: a failed check, never a fenced host.
    configure_oobm(host, acting_user=root_admin, password="Not-The-Bmc-Pw-7")
    bmc.refuse_power_control(False)
    HostHAConfig.objects.filter(host=host).update(state=HAState.FENCING, last_error="")
    evaluate_hosts()
    assert _state(host) == HAState.FENCING
    assert "No IPMI session" in Alert.objects.filter(host=host).order_by("-pk").first().description
    assert bmc.power() == "On"
    # Operators read them with listAlerts (root admins only).
    from tests.cloudstack.conftest import CloudStackClient, make_key

    listed = CloudStackClient(client, make_key(root_admin))("listAlerts", keyword="IPMI")
    assert listed["count"] == 1 and listed["alert"][0]["type"] == "30"
    assert "No IPMI session" in listed["alert"][0]["description"]
    assert "Not-The-Bmc-Pw-7" not in str(listed)  # never the password
    refused = CloudStackClient(client, make_key(tenant)).raw("listAlerts")
    assert refused.status_code in (431, 432)


def test_host_alive_for_its_neighbours_is_degraded_not_fenced(ha_cluster):
    host, bmc = ha_cluster["hosts"][0], ha_cluster["bmc"]
    run_until(host, {HAState.AVAILABLE})
    sim = ha_cluster["servers"][0].provider.get(None)
    sim.faults["ping"] = "libvirt is wedged"  # the agent answers HTTP, its pings fail
    seen = run_until(host, {HAState.DEGRADED}, timeout=15)
    assert seen[-1] == HAState.DEGRADED, seen
    neighbour = [
        c for c in HostHAConfig.objects.get(host=host).last_checks if c["check"] == "neighbour"
    ]
    assert neighbour[-1]["ok"] is True
    assert bmc.actions() == []
    sim.faults.clear()
    assert run_until(host, {HAState.AVAILABLE}, timeout=10)[-1] == HAState.AVAILABLE


def test_too_many_problematic_hosts_stop_ha(ha_cluster, root_admin):
    host, bmc = ha_cluster["hosts"][0], ha_cluster["bmc"]
    update_configuration(
        "kvm.ha.accepted.problematic.hosts.ratio",
        "0.3",
        scope=CLUSTER,
        obj=ha_cluster["cluster"],
        acting_user=root_admin,
    )
    run_until(host, {HAState.AVAILABLE})
    kill(ha_cluster["servers"][0])
    seen = run_until(host, {HAState.FENCED}, timeout=8)
    assert HAState.FENCED not in seen and seen[-1] == HAState.RECOVERING
    alert = Alert.objects.filter(host=host, name__startswith="HA stopped").first()
    assert alert is not None and "accepted.problematic.hosts.ratio" in alert.description
    assert bmc.actions() == [] and bmc.power() == "On"


def test_cloudstack_ha_commands(client, defaults, root_admin, tenant, ipmi_bmc, no_broker):
    from tests.cloudstack.conftest import CloudStackClient, make_key

    cluster = ClusterFactory()
    host = HostFactory(cluster=cluster)
    cs = CloudStackClient(client, make_key(root_admin))

    providers = cs("listHostHAProviders", hypervisor="Simulator")
    assert providers["haprovider"] == [{"haprovider": "simulatorhaprovider"}]
    assert cs("listHostHAProviders", hypervisor="KVM")["haprovider"][0]["haprovider"] == (
        "kvmhaprovider"
    )
    assert cs.raw("listHostHAProviders", hypervisor="Hyperv").status_code == 431

    bad = cs.raw("configureHAForHost", hostid=host.uuid, provider="kvmhaprovider")
    assert bad.status_code == 431 and "Invalid HA provider" in bad.content.decode()
    assert cs.raw("enableHAForHost", hostid=host.uuid).status_code == 431  # not configured

    job = cs("configureHAForHost", hostid=host.uuid, provider="simulatorhaprovider")
    result = cs("queryAsyncJobResult", jobid=job["jobid"])
    assert result["jobstatus"] == 1
    assert result["jobresult"]["hostha"] == {
        "hostid": str(host.uuid),
        "haenable": False,
        "hastate": "Disabled",
        "haprovider": "simulatorhaprovider",
        "status": True,
    }
    # No out-of-band management: HA cannot fence the host, so it cannot be enabled.
    refused = cs.raw("enableHAForHost", hostid=host.uuid)
    assert refused.status_code == 431 and "Out-of-band management" in refused.content.decode()
    configure_oobm(host, acting_user=root_admin, driver="ipmitool", address=ipmi_bmc.address)
    set_oobm_enabled(host, True, acting_user=root_admin)

    cs("disableHAForCluster", clusterid=cluster.uuid)
    refused = cs.raw("enableHAForHost", hostid=host.uuid)
    assert refused.status_code == 431 and "enableHAForCluster" in refused.content.decode()
    done = cs(
        "queryAsyncJobResult", jobid=cs("enableHAForCluster", clusterid=cluster.uuid)["jobid"]
    )
    assert done["jobresult"] == {"success": True}

    job = cs("enableHAForHost", hostid=host.uuid)
    assert cs("queryAsyncJobResult", jobid=job["jobid"])["jobresult"]["hostha"]["haenable"]
    listed = cs("listHostHAResources", hostid=host.uuid)["hostha"]
    assert listed[0]["haenable"] is True and listed[0]["hastate"] == "Available"

    cs("disableHAForZone", zoneid=host.zone.uuid)  # the state machine shows it Disabled
    evaluate_hosts()
    assert cs("listHostHAResources")["hostha"][0]["hastate"] == "Disabled"
    cs("enableHAForZone", zoneid=host.zone.uuid)
    cs("disableHAForHost", hostid=host.uuid)
    assert HostHAConfig.objects.get(host=host).enabled is False

    user_cs = CloudStackClient(client, make_key(tenant))
    assert user_cs.raw("enableHAForHost", hostid=host.uuid).status_code in (431, 432)
    assert user_cs.raw("disableHAForCluster", clusterid=cluster.uuid).status_code in (431, 432)


def test_kvm_ha_settings_are_cluster_scoped(defaults, root_admin):
    from compute.ha.config import ha_settings
    from portal.config.keys import get_key

    one, two = ClusterFactory(), ClusterFactory()
    assert get_key("kvm.ha.fence.timeout").scopes == (CLUSTER,)
    assert ha_settings(one).max_activity_checks == 10  # upstream's defaults
    assert ha_settings(one).failure_ratio == 0.7 and ha_settings(one).recover_wait == 600
    update_configuration(
        "kvm.ha.activity.check.max.attempts", "4", scope=CLUSTER, obj=one, acting_user=root_admin
    )
    assert ha_settings(one).max_activity_checks == 4
    assert ha_settings(two).max_activity_checks == 10


def test_host_api_shows_ha_state_and_last_checks(ha_cluster, api_client, root_admin):
    host = ha_cluster["hosts"][0]
    kill(ha_cluster["servers"][0])
    run_until(host, {HAState.CHECKING})
    body = api_client(root_admin).get(f"/api/compute/hosts/{host.pk}/").json()
    assert body["ha"]["enabled"] is True and body["ha"]["state"] == "Checking"
    assert body["ha"]["provider"] == "simulatorhaprovider"
    checks = {c["check"]: c["ok"] for c in body["ha"]["last_checks"]}
    assert checks["agent"] is False and checks["neighbour"] is False
    assert checks["storage"] is None  # no pool here has a heartbeat: no verdict
    other = HostFactory()
    assert api_client(root_admin).get(f"/api/compute/hosts/{other.pk}/").json()["ha"] is None


def test_host_page_shows_ha_state_checks_and_alerts(ha_cluster, client, root_admin):
    from django.urls import reverse

    host, bmc = ha_cluster["hosts"][0], ha_cluster["bmc"]
    bmc.refuse_power_control()
    kill(ha_cluster["servers"][0])
    run_until(host, {HAState.RECOVERED}, timeout=8)
    client.force_login(root_admin)
    page = client.get(reverse("compute:host_detail", args=[host.pk])).content.decode()
    assert 'id="host-ha"' in page and ">Recovering<" in page
    assert "ipmitool 127.0.0.1:" in page and "refused by the BMC" in page
    assert "<td>recover</td><td>failed</td>" in page
    assert f"Recovery of host {host.name} failed" in page
    assert bmc.password not in page
    bare = client.get(reverse("compute:host_detail", args=[ha_cluster["hosts"][1].pk]))
    assert "cannot fence this host" in bare.content.decode()
