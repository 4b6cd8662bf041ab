"""Rule services and the network element on the simulator: validation, apply jobs,
rollback when an agent refuses, security groups."""

import pytest
from django.core.exceptions import ValidationError

from networking.models_rules import FirewallRule, PortForwardingRule, SecurityGroupRule, StaticNat
from networking.services import rules
from networking.services import security_groups as sg
from tests.rules.helpers import run, setup_network, sim_host

pytestmark = pytest.mark.django_db


def test_firewall_rule_is_applied_on_the_instances_host(net, tenant, simulator):
    ip = net["ips"][0]
    rule, job = rules.create_firewall_rule(
        acting_user=tenant, ip_address=ip, protocol="TCP", start_port=22, cidr_list="10.0.0.0/8"
    )
    assert rule.state == "Add"
    assert run(job).status == "succeeded", job.error_text
    rule.refresh_from_db()
    assert rule.state == "Active"
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    (entry,) = pushed.public_ips
    assert entry.address == ip.address
    assert [(r.protocol, r.start_port, r.end_port, r.cidrs) for r in entry.firewall] == [
        ("tcp", 22, 22, ["10.0.0.0/8"])
    ]
    assert pushed.guest_cidr == net["network"].cidr

    assert run(rules.delete_firewall_rule(rule, acting_user=tenant)).status == "succeeded"
    assert not FirewallRule.objects.filter(pk=rule.pk).exists()
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    assert pushed.public_ips == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"protocol": "gre"}, "protocol"),
        ({"protocol": "tcp", "start_port": 0}, "start_port"),
        ({"protocol": "tcp", "start_port": 70000}, "start_port"),
        ({"protocol": "tcp", "start_port": 30, "end_port": 20}, "end_port"),
        ({"protocol": "icmp", "start_port": 22}, "start_port"),
        ({"protocol": "icmp", "icmp_type": 300}, "icmp_type"),
        ({"protocol": "tcp", "start_port": 22, "cidr_list": "10.0.0.1/8"}, "cidr_list"),
        ({"protocol": "tcp", "start_port": 22, "cidr_list": "nonsense"}, "cidr_list"),
    ],
)
def test_firewall_validation(net, tenant, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        rules.create_firewall_rule(acting_user=tenant, ip_address=net["ips"][0], **kwargs)
    assert field in exc.value.message_dict
    assert not FirewallRule.objects.exists()


def test_port_forwarding_conflicts_and_static_nat_exclusion(net, tenant, simulator):
    ip, instance = net["ips"][1], net["instance"]
    rule, job = rules.create_port_forwarding_rule(
        acting_user=tenant,
        ip_address=ip,
        protocol="tcp",
        public_start_port=2200,
        public_end_port=2210,
        private_start_port=22,
        instance=instance,
    )
    assert (rule.private_start_port, rule.private_end_port) == (22, 32)
    assert rule.firewall_rules.count() == 1  # openfirewall
    assert run(job).status == "succeeded", job.error_text
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    (forward,) = pushed.public_ips[0].port_forwards
    assert (forward.public_start, forward.private_ip, forward.private_start) == (
        2200,
        net["nic"].ip_address,
        22,
    )
    assert pushed.public_ips[0].firewall[0].start_port == 2200

    with pytest.raises(ValidationError) as exc:
        rules.create_port_forwarding_rule(
            acting_user=tenant,
            ip_address=ip,
            protocol="tcp",
            public_start_port=2205,
            private_start_port=80,
            instance=instance,
        )
    assert "conflicts with rule" in exc.value.message_dict["public_start_port"][0]
    # UDP on the same ports is fine
    rules.create_port_forwarding_rule(
        acting_user=tenant,
        ip_address=ip,
        protocol="udp",
        public_start_port=2205,
        private_start_port=80,
        instance=instance,
    )
    with pytest.raises(ValidationError, match="port forwarding"):
        rules.enable_static_nat(ip, instance, acting_user=tenant)


def test_static_nat_enable_disable(net, tenant, simulator):
    ip = net["ips"][1]
    nat, job = rules.enable_static_nat(ip, net["instance"], acting_user=tenant)
    assert run(job).status == "succeeded", job.error_text
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    assert pushed.public_ips[0].static_nat_ip == net["nic"].ip_address
    with pytest.raises(ValidationError, match="already has static NAT"):
        rules.enable_static_nat(net["ips"][0], net["instance"], acting_user=tenant)
    assert run(rules.disable_static_nat(ip, acting_user=tenant)).status == "succeeded"
    assert not StaticNat.objects.exists()


def test_ip_of_another_account_is_refused(net, tenant, other_tenant, cloud):
    theirs = setup_network(cloud, other_tenant, ips=1)
    with pytest.raises(ValidationError) as exc:
        rules.create_port_forwarding_rule(
            acting_user=tenant,
            ip_address=theirs["ips"][0],
            protocol="tcp",
            public_start_port=80,
            private_start_port=80,
            instance=net["instance"],
        )
    assert "instance" in exc.value.message_dict


def test_agent_failure_marks_rules_error_and_keeps_revoked_ones(net, tenant, simulator):
    host = sim_host(simulator, net["host"])
    ip = net["ips"][0]
    kept, job = rules.create_firewall_rule(
        acting_user=tenant, ip_address=ip, protocol="udp", start_port=53
    )
    assert run(job).status == "succeeded"
    host.faults["apply_network_rules"] = "nft exploded"
    try:
        rule, job = rules.create_firewall_rule(
            acting_user=tenant, ip_address=ip, protocol="tcp", start_port=443
        )
        job = run(job)
        assert job.status == "failed"
        assert "nft exploded" in job.error_text
        rule.refresh_from_db()
        assert rule.state == "Error"
        job = run(rules.delete_firewall_rule(kept, acting_user=tenant))
        assert job.status == "failed"
        kept.refresh_from_db()
        assert kept.state == "Active"
    finally:
        host.faults.clear()


def test_egress_rules_stay_inside_the_network(net, tenant, simulator):
    network = net["network"]
    with pytest.raises(ValidationError) as exc:
        rules.create_egress_rule(
            acting_user=tenant,
            network=network,
            protocol="tcp",
            start_port=80,
            cidr_list="8.8.8.0/24",
        )
    assert "cidr_list" in exc.value.message_dict
    rule, job = rules.create_egress_rule(
        acting_user=tenant, network=network, protocol="tcp", start_port=80
    )
    assert rule.cidr_list == [network.cidr]
    assert run(job).status == "succeeded"
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{network.pk}"]
    assert [r.start_port for r in pushed.egress] == [80]


def test_security_groups_pushed_per_host(net, tenant, simulator):
    instance = net["instance"]
    web = sg.create_security_group(acting_user=tenant, account=tenant.account, name="web")
    with pytest.raises(ValidationError):
        sg.create_security_group(acting_user=tenant, account=tenant.account, name="web")
    run(sg.assign_security_groups(instance, [web], acting_user=tenant))
    (ingress,), job = sg.authorize_security_group_rules(
        web,
        acting_user=tenant,
        direction="ingress",
        protocol="tcp",
        start_port=80,
        cidr_list=["0.0.0.0/0"],
    )
    assert run(job).status == "succeeded", job.error_text
    ingress.refresh_from_db()
    assert ingress.state == "Active"
    stored = sim_host(simulator, net["host"]).security_groups
    (vm,) = stored.values()
    (nic,) = vm.nics
    assert nic.ip == net["nic"].ip_address
    assert [(r.protocol, r.start_port) for r in nic.ingress] == [("tcp", 80)]
    assert nic.egress == []

    assert run(sg.revoke_security_group_rule(ingress, acting_user=tenant)).status == "succeeded"
    assert not SecurityGroupRule.objects.filter(pk=ingress.pk).exists()
    (vm,) = sim_host(simulator, net["host"]).security_groups.values()
    assert vm.nics[0].ingress == []
    with pytest.raises(ValidationError, match="in use"):
        sg.delete_security_group(web, acting_user=tenant)
    with pytest.raises(ValidationError, match="default"):
        sg.delete_security_group(sg.default_security_group(tenant.account), acting_user=tenant)


def test_port_forwarding_rows_cascade_nothing_half_written(net, tenant):
    with pytest.raises(ValidationError):
        rules.create_port_forwarding_rule(
            acting_user=tenant,
            ip_address=net["ips"][0],
            protocol="icmp",
            public_start_port=1,
            private_start_port=1,
            instance=net["instance"],
        )
    assert not PortForwardingRule.objects.exists()
    assert not FirewallRule.objects.exists()
