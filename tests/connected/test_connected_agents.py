"""Connected agents end to end: real agent processes dial a real gateway on loopback."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.protocol import commands as c
from compute import agent
from compute.choices import HostStatus
from compute.models import Host, HostEnrollmentToken
from compute.services.enrollment import create_enrollment_token
from portal.services.jobs import JobError
from tests.connected.conftest import start_gateway, wait_for
from tests.factories import ClusterFactory, StoragePoolFactory, ZoneFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cluster(defaults):
    zone = ZoneFactory()
    cluster = ClusterFactory(pod__zone=zone, zone=zone, hypervisor="Simulator")
    StoragePoolFactory(cluster=None, pod=None, zone=zone, scope="ZONE", name="zone-pool")
    return cluster


def connected_host(name: str):
    return Host.objects.filter(name=name, url__startswith="connected://").first()


def wait_up(name: str, proc, timeout: float = 60.0) -> Host:
    return wait_for(
        lambda: Host.objects.filter(name=name, status=HostStatus.UP).first(),
        timeout, f"host {name} Up", proc,
    )  # fmt: skip


def test_token_registration_then_commands_through_the_connection(cluster, gateway, agents):
    token_row, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="edge-kvm-1")
    host = wait_up("edge-kvm-1", proc)

    assert host.url == f"connected://{host.uuid}"
    assert (host.zone_id, host.pod_id, host.cluster_id) == (
        cluster.zone_id, cluster.pod_id, cluster.pk,
    )  # fmt: skip
    assert host.hypervisor == "Simulator" and host.cpus > 0 and host.memory > 0
    token_row.refresh_from_db()
    assert token_row.uses == 1 and token_row.used_at is not None
    assert token not in json.dumps(list(HostEnrollmentToken.objects.values()), default=str)

    facts = agent.send(host, c.StartupCommand(host_id=str(host.uuid)))
    assert facts.hostname == "edge-kvm-1"
    assert agent.send(host, c.HostStatsCommand()).total_memory_bytes == host.memory
    assert agent.send(host, c.PingCommand(host_id=str(host.uuid))).vm_states == {}
    # the gateway connected the zone's pool on registration, as the direct connect job does
    from storage.models import StoragePool

    zone_pool = StoragePool.objects.get(name="zone-pool")
    pool = wait_for(
        lambda: _pool_known_in(host, zone_pool), what="pool connected on the agent", proc=proc
    )
    assert pool.capacity_bytes > 0
    # the saved identity is the issued secret, readable by the owner only
    state_file = proc.log.parent / "state.json"
    assert oct(state_file.stat().st_mode & 0o777) == "0o600"
    saved = json.loads(state_file.read_text())["hosts"]["edge-kvm-1"]
    assert saved["host_uuid"] == str(host.uuid) and saved["secret"] == host.agent_secret


def test_token_used_twice_is_refused(cluster, gateway, agents):
    _, token = create_enrollment_token(acting_user=None, cluster=cluster)
    first = agents(gateway["gw"].url, token=token, host_id="first")
    wait_up("first", first)
    second = agents(gateway["gw"].url, token=token, host_id="second", state="second.json")
    assert second.wait(60) == 3
    assert "token_used" in second.log.read_text()
    assert list(Host.objects.values_list("name", flat=True)) == ["first"]


def test_expired_token_is_refused(cluster, gateway, agents):
    row, token = create_enrollment_token(acting_user=None, cluster=cluster)
    HostEnrollmentToken.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    proc = agents(gateway["gw"].url, token=token, host_id="late")
    assert proc.wait(60) == 3
    assert "token_expired" in proc.log.read_text()
    assert not Host.objects.exists()
    row.refresh_from_db()
    assert row.uses == 0


def test_unknown_token_and_wrong_hypervisor_are_refused(cluster, gateway, agents):
    proc = agents(gateway["gw"].url, token="cpt_not-a-token", host_id="nobody")
    assert proc.wait(60) == 3
    assert "token_unknown" in proc.log.read_text()
    kvm = ClusterFactory(pod=cluster.pod, zone=cluster.zone, hypervisor="KVM")
    row, token = create_enrollment_token(acting_user=None, cluster=kvm)
    proc = agents(gateway["gw"].url, token=token, host_id="sim-in-kvm", state="kvm.json")
    assert proc.wait(60) == 3
    assert "hypervisor_mismatch" in proc.log.read_text()
    row.refresh_from_db()
    assert row.uses == 0 and not Host.objects.exists()


def test_agent_cannot_claim_another_hosts_identity(cluster, gateway, agents, tmp_path):
    _, token = create_enrollment_token(acting_user=None, cluster=cluster, max_uses=2)
    a = agents(gateway["gw"].url, token=token, host_id="host-a", state="a.json")
    b = agents(gateway["gw"].url, token=token, host_id="host-b", state="b.json")
    host_a, host_b = wait_up("host-a", a), wait_up("host-b", b)
    b.terminate()
    b.wait(30)
    # b's state file now names a's host, with b's own (valid, but not a's) secret
    stolen = json.loads((tmp_path / "b.json").read_text())
    stolen["hosts"]["host-b"]["host_uuid"] = str(host_a.uuid)
    (tmp_path / "b.json").write_text(json.dumps(stolen))
    impostor = agents(gateway["gw"].url, host_id="host-b", state="b.json")
    assert impostor.wait(60) == 3
    assert "bad_proof" in impostor.log.read_text()
    # a keeps its connection: commands still reach a's agent
    assert agent.send(host_a, c.StartupCommand(host_id="")).hostname == "host-a"
    assert host_b.agent_secret != host_a.agent_secret


def test_gateway_restart_agent_reconnects_by_itself(cluster, gateway, agents):
    row, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="steady")
    host = wait_up("steady", proc)
    old = gateway["gw"]
    old.thread.stop()
    Host.objects.filter(pk=host.pk).update(status=HostStatus.DISCONNECTED)
    with pytest.raises(JobError) as err:
        agent.send(host, c.PingCommand(host_id=""))
    assert err.value.code == 530 and "unreachable" in str(err.value)

    gateway["gw"] = start_gateway(old.port, old.relay_port)
    wait_up("steady", proc, timeout=60)
    assert agent.send(host, c.StartupCommand(host_id="")).hostname == "steady"
    row.refresh_from_db()
    assert row.uses == 1  # it came back with its issued secret, not the token
    assert Host.objects.count() == 1 and proc.poll() is None


def test_commands_to_a_gone_agent_fail_with_530(cluster, gateway, agents):
    _, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="leaving")
    host = wait_up("leaving", proc)
    proc.kill()
    proc.wait(30)
    wait_for(
        lambda: Host.objects.filter(pk=host.pk, status=HostStatus.DISCONNECTED).exists(),
        what="host Disconnected after the connection dropped",
    )
    with pytest.raises(JobError) as err:
        agent.send(host, c.HostStatsCommand())
    assert err.value.code == 530
    assert "not connected" in str(err.value)


def test_heartbeats_keep_last_ping_fresh(cluster, gateway, agents):
    _, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="beating")
    host = wait_up("beating", proc)
    first = host.last_ping
    wait_for(
        lambda: Host.objects.get(pk=host.pk).last_ping > first,
        timeout=30, what="a heartbeat recorded by the gateway", proc=proc,
    )  # fmt: skip


def test_deploy_and_stop_on_a_connected_host(tenant, cloud, gateway, agents, no_broker):
    from compute.lifecycle import deploy_instance, specs, stop_instance
    from compute.models import ServiceOffering
    from portal.tasks import run_job

    Host.objects.filter(pk__in=[h.pk for h in cloud["hosts"]]).update(resource_state="Disabled")
    _, token = create_enrollment_token(acting_user=None, cluster=cloud["cluster"])
    proc = agents(gateway["gw"].url, token=token, host_id="behind-nat")
    host = wait_up("behind-nat", proc)
    wait_for(lambda: _pool_known_in(host, cloud["pool"]), what="zone pool on the agent", proc=proc)

    instance, job = deploy_instance(
        acting_user=tenant, zone=cloud["zone"], template=cloud["template"], name="via-gw",
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
    )  # fmt: skip
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_text
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host == host
    name = specs.vm_name(instance)
    assert agent.send(host, c.PingCommand(host_id="")).vm_states == {name: "running"}

    stop = stop_instance(instance, acting_user=tenant)
    run_job(stop.pk)
    instance.refresh_from_db()
    assert instance.state == "Stopped"
    assert agent.send(host, c.PingCommand(host_id="")).vm_states.get(name) in (None, "stopped")


def _pool_known_in(host, pool):
    from compute.lifecycle import specs

    try:
        return agent.send(host, c.StorageStatsCommand(pool=specs.pool_name(pool))).pool
    except JobError:
        return None


def test_the_direct_ping_sweep_leaves_connected_hosts_to_the_gateway(cluster, gateway, agents):
    from compute.tasks import ping_hosts

    _, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="swept")
    host = wait_up("swept", proc)
    assert ping_hosts() == {"answered": 0, "failed": 0, "disconnected": 0}
    host.refresh_from_db()
    assert host.status == HostStatus.UP


def test_same_hostname_twice_gets_a_unique_name(cluster, gateway, agents):
    _, token = create_enrollment_token(acting_user=None, cluster=cluster, max_uses=2)
    first = agents(gateway["gw"].url, token=token, host_id="twin", state="1.json")
    wait_up("twin", first)
    second = agents(gateway["gw"].url, token=token, host_id="twin", state="2.json")
    wait_up("twin-2", second)
    assert Host.objects.filter(name__startswith="twin").count() == 2


def test_tls_gateway_and_a_fleet_of_simulated_hosts(cluster, agents, settings, tmp_path):
    import ssl
    import time

    from tests.lab.certs import self_signed
    from tests.services._proc import free_port

    crt, key, _ = self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    running = start_gateway(free_port(), free_port(), ssl_context=ctx)
    settings.AGENT_GATEWAY_RELAY_URL = f"ws://127.0.0.1:{running.relay_port}"
    url = f"https://127.0.0.1:{running.port}"
    try:
        _, token = create_enrollment_token(acting_user=None, cluster=cluster, max_uses=3)
        untrusting = agents(url, token=token, host_id="no-ca", state="no-ca.json")
        fleet = agents(url, token=token, host_id="rack", fleet=3, extra=("--ca", crt))
        hosts = wait_for(
            lambda: list(Host.objects.filter(status=HostStatus.UP).order_by("name")) if
            Host.objects.filter(status=HostStatus.UP).count() == 3 else None,
            what="3 fleet hosts Up over TLS", proc=fleet,
        )  # fmt: skip
        assert [h.name for h in hosts] == ["rack-0", "rack-1", "rack-2"]
        for host in hosts:
            assert agent.send(host, c.StartupCommand(host_id="")).hostname == host.name
        state = tmp_path / "state.json"  # a fleet's identities are written once a second
        wait_for(lambda: state.exists(), what="the fleet's state file", proc=fleet)
        assert sorted(json.loads(state.read_text())["hosts"]) == ["rack-0", "rack-1", "rack-2"]
        # an agent that does not trust the gateway's certificate never registers (it retries)
        time.sleep(1)
        assert untrusting.poll() is None and not Host.objects.filter(name="no-ca").exists()
        assert "CERTIFICATE_VERIFY_FAILED" in untrusting.log.read_text()
    finally:
        running.thread.stop()


def test_a_command_without_an_answer_in_time_is_a_530(cluster, gateway, agents, settings, tmp_path):
    config = tmp_path / "slow.json"
    config.write_text(json.dumps({"resource": {"latency_ms": {"host_stats": 3000}}}))
    _, token = create_enrollment_token(acting_user=None, cluster=cluster)
    proc = agents(gateway["gw"].url, token=token, host_id="slow", extra=("--config", str(config)))
    host = wait_up("slow", proc)
    settings.AGENT_COMMAND_TIMEOUT = 1
    with pytest.raises(JobError) as err:
        agent.send(host, c.HostStatsCommand())
    assert err.value.code == 530 and "no answer within 1 s" in str(err.value)
    assert agent.send(host, c.PingCommand(host_id="")).result  # the connection is still fine
