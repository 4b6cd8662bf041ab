"""The KVM network element: exact nftables text, and loading it inside a throwaway network
namespace (never the host's own ruleset)."""

import os
import shutil
import subprocess
import uuid

import pytest

from agents.errors import HypervisorError
from agents.protocol import commands as c
from agents.protocol.codec import from_dict, to_dict
from agents.resources.kvm.firewall import (
    KvmFirewall,
    apply_ruleset,
    network_ruleset,
    security_group_ruleset,
)

NETWORK = c.ApplyNetworkRulesCommand(
    network_id="net-7",
    vlan=100,
    guest_cidr="10.1.1.0/24",
    public_ips=[
        c.PublicIpRules(
            address="198.51.100.10",
            firewall=[
                c.RuleSpec("tcp", 2200, 2210, cidrs=["10.0.0.0/8", "192.0.2.0/24"]),
                c.RuleSpec("icmp", icmp_type=8),
            ],
            port_forwards=[c.PortForwardSpec("tcp", 2200, 2210, "10.1.1.2", 22, 32)],
        ),
        c.PublicIpRules(
            address="198.51.100.11", static_nat_ip="10.1.1.3", firewall=[c.RuleSpec("all")]
        ),
    ],
    egress_default_allow=False,
    egress=[c.RuleSpec("udp", 53, 53, cidrs=["10.1.1.0/24"])],
)

NETWORK_TEXT = """\
table ip cloud_net_net_7
delete table ip cloud_net_net_7
table ip cloud_net_net_7 {
\tchain pub_filter {
\t\ttype filter hook prerouting priority -150; policy accept;
\t\tct state established,related accept
\t\tip daddr 198.51.100.10 ip saddr { 10.0.0.0/8, 192.0.2.0/24 } tcp dport 2200-2210 accept
\t\tip daddr 198.51.100.10 ip saddr 0.0.0.0/0 icmp type 8 accept
\t\tip daddr 198.51.100.10 drop
\t\tip daddr 198.51.100.11 ip saddr 0.0.0.0/0 accept
\t\tip daddr 198.51.100.11 drop
\t}

\tchain pub_dnat {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tip daddr 198.51.100.10 tcp dport 2200-2210 dnat to 10.1.1.2:22-32
\t\tip daddr 198.51.100.11 dnat to 10.1.1.3
\t}

\tchain pub_snat {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tip saddr 10.1.1.3 snat to 198.51.100.11
\t}

\tchain guest_egress {
\t\ttype filter hook forward priority filter; policy accept;
\t\tip saddr 10.1.1.0/24 ct state established,related accept
\t\tip saddr 10.1.1.0/24 udp dport 53 accept
\t\tip saddr 10.1.1.0/24 drop
\t}
}
"""

GROUPS = c.ApplySecurityGroupsCommand(
    vms=[
        c.VmSecurityRules(
            "i-2-7",
            [
                c.NicSecurityRules(
                    mac="02:00:aa:bb:cc:dd",
                    ip="10.1.1.2",
                    ingress=[c.RuleSpec("tcp", 22, 22), c.RuleSpec("icmp", cidrs=["10.1.1.3/32"])],
                    egress=[c.RuleSpec("tcp", 443, 443, cidrs=["0.0.0.0/0"])],
                )
            ],
        )
    ]
)

GROUPS_TEXT = """\
table bridge cloud_sg
delete table bridge cloud_sg
table bridge cloud_sg {
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tether type arp accept
\t\tct state established,related accept
\t\tether daddr 02:00:aa:bb:cc:dd jump nic0_in
\t\tether saddr 02:00:aa:bb:cc:dd jump nic0_out
\t}

\tchain nic0_in {
\t\t# i-2-7 02:00:aa:bb:cc:dd ingress
\t\tudp sport 67 udp dport 68 accept
\t\tip saddr 0.0.0.0/0 tcp dport 22 accept
\t\tip saddr 10.1.1.3/32 meta l4proto icmp accept
\t\tdrop
\t}

\tchain nic0_out {
\t\t# i-2-7 02:00:aa:bb:cc:dd egress
\t\tudp sport 68 udp dport 67 accept
\t\tip saddr != 10.1.1.2 drop
\t\tip daddr 0.0.0.0/0 tcp dport 443 accept
\t\tdrop
\t}
}
"""


def test_network_ruleset_exact_text():
    assert network_ruleset(NETWORK) == NETWORK_TEXT


def test_security_group_ruleset_exact_text():
    assert security_group_ruleset(GROUPS) == GROUPS_TEXT


def test_commands_round_trip_and_reject_bad_values():
    assert from_dict(c.ApplyNetworkRulesCommand, to_dict(NETWORK)) == NETWORK
    assert from_dict(c.ApplySecurityGroupsCommand, to_dict(GROUPS)) == GROUPS
    for bad in (
        lambda: c.RuleSpec("tcp", 0, 22),
        lambda: c.RuleSpec("tcp", 22, 22, cidrs=["10.0.0.1/8"]),
        lambda: c.RuleSpec("icmp", 22, 22),
        lambda: c.PortForwardSpec("tcp", 80, 81, "10.0.0.5", 80, 80),
        lambda: c.PublicIpRules(address="1.2.3.4; flush ruleset"),
        lambda: c.NicSecurityRules(mac="02:00:aa:bb:cc:dd drop", ip="10.0.0.1"),
        lambda: c.ApplyNetworkRulesCommand(network_id="net 1; flush ruleset"),
    ):
        with pytest.raises(ValueError):
            bad()


class _Fake(KvmFirewall):
    def __init__(self, options):
        self.options = options


def test_disabled_firewall_management_touches_nothing(monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("nft must not run"))
    answer = _Fake({}).apply_network_rules(NETWORK)
    assert answer.result and not answer.applied and "manage_firewall" in answer.details


def test_nft_refusal_is_a_typed_error():
    with pytest.raises(HypervisorError, match="nft"):
        apply_ruleset("table ip x {", nft="/bin/false")


def _can_use_netns() -> str:
    if shutil.which("nft") is None:
        return "nft is not installed (apt-get install nftables; see scripts/apt-test.txt)"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "needs root and iproute2 to create a network namespace"
    return ""


@pytest.fixture
def netns():
    reason = _can_use_netns()
    if reason:
        pytest.skip(reason)
    name = f"cstest{uuid.uuid4().hex[:8]}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode != 0:
        pytest.skip("cannot create a network namespace here")
    yield name
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def _ruleset(netns: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", netns, "nft", "list", "ruleset"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_apply_network_rules_in_a_namespace_is_idempotent(netns):
    firewall = _Fake({"manage_firewall": True, "firewall_netns": netns})
    first = firewall.apply_network_rules(NETWORK)
    assert first.applied and first.rule_count == 12
    loaded = _ruleset(netns)
    assert "dnat to 10.1.1.2:22-32" in loaded
    assert firewall.apply_network_rules(NETWORK).applied
    assert _ruleset(netns) == loaded  # applying twice changes nothing
    emptied = c.ApplyNetworkRulesCommand(network_id="net-7")
    firewall.apply_network_rules(emptied)
    assert "198.51.100.10" not in _ruleset(netns)


def test_apply_security_groups_in_a_namespace(netns):
    probe = "table bridge probe {\n\tchain c {\n\t\tct state established accept\n\t}\n}\n"
    try:
        apply_ruleset(probe, netns=netns)
    except HypervisorError:
        pytest.skip("this kernel has no bridge connection tracking (nf_conntrack_bridge)")
    firewall = _Fake({"manage_firewall": True, "firewall_netns": netns})
    assert firewall.apply_security_groups(GROUPS).applied
    assert "jump nic0_in" in _ruleset(netns)
