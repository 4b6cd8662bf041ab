"""The /client/api rule commands: envelopes, async results, tenant isolation."""

import pytest

from portal.models import AsyncJob
from tests.rules.helpers import run, sim_host

pytestmark = pytest.mark.django_db


def _run_job(body):
    return run(AsyncJob.objects.get(uuid=body["jobid"]))


def test_port_forwarding_and_firewall_envelopes(net, tenant, other_tenant, cs_client, simulator):
    api = cs_client(tenant)
    ip, vm = net["ips"][1], net["instance"]
    assert api("listPortForwardingRules") == {}
    body = api(
        "createPortForwardingRule",
        ipaddressid=ip.uuid,
        protocol="TCP",
        publicport=2222,
        privateport=22,
        virtualmachineid=vm.uuid,
        cidrlist="203.0.113.0/24",
    )
    assert set(body) == {"id", "jobid"}
    assert _run_job(body).status == "succeeded"
    result = api("queryAsyncJobResult", jobid=body["jobid"])
    assert result["jobstatus"] == 1
    rule = result["jobresult"]["portforwardingrule"]
    assert rule["id"] == body["id"] and rule["state"] == "Active"
    assert (rule["publicport"], rule["privateport"], rule["ipaddress"]) == (
        "2222",
        "22",
        ip.address,
    )
    assert rule["cidrlist"] == "203.0.113.0/24"
    listed = api("listPortForwardingRules")
    assert listed["count"] == 1 and listed["portforwardingrule"][0]["virtualmachineid"] == str(
        vm.uuid
    )
    # the opened firewall rule is listed too
    assert api("listFirewallRules", ipaddressid=ip.uuid)["firewallrule"][0]["startport"] == 2222

    conflict = api.raw(
        "createPortForwardingRule",
        ipaddressid=ip.uuid,
        protocol="tcp",
        publicport=2222,
        privateport=80,
        virtualmachineid=vm.uuid,
    )
    assert conflict.status_code == 431
    assert "conflicts with rule" in conflict.json()["createportforwardingruleresponse"]["errortext"]

    other = cs_client(other_tenant)
    assert other("listPortForwardingRules", listall="true") == {}
    denied = other.raw("deletePortForwardingRule", id=body["id"])
    assert denied.status_code == 431

    gone = api("deletePortForwardingRule", id=body["id"])
    assert _run_job(gone).status == "succeeded"
    assert api("queryAsyncJobResult", jobid=gone["jobid"])["jobresult"] == {"success": True}
    assert api("listPortForwardingRules") == {}


def test_failed_apply_is_a_failed_job(net, tenant, cs_client, simulator):
    api = cs_client(tenant)
    sim_host(simulator, net["host"]).faults["apply_network_rules"] = "refused"
    body = api("createFirewallRule", ipaddressid=net["ips"][0].uuid, protocol="tcp", startport=80)
    assert _run_job(body).status == "failed"
    result = api("queryAsyncJobResult", jobid=body["jobid"])
    assert result["jobstatus"] == 2 and "refused" in result["jobresult"]["errortext"]
    assert api("listFirewallRules")["firewallrule"][0]["state"] == "Error"


def test_static_nat_lists(net, tenant, cs_client, simulator):
    api = cs_client(tenant)
    ip, vm = net["ips"][1], net["instance"]
    assert api("enableStaticNat", ipaddressid=ip.uuid, virtualmachineid=vm.uuid) == {
        "success": True
    }
    from networking.models_rules import StaticNat

    run(AsyncJob.objects.filter(command="network.rules.apply").latest("id"))
    (rule,) = api("listIpForwardingRules")["ipforwardingrule"]
    assert rule["virtualmachineid"] == str(vm.uuid) and rule["ipaddress"] == ip.address
    public = api("listPublicIpAddresses", isstaticnat="true")["publicipaddress"]
    assert [p["ipaddress"] for p in public] == [ip.address]
    assert public[0]["virtualmachineid"] == str(vm.uuid)
    assert _run_job(api("disableStaticNat", ipaddressid=ip.uuid)).status == "succeeded"
    assert not StaticNat.objects.exists()


def test_security_group_commands(net, tenant, cs_client):
    api = cs_client(tenant)
    listed = api("listSecurityGroups")
    assert [g["name"] for g in listed["securitygroup"]] == ["default"]
    group = api("createSecurityGroup", name="web", description="web servers")["securitygroup"]
    assert group["ingressrule"] == [] and group["account"] == tenant.account.name
    dup = api.raw("createSecurityGroup", name="web")
    assert dup.status_code == 431
    body = api(
        "authorizeSecurityGroupIngress",
        securitygroupname="web",
        protocol="TCP",
        startport=22,
        endport=22,
        cidrlist="10.0.0.0/8,192.0.2.0/24",
    )
    assert _run_job(body).status == "succeeded"
    result = api("queryAsyncJobResult", jobid=body["jobid"])["jobresult"]["securitygroup"]
    assert sorted(r["cidr"] for r in result["ingressrule"]) == ["10.0.0.0/8", "192.0.2.0/24"]
    rule_id = result["ingressrule"][0]["ruleid"]
    assert api.raw("revokeSecurityGroupEgress", id=rule_id).status_code == 431
    assert _run_job(api("revokeSecurityGroupIngress", id=rule_id)).status == "succeeded"
    (left,) = api("listSecurityGroups", securitygroupname="web")["securitygroup"][0]["ingressrule"]
    assert left["ruleid"] != rule_id
    assert api("deleteSecurityGroup", name="web") == {"success": True}
    assert api.raw("deleteSecurityGroup", name="default").status_code == 431
