"""The /api/networking/ rules endpoints: firewall, port forwarding, egress, static NAT and
security groups; 202 with the apply job, tenant isolation (404), field errors (400)."""

import pytest
from django.urls import reverse

from networking.models_rules import (
    EgressRule,
    FirewallRule,
    PortForwardingRule,
    SecurityGroup,
    SecurityGroupRule,
    StaticNat,
)
from networking.services import security_groups as sg
from portal.models import AsyncJob
from tests.rules.helpers import run, setup_network, sim_host

pytestmark = pytest.mark.django_db


def _run(response):
    assert response.status_code == 202, response.content
    job = run(AsyncJob.objects.get(pk=response.data["job_id"]))
    assert job.status == "succeeded", job.error_text
    return job


def test_firewall_rule_crud_and_isolation(net, tenant, other_tenant, api_client, simulator):
    client = api_client(tenant)
    ip = net["ips"][0]
    url = reverse("api:firewallrule-list")
    response = client.post(
        url,
        {"ip_address": ip.pk, "protocol": "TCP", "start_port": 22, "cidr_list": ["10.0.0.0/8"]},
        format="json",
    )
    _run(response)
    rule = response.data["rule"]
    assert (rule["protocol"], rule["start_port"], rule["end_port"]) == ("tcp", 22, 22)
    assert rule["ip_address"]["id"] == ip.pk and rule["state"] == "Add"
    detail = reverse("api:firewallrule-detail", kwargs={"pk": rule["id"]})
    assert client.get(detail).data["state"] == "Active"
    assert client.get(url).data["count"] == 1
    assert client.get(url, {"ip_address": net["ips"][1].pk}).data["count"] == 0

    intruder = api_client(other_tenant)
    assert intruder.get(url).data["count"] == 0
    assert intruder.get(detail).status_code == 404
    assert intruder.delete(detail).status_code == 404
    # another tenant's IP is not something the intruder can name
    response = intruder.post(url, {"ip_address": ip.pk, "protocol": "tcp"}, format="json")
    assert response.status_code == 400 and "ip_address" in response.data

    _run(client.delete(detail))
    assert not FirewallRule.objects.exists()
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    assert pushed.public_ips == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"protocol": "gre"}, "protocol"),
        ({"protocol": "tcp", "start_port": 70000}, "start_port"),
        ({"protocol": "tcp", "start_port": 30, "end_port": 20}, "end_port"),
        ({"protocol": "tcp", "start_port": 22, "cidr_list": ["nonsense"]}, "cidr_list"),
        ({"protocol": "tcp", "start_port": "x"}, "start_port"),
        ({}, "protocol"),
    ],
)
def test_firewall_rule_validation(net, tenant, api_client, payload, field):
    response = api_client(tenant).post(
        reverse("api:firewallrule-list"),
        {"ip_address": net["ips"][0].pk, **payload},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert field in response.data
    assert not FirewallRule.objects.exists()
    assert not AsyncJob.objects.filter(command="network.rules.apply").exists()


def test_port_forwarding_rule(net, tenant, other_tenant, cloud, api_client, simulator):
    client = api_client(tenant)
    url = reverse("api:portforwardingrule-list")
    payload = {
        "ip_address": net["ips"][1].pk,
        "protocol": "tcp",
        "public_start_port": 2222,
        "private_start_port": 22,
        "instance": net["instance"].pk,
        "cidr_list": ["203.0.113.0/24"],
    }
    response = client.post(url, payload, format="json")
    _run(response)
    rule = response.data["rule"]
    assert rule["cidr_list"] == ["203.0.113.0/24"]
    assert rule["instance"]["id"] == net["instance"].pk and rule["nic"]["id"] == net["nic"].pk
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    assert pushed.public_ips[0].port_forwards[0].public_start == 2222

    conflict = client.post(url, {**payload, "private_start_port": 80}, format="json")
    assert conflict.status_code == 400 and "public_start_port" in conflict.data
    assert PortForwardingRule.objects.count() == 1

    # someone else's instance cannot be named; the other tenant sees nothing
    theirs = setup_network(cloud, other_tenant, ips=1)
    response = client.post(url, {**payload, "instance": theirs["instance"].pk}, format="json")
    assert response.status_code == 400 and "instance" in response.data
    detail = reverse("api:portforwardingrule-detail", kwargs={"pk": rule["id"]})
    assert api_client(other_tenant).get(detail).status_code == 404
    assert api_client(other_tenant).delete(detail).status_code == 404

    _run(client.delete(detail))
    assert not PortForwardingRule.objects.exists()
    assert not FirewallRule.objects.exists()  # the rule it opened goes with it


def test_port_forwarding_validation(net, tenant, api_client):
    response = api_client(tenant).post(
        reverse("api:portforwardingrule-list"),
        {
            "ip_address": net["ips"][1].pk,
            "protocol": "icmp",
            "public_start_port": 1,
            "private_start_port": 1,
            "instance": net["instance"].pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "protocol" in response.data
    response = api_client(tenant).post(
        reverse("api:portforwardingrule-list"),
        {"ip_address": net["ips"][1].pk, "protocol": "tcp", "instance": net["instance"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert {"public_start_port", "private_start_port"} <= set(response.data)
    assert not PortForwardingRule.objects.exists()


def test_egress_rules(net, tenant, other_tenant, api_client, simulator):
    client = api_client(tenant)
    url = reverse("api:egressrule-list")
    network = net["network"]
    bad = client.post(
        url,
        {"network": network.pk, "protocol": "tcp", "start_port": 80, "cidr_list": ["8.8.8.0/24"]},
        format="json",
    )
    assert bad.status_code == 400 and "cidr_list" in bad.data
    response = client.post(
        url, {"network": network.pk, "protocol": "tcp", "start_port": 80}, format="json"
    )
    _run(response)
    assert response.data["rule"]["cidr_list"] == [network.cidr]
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{network.pk}"]
    assert [r.start_port for r in pushed.egress] == [80]
    intruder = api_client(other_tenant)
    response = intruder.post(url, {"network": network.pk, "protocol": "all"}, format="json")
    assert response.status_code == 400 and "network" in response.data
    detail = reverse("api:egressrule-detail", kwargs={"pk": response_id(client, url)})
    assert intruder.delete(detail).status_code == 404
    _run(client.delete(detail))
    assert not EgressRule.objects.exists()


def response_id(client, url) -> int:
    (item,) = client.get(url).data["results"]
    return item["id"]


def test_static_nat_verbs(net, tenant, other_tenant, api_client, simulator):
    client = api_client(tenant)
    ip = net["ips"][1]
    base = reverse("api:ipaddress-detail", kwargs={"pk": ip.pk})
    intruder = api_client(other_tenant)
    denied = intruder.post(
        base + "enable-static-nat/", {"instance": net["instance"].pk}, format="json"
    )
    assert denied.status_code == 404
    missing = client.post(base + "enable-static-nat/", {}, format="json")
    assert missing.status_code == 400 and "instance" in missing.data

    response = client.post(
        base + "enable-static-nat/", {"instance": net["instance"].pk}, format="json"
    )
    _run(response)
    assert response.data["static_nat"]["ip_address"]["id"] == ip.pk
    pushed = sim_host(simulator, net["host"]).network_rules[f"net-{net['network'].pk}"]
    assert pushed.public_ips[0].static_nat_ip == net["nic"].ip_address
    # the source NAT IP takes no static NAT; a second one for the same NIC is refused
    again = client.post(
        reverse("api:ipaddress-detail", kwargs={"pk": net["ips"][0].pk}) + "enable-static-nat/",
        {"instance": net["instance"].pk},
        format="json",
    )
    assert again.status_code == 400 and "ip_address" in again.data

    assert intruder.post(base + "disable-static-nat/").status_code == 404
    _run(client.post(base + "disable-static-nat/"))
    assert not StaticNat.objects.exists()
    again = client.post(base + "disable-static-nat/")
    assert again.status_code == 400 and "ip_address" in again.data


def test_security_groups(net, tenant, other_tenant, api_client, simulator):
    client = api_client(tenant)
    url = reverse("api:securitygroup-list")
    response = client.post(url, {"name": "web", "description": "front"}, format="json")
    assert response.status_code == 201, response.content
    group = SecurityGroup.objects.get(pk=response.data["id"])
    assert group.account == tenant.account
    dup = client.post(url, {"name": "web"}, format="json")
    assert dup.status_code == 400 and "name" in dup.data
    assert client.post(url, {"name": ""}, format="json").status_code == 400

    run(sg.assign_security_groups(net["instance"], [group], acting_user=tenant))
    detail = reverse("api:securitygroup-detail", kwargs={"pk": group.pk})
    response = client.post(
        detail + "authorize-ingress/",
        {"protocol": "tcp", "start_port": 80, "cidr_list": ["0.0.0.0/0"]},
        format="json",
    )
    _run(response)
    ((rule_id, direction),) = [(r["id"], r["direction"]) for r in response.data["rules"]]
    assert direction == "ingress"
    response = client.post(detail + "authorize-egress/", {"protocol": "udp"}, format="json")
    _run(response)
    bad = client.post(detail + "authorize-ingress/", {"protocol": "tcp", "end_port": 0})
    assert bad.status_code == 400 and "end_port" in bad.data
    (vm,) = sim_host(simulator, net["host"]).security_groups.values()
    assert [r.start_port for r in vm.nics[0].ingress] == [80]

    body = client.get(detail).data
    assert {r["direction"] for r in body["rules"]} == {"ingress", "egress"}
    assert [i["id"] for i in body["instances"]] == [net["instance"].pk]

    intruder = api_client(other_tenant)
    assert intruder.get(detail).status_code == 404
    assert intruder.post(detail + "revoke/", {"rules": [rule_id]}).status_code == 404
    assert intruder.post(detail + "authorize-ingress/", {"protocol": "all"}).status_code == 404
    assert intruder.delete(detail).status_code == 404
    assert all(g["id"] != group.pk for g in intruder.get(url).data["results"])

    unknown = client.post(detail + "revoke/", {"rules": [rule_id, 999999]}, format="json")
    assert unknown.status_code == 400 and "rules" in unknown.data
    assert client.post(detail + "revoke/", {"rules": []}, format="json").status_code == 400
    response = client.post(detail + "revoke/", {"rules": [rule_id]}, format="json")
    assert response.status_code == 202 and response.data["revoked"] == [rule_id]
    for job in response.data["jobs"]:
        assert run(AsyncJob.objects.get(pk=job["job_id"])).status == "succeeded"
    assert not SecurityGroupRule.objects.filter(pk=rule_id).exists()
    (vm,) = sim_host(simulator, net["host"]).security_groups.values()
    assert vm.nics[0].ingress == []

    in_use = client.delete(detail)
    assert in_use.status_code == 400
    run(sg.assign_security_groups(net["instance"], [], acting_user=tenant))
    assert client.delete(detail).status_code == 204
    assert not SecurityGroup.objects.filter(pk=group.pk).exists()


def test_security_group_for_another_account_is_refused(tenant, other_tenant, api_client):
    response = api_client(tenant).post(
        reverse("api:securitygroup-list"),
        {"name": "sneaky", "account": other_tenant.account.pk},
        format="json",
    )
    assert response.status_code == 400 and "account" in response.data
    assert not SecurityGroup.objects.filter(name="sneaky").exists()


def test_rule_lists_have_a_constant_query_count(
    net, tenant, api_client, django_assert_max_num_queries
):
    client = api_client(tenant)
    for port in (2201, 2202, 2203):
        client.post(
            reverse("api:portforwardingrule-list"),
            {
                "ip_address": net["ips"][1].pk,
                "protocol": "tcp",
                "public_start_port": port,
                "private_start_port": 22,
                "instance": net["instance"].pk,
            },
            format="json",
        )
    for name in ("a", "b", "c"):
        sg.create_security_group(acting_user=tenant, account=tenant.account, name=name)
    for basename, count in (
        ("portforwardingrule", 3),
        ("firewallrule", 3),
        ("securitygroup", 3),
    ):
        with django_assert_max_num_queries(8):
            response = client.get(reverse(f"api:{basename}-list"))
        assert response.data["count"] == count


def test_drf_deploy_with_security_groups(
    cloud, tenant, other_tenant, api_client, simulator, no_broker
):
    from compute.models import Instance, ServiceOffering

    web = sg.create_security_group(acting_user=tenant, account=tenant.account, name="web")
    sg.authorize_security_group_rules(
        web, acting_user=tenant, direction="ingress", protocol="tcp", start_port=443
    )
    theirs = sg.create_security_group(
        acting_user=other_tenant, account=other_tenant.account, name="x"
    )
    payload = {
        "zone": cloud["zone"].pk,
        "service_offering": ServiceOffering.objects.get(name="Small Instance").pk,
        "template": cloud["template"].pk,
    }
    client = api_client(tenant)
    url = reverse("api:instance-list")
    response = client.post(url, {**payload, "security_groups": [theirs.pk]}, format="json")
    assert response.status_code == 400 and "security_groups" in response.data
    assert not Instance.objects.exists()

    response = client.post(url, {**payload, "security_groups": [web.pk]}, format="json")
    assert response.status_code == 202, response.content
    instance = Instance.objects.get(pk=response.data["instance"])
    assert list(instance.security_groups.all()) == [web]
    _run(response)
    for job in AsyncJob.objects.filter(status="pending").order_by("pk"):
        assert run(job).status == "succeeded", job.error_text
    instance.refresh_from_db()
    (vm,) = sim_host(simulator, instance.host).security_groups.values()
    assert [r.start_port for r in vm.nics[0].ingress] == [443]


def test_cloudstack_deploy_with_security_group_names(
    cloud, tenant, cs_client, simulator, no_broker
):
    from compute.models import Instance, ServiceOffering

    web = sg.create_security_group(acting_user=tenant, account=tenant.account, name="web")
    api = cs_client(tenant)
    params = {
        "zoneid": cloud["zone"].uuid,
        "serviceofferingid": ServiceOffering.objects.get(name="Small Instance").uuid,
        "templateid": cloud["template"].uuid,
    }
    both = api.raw(
        "deployVirtualMachine", securitygroupids=web.uuid, securitygroupnames="web", **params
    )
    assert both.status_code == 431
    unknown = api.raw("deployVirtualMachine", securitygroupnames="nope", **params)
    assert unknown.status_code == 431
    assert not Instance.objects.exists()

    body = api("deployVirtualMachine", securitygroupnames="web,default", **params)
    instance = Instance.objects.get(uuid=body["id"])
    assert sorted(g.name for g in instance.security_groups.all()) == ["default", "web"]
    run(AsyncJob.objects.get(uuid=body["jobid"]))
    result = api("queryAsyncJobResult", jobid=body["jobid"])["jobresult"]["virtualmachine"]
    assert sorted(g["name"] for g in result["securitygroup"]) == ["default", "web"]
    body = api("deployVirtualMachine", securitygroupids=web.uuid, **params)
    assert [g.pk for g in Instance.objects.get(uuid=body["id"]).security_groups.all()] == [web.pk]
