"""Rules follow instances: after a start, a migration, a stop or an expunge the network
element's jobs put the rules on the hosts that run the instance (and clear the old host)."""

import pytest

from compute import lifecycle
from compute.models import Host
from networking.models_rules import PortForwardingRule
from networking.services import rules
from networking.services import security_groups as sg
from portal.models import AsyncJob
from tests.rules.helpers import run, sim_host
from tests.volumes.helpers import deploy

pytestmark = pytest.mark.django_db

APPLY_COMMANDS = ("network.rules.apply", "securitygroup.apply")


def _pending_rule_jobs():
    return list(AsyncJob.objects.filter(command__in=APPLY_COMMANDS, status="pending"))


def _run_pending():
    jobs = [run(job) for job in _pending_rule_jobs()]
    assert all(j.status == "succeeded" for j in jobs), [j.error_text for j in jobs]
    return jobs


def _port_forward(net, tenant, port=2222):
    rule, job = rules.create_port_forwarding_rule(
        acting_user=tenant,
        ip_address=net["ips"][1],
        protocol="tcp",
        public_start_port=port,
        private_start_port=22,
        instance=net["instance"],
    )
    assert run(job).status == "succeeded", job.error_text
    return rule


def test_plain_deploy_queues_no_rule_job(cloud, tenant, no_broker):
    deploy(tenant, cloud)
    assert _pending_rule_jobs() == []


def test_port_forward_follows_a_migration(net, tenant, root_admin, simulator):
    _port_forward(net, tenant)
    source = net["host"]
    target = Host.objects.exclude(pk=source.pk).get(cluster=source.cluster)
    network_id = f"net-{net['network'].pk}"
    assert network_id not in sim_host(simulator, target).network_rules

    job = lifecycle.migrate_instance(net["instance"], acting_user=root_admin, host=target)
    assert run(job).status == "succeeded", job.error_text
    (refresh,) = _run_pending()
    assert refresh.command == "network.rules.apply"
    assert refresh.resource_id == str(net["instance"].uuid)

    pushed = sim_host(simulator, target).network_rules[network_id]
    (forward,) = pushed.public_ips[0].port_forwards
    assert (forward.public_start, forward.private_ip) == (2222, net["nic"].ip_address)
    # the source host no longer runs the network's instances: its rule set is emptied
    assert sim_host(simulator, source).network_rules[network_id].public_ips == []
    assert refresh.result["cleared"] == [source.name]


def test_start_after_stop_puts_the_rules_back(net, tenant, simulator):
    _port_forward(net, tenant)
    host = net["host"]
    network_id = f"net-{net['network'].pk}"
    assert run(lifecycle.stop_instance(net["instance"], acting_user=tenant)).status == "succeeded"
    _run_pending()
    assert sim_host(simulator, host).network_rules[network_id].public_ips == []

    simulator.provider._hosts.clear()  # the host rebooted: it forgot every rule
    job = lifecycle.start_instance(net["instance"], acting_user=tenant)
    assert run(job).status == "succeeded", job.error_text
    _run_pending()
    net["instance"].refresh_from_db()
    pushed = sim_host(simulator, net["instance"].host).network_rules[network_id]
    assert pushed.public_ips[0].port_forwards[0].public_start == 2222


def test_security_groups_follow_the_instance(net, tenant, root_admin, simulator):
    instance, source = net["instance"], net["host"]
    web = sg.create_security_group(acting_user=tenant, account=tenant.account, name="web")
    run(sg.assign_security_groups(instance, [web], acting_user=tenant))
    _, job = sg.authorize_security_group_rules(
        web, acting_user=tenant, direction="ingress", protocol="tcp", start_port=80
    )
    assert run(job).status == "succeeded"
    vm_name = next(iter(sim_host(simulator, source).security_groups))
    target = Host.objects.exclude(pk=source.pk).get(cluster=source.cluster)

    job = lifecycle.migrate_instance(instance, acting_user=root_admin, host=target)
    assert run(job).status == "succeeded", job.error_text
    (refresh,) = _run_pending()
    assert refresh.command == "securitygroup.apply"
    assert sorted(refresh.result["hosts"]) == sorted([source.name, target.name])
    stored = sim_host(simulator, target).security_groups[vm_name]
    assert [r.start_port for r in stored.nics[0].ingress] == [80]
    assert vm_name not in sim_host(simulator, source).security_groups


def test_expunge_drops_the_instances_forwards_from_the_network(net, tenant, cloud, simulator):
    other = deploy(tenant, cloud)  # keeps the network running
    _port_forward(net, tenant)
    network_id = f"net-{net['network'].pk}"
    job = lifecycle.destroy_instance(net["instance"], acting_user=tenant, expunge=True)
    assert run(job).status == "succeeded", job.error_text
    _run_pending()
    assert not PortForwardingRule.objects.exists()
    other.refresh_from_db()
    pushed = sim_host(simulator, other.host).network_rules[network_id]
    assert all(ip.port_forwards == [] for ip in pushed.public_ips)
