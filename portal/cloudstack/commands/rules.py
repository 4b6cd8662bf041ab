"""Network rules: firewall, port forwarding, static NAT, egress firewall and security groups.

Everything goes through :mod:`networking.services.rules` and
:mod:`networking.services.security_groups`; the async commands answer the job of the
network element, whose ``queryAsyncJobResult`` is the rule (or the group, or
``{"success": true}`` for deletes/revokes).
"""

from __future__ import annotations

from compute.models import Instance
from networking.models import IPAddress, Network
from networking.models_rules import (
    EgressRule,
    FirewallRule,
    PortForwardingRule,
    RuleDirection,
    SecurityGroup,
    SecurityGroupRule,
    StaticNat,
)
from networking.services import rules as svc
from networking.services import security_groups as sg
from portal.cloudstack.asyncjobs import CMD_NAMES, answer, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import Field, Shape, command
from portal.models import Account

from ._common import Param, owner, shape, success, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of
from .vms import _owner_account

CMD_NAMES.update(
    {
        svc.APPLY_COMMAND: "org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd",
        sg.APPLY_COMMAND: (
            "org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd"
        ),
    }
)

MATCH_PARAMS = [
    Param("protocol", required=True, description="TCP, UDP, ICMP or ALL"),
    Param("startport", "integer", description="the starting port of the rule"),
    Param("endport", "integer", description="the ending port of the rule"),
    Param("icmptype", "integer", description="type of the ICMP message (-1: any)"),
    Param("icmpcode", "integer", description="error code for this ICMP message (-1: any)"),
    Param("cidrlist", "list", description="the CIDR list to allow traffic from/to"),
]


def _match(ctx) -> dict:
    return {
        "protocol": ctx.str("protocol", required=True),
        "start_port": ctx.int("startport"),
        "end_port": ctx.int("endport"),
        "icmp_type": ctx.int("icmptype"),
        "icmp_code": ctx.int("icmpcode"),
        "cidr_list": ctx.list("cidrlist") or None,
    }


def _user_rule(ctx) -> None:
    """Firewall ``type``: only user rules can be created through the API."""
    if ctx.has("type") and ctx.str("type").lower() != "user":
        raise param_error("Only firewall rules of type user can be created")


def _ports(rule) -> dict:
    return {
        "protocol": rule.protocol,
        "startport": rule.start_port,
        "endport": rule.end_port,
        "icmptype": rule.icmp_type,
        "icmpcode": rule.icmp_code,
    }


# Firewall rules -----------------------------------------------------------------------------

RULE_SPEC = (
    "id protocol startport endport icmptype icmpcode ipaddressid ipaddress networkid state "
    "cidrlist purpose traffictype fordisplay tags"
)
RULE_TYPES = {
    "startport": "integer",
    "endport": "integer",
    "icmptype": "integer",
    "icmpcode": "integer",
    "fordisplay": "boolean",
    "tags": "list",
}


@shape("firewallrule", RULE_SPEC, **RULE_TYPES)
def FIREWALL_RULE(rule, ctx):
    return {
        "id": uid(rule),
        **_ports(rule),
        "ipaddressid": uid(rule.ip_address),
        "ipaddress": rule.ip_address.address,
        "networkid": uid(rule.network),
        "state": rule.state,
        "cidrlist": ",".join(rule.cidr_list),
        "purpose": rule.purpose,
        "traffictype": "Ingress",
        "fordisplay": True,
        "tags": tags_of(ctx, "FirewallRule", rule),
    }


@shape("firewallrule", RULE_SPEC, **RULE_TYPES)
def EGRESS_RULE(rule, ctx):
    return {
        "id": uid(rule),
        **_ports(rule),
        "networkid": uid(rule.network),
        "state": rule.state,
        "cidrlist": ",".join(rule.cidr_list),
        "purpose": "Firewall",
        "traffictype": "Egress",
        "fordisplay": True,
        "tags": [],
    }


def firewall_queryset():
    return FirewallRule.objects.select_related("ip_address", "network", "account__domain")


def egress_queryset():
    return EgressRule.objects.select_related("network", "account__domain")


register_result("FirewallRule", firewall_queryset, FIREWALL_RULE, "FirewallRule")
register_result("EgressRule", egress_queryset, EGRESS_RULE, "FirewallRule")


@command(
    "createFirewallRule",
    "Creates a firewall rule for a given IP address",
    params=[
        Param("ipaddressid", "uuid", required=True, related="listPublicIpAddresses"),
        *MATCH_PARAMS,
        Param("type", description="user (system rules are not supported)"),
    ],
    shape=FIREWALL_RULE,
    isasync=True,
)
def create_firewall_rule(ctx):
    _user_rule(ctx)
    ip = ctx.get(IPAddress, "ipaddressid", action="change", required=True)
    rule, job = svc.create_firewall_rule(
        acting_user=ctx.user, client_ip=ctx.client_ip, ip_address=ip, **_match(ctx)
    )
    return answer(job, rule)


@command(
    "deleteFirewallRule",
    "Deletes a firewall rule",
    params=[Param("id", "uuid", required=True, related="listFirewallRules")],
    isasync=True,
)
def delete_firewall_rule(ctx):
    rule = ctx.get(FirewallRule, "id", action="change", required=True, queryset=firewall_queryset())
    return answer(svc.delete_firewall_rule(rule, acting_user=ctx.user, client_ip=ctx.client_ip))


@command(
    "listFirewallRules",
    "Lists all firewall rules for an IP address.",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listFirewallRules"),
        Param("ipaddressid", "uuid", related="listPublicIpAddresses"),
        Param("networkid", "uuid", related="listNetworks"),
    ],
    shape=FIREWALL_RULE,
    is_list=True,
    owned=True,
)
def list_firewall_rules(ctx):
    qs = ctx.owned(firewall_queryset().restrict(ctx.user, "view"), project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(FirewallRule, "id").pk)
    if ctx.has("ipaddressid"):
        qs = qs.filter(ip_address=ctx.get(IPAddress, "ipaddressid"))
    if ctx.has("networkid"):
        qs = qs.filter(network=ctx.get(Network, "networkid"))
    qs = filter_by_tag_params(ctx, qs, "FirewallRule")
    return ctx.listing(qs.order_by("id"))


@command(
    "createEgressFirewallRule",
    "Creates a egress firewall rule for a given network",
    params=[
        Param("networkid", "uuid", required=True, related="listNetworks"),
        *MATCH_PARAMS,
        Param("destcidrlist", "list", description="not supported"),
        Param("type", description="user (system rules are not supported)"),
    ],
    shape=EGRESS_RULE,
    isasync=True,
)
def create_egress_firewall_rule(ctx):
    if ctx.has("destcidrlist"):
        raise param_error("destcidrlist is not supported")
    _user_rule(ctx)
    network = ctx.get(Network, "networkid", action="change", required=True)
    rule, job = svc.create_egress_rule(
        acting_user=ctx.user, client_ip=ctx.client_ip, network=network, **_match(ctx)
    )
    return answer(job, rule)


@command(
    "deleteEgressFirewallRule",
    "Deletes an egress firewall rule",
    params=[Param("id", "uuid", required=True, related="listEgressFirewallRules")],
    isasync=True,
)
def delete_egress_firewall_rule(ctx):
    rule = ctx.get(EgressRule, "id", action="change", required=True, queryset=egress_queryset())
    return answer(svc.delete_egress_rule(rule, acting_user=ctx.user, client_ip=ctx.client_ip))


@command(
    "listEgressFirewallRules",
    "Lists all egress firewall rules for network ID.",
    params=[
        Param("id", "uuid", related="listEgressFirewallRules"),
        Param("networkid", "uuid", related="listNetworks"),
    ],
    shape=EGRESS_RULE,
    is_list=True,
    owned=True,
)
def list_egress_firewall_rules(ctx):
    qs = ctx.owned(egress_queryset().restrict(ctx.user, "view"), project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(EgressRule, "id").pk)
    if ctx.has("networkid"):
        qs = qs.filter(network=ctx.get(Network, "networkid"))
    return ctx.listing(qs.order_by("id"))


# Port forwarding ----------------------------------------------------------------------------


@shape(
    "portforwardingrule",
    "id privateport privateendport protocol publicport publicendport virtualmachineid "
    "virtualmachinename virtualmachinedisplayname ipaddressid ipaddress state cidrlist "
    "networkid vmguestip fordisplay tags",
    fordisplay="boolean",
    tags="list",
)
def PORT_FORWARDING_RULE(rule, ctx):
    instance = rule.instance
    opened = [c for fw in rule.firewall_rules.all() for c in fw.cidr_list]
    return {
        "id": uid(rule),
        "privateport": str(rule.private_start_port),
        "privateendport": str(rule.private_end_port),
        "protocol": rule.protocol,
        "publicport": str(rule.public_start_port),
        "publicendport": str(rule.public_end_port),
        "virtualmachineid": uid(instance),
        "virtualmachinename": instance.name,
        "virtualmachinedisplayname": instance.display_name or instance.name,
        "ipaddressid": uid(rule.ip_address),
        "ipaddress": rule.ip_address.address,
        "state": rule.state,
        "cidrlist": ",".join(sorted(set(opened))),
        "networkid": uid(rule.network),
        "vmguestip": rule.nic.ip_address,
        "fordisplay": True,
        "tags": tags_of(ctx, "PortForwardingRule", rule),
    }


def pf_queryset():
    return PortForwardingRule.objects.select_related(
        "ip_address", "instance", "nic", "network", "account__domain"
    ).prefetch_related("firewall_rules")


register_result("PortForwardingRule", pf_queryset, PORT_FORWARDING_RULE, "FirewallRule")


@command(
    "createPortForwardingRule",
    "Creates a port forwarding rule",
    params=[
        Param("ipaddressid", "uuid", required=True, related="listPublicIpAddresses"),
        Param("protocol", required=True, description="TCP or UDP"),
        Param("publicport", "integer", required=True),
        Param("privateport", "integer", required=True),
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("publicendport", "integer"),
        Param("privateendport", "integer"),
        Param("openfirewall", "boolean", description="also open the public ports (default)"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("vmguestip", description="the VM's IP on the network (must be its NIC's)"),
        Param("cidrlist", "list", description="sources the opened firewall allows"),
    ],
    shape=PORT_FORWARDING_RULE,
    isasync=True,
)
def create_port_forwarding_rule(ctx):
    ip = ctx.get(IPAddress, "ipaddressid", action="change", required=True)
    instance = ctx.get(Instance, "virtualmachineid", action="change", required=True)
    network = ctx.get(Network, "networkid")
    if network is not None and network.pk != ip.network_id:
        raise param_error("The network is not the one the IP address is associated with")
    nic = None
    if ctx.has("vmguestip"):
        nic = instance.nics.filter(ip_address=ctx.str("vmguestip")).first()
        if nic is None:
            raise param_error(f"The VM has no NIC with IP {ctx.str('vmguestip')}")
    rule, job = svc.create_port_forwarding_rule(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        ip_address=ip,
        protocol=ctx.str("protocol", required=True),
        public_start_port=ctx.int("publicport", required=True),
        public_end_port=ctx.int("publicendport"),
        private_start_port=ctx.int("privateport", required=True),
        private_end_port=ctx.int("privateendport"),
        instance=instance,
        nic=nic,
        open_firewall=ctx.bool("openfirewall", True),
        cidr_list=ctx.list("cidrlist") or None,
    )
    return answer(job, rule)


@command(
    "deletePortForwardingRule",
    "Deletes a port forwarding rule",
    params=[Param("id", "uuid", required=True, related="listPortForwardingRules")],
    isasync=True,
)
def delete_port_forwarding_rule(ctx):
    rule = ctx.get(PortForwardingRule, "id", action="change", required=True, queryset=pf_queryset())
    job = svc.delete_port_forwarding_rule(rule, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(job)


@command(
    "listPortForwardingRules",
    "Lists all port forwarding rules for an IP address.",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listPortForwardingRules"),
        Param("ipaddressid", "uuid", related="listPublicIpAddresses"),
        Param("networkid", "uuid", related="listNetworks"),
    ],
    shape=PORT_FORWARDING_RULE,
    is_list=True,
    owned=True,
)
def list_port_forwarding_rules(ctx):
    qs = ctx.owned(pf_queryset().restrict(ctx.user, "view"), project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(PortForwardingRule, "id").pk)
    if ctx.has("ipaddressid"):
        qs = qs.filter(ip_address=ctx.get(IPAddress, "ipaddressid"))
    if ctx.has("networkid"):
        qs = qs.filter(network=ctx.get(Network, "networkid"))
    qs = filter_by_tag_params(ctx, qs, "PortForwardingRule")
    return ctx.listing(qs.order_by("id"))


# Static NAT ---------------------------------------------------------------------------------


@shape(
    "ipforwardingrule",
    "id protocol startport endport ipaddressid ipaddress virtualmachineid virtualmachinename "
    "virtualmachinedisplayname vmguestip state",
)
def IP_FORWARDING_RULE(nat, ctx):
    instance = nat.instance
    return {
        "id": uid(nat),
        "protocol": "all",
        "startport": "1",
        "endport": "65535",
        "ipaddressid": uid(nat.ip_address),
        "ipaddress": nat.ip_address.address,
        "virtualmachineid": uid(instance),
        "virtualmachinename": instance.name,
        "virtualmachinedisplayname": instance.display_name or instance.name,
        "vmguestip": nat.nic.ip_address,
        "state": nat.state,
    }


def nat_queryset():
    return StaticNat.objects.select_related("ip_address", "instance", "nic", "account__domain")


@command(
    "enableStaticNat",
    "Enables static NAT for given IP address (applied by a job; see listIpForwardingRules).",
    params=[
        Param("ipaddressid", "uuid", required=True, related="listPublicIpAddresses"),
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("vmguestip"),
    ],
)
def enable_static_nat(ctx):
    ip = ctx.get(IPAddress, "ipaddressid", action="change", required=True)
    instance = ctx.get(Instance, "virtualmachineid", action="change", required=True)
    nic = None
    if ctx.has("vmguestip"):
        nic = instance.nics.filter(ip_address=ctx.str("vmguestip")).first()
        if nic is None:
            raise param_error(f"The VM has no NIC with IP {ctx.str('vmguestip')}")
    svc.enable_static_nat(ip, instance, acting_user=ctx.user, client_ip=ctx.client_ip, nic=nic)
    return success()


@command(
    "disableStaticNat",
    "Disables static rule for given IP address",
    params=[Param("ipaddressid", "uuid", required=True, related="listPublicIpAddresses")],
    isasync=True,
)
def disable_static_nat(ctx):
    ip = ctx.get(IPAddress, "ipaddressid", action="change", required=True)
    return answer(svc.disable_static_nat(ip, acting_user=ctx.user, client_ip=ctx.client_ip))


@command(
    "listIpForwardingRules",
    "List the IP forwarding rules (the static NATs)",
    params=[
        Param("id", "uuid", related="listIpForwardingRules"),
        Param("ipaddressid", "uuid", related="listPublicIpAddresses"),
        Param("virtualmachineid", "uuid", related="listVirtualMachines"),
    ],
    shape=IP_FORWARDING_RULE,
    is_list=True,
    owned=True,
)
def list_ip_forwarding_rules(ctx):
    qs = ctx.owned(nat_queryset().restrict(ctx.user, "view"), project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(StaticNat, "id").pk)
    if ctx.has("ipaddressid"):
        qs = qs.filter(ip_address=ctx.get(IPAddress, "ipaddressid"))
    if ctx.has("virtualmachineid"):
        qs = qs.filter(instance=ctx.get(Instance, "virtualmachineid"))
    return ctx.listing(qs.order_by("id"))


# Security groups ----------------------------------------------------------------------------

SG_RULE_FIELDS = tuple(
    Field(n, t)
    for n, t in (
        ("ruleid", "string"),
        ("protocol", "string"),
        ("startport", "integer"),
        ("endport", "integer"),
        ("icmptype", "integer"),
        ("icmpcode", "integer"),
        ("cidr", "string"),
        ("securitygroupname", "string"),
        ("account", "string"),
    )
)


def _sg_rule(rule) -> dict:
    out = {"ruleid": uid(rule), **_ports(rule), "protocol": rule.protocol}
    if rule.remote_group_id:
        out["securitygroupname"] = rule.remote_group.name
        out["account"] = rule.remote_group.account.name
    else:
        out["cidr"] = rule.cidr_list[0] if rule.cidr_list else "0.0.0.0/0"
    return {k: v for k, v in out.items() if v is not None}


def _render_group(group, ctx) -> dict:
    rules = [r for r in group.rules.all() if r.state != "Revoke"]
    members = [str(i.uuid) for i in group.instances.all()]
    data = {
        "id": uid(group),
        "name": group.name,
        "description": group.description or None,
        "ingressrule": [_sg_rule(r) for r in rules if r.direction == RuleDirection.INGRESS],
        "egressrule": [_sg_rule(r) for r in rules if r.direction == RuleDirection.EGRESS],
        "virtualmachinecount": len(members),
        "virtualmachineids": members,
        "tags": tags_of(ctx, "SecurityGroup", group),
        **owner(group),
    }
    return {k: v for k, v in data.items() if v is not None}


SECURITY_GROUP = Shape(
    "securitygroup",
    (
        Field("id"),
        Field("name"),
        Field("description"),
        Field("account"),
        Field("domainid"),
        Field("domain"),
        Field("ingressrule", "set", nested=SG_RULE_FIELDS),
        Field("egressrule", "set", nested=SG_RULE_FIELDS),
        Field("virtualmachinecount", "integer"),
        Field("virtualmachineids", "set"),
        Field("tags", "list"),
    ),
    _render_group,
)


def sg_queryset():
    return SecurityGroup.objects.select_related("account__domain").prefetch_related(
        "rules__remote_group__account", "instances"
    )


register_result("SecurityGroup", sg_queryset, SECURITY_GROUP, "SecurityGroup")


def _group(ctx) -> SecurityGroup:
    """The group named by ``securitygroupid`` or ``securitygroupname`` (+ account/domainid)."""
    if ctx.has("securitygroupid") or ctx.has("id"):
        name = "securitygroupid" if ctx.has("securitygroupid") else "id"
        return ctx.get(SecurityGroup, name, action="change", queryset=sg_queryset())
    name = ctx.str("securitygroupname") or ctx.str("name")
    if not name:
        raise param_error("Either securitygroupid or securitygroupname is required")
    account = _owner_account(ctx) or ctx.user.account
    if name == sg.DEFAULT_NAME:
        sg.default_security_group(account)
    group = sg_queryset().restrict(ctx.user, "change").filter(account=account, name=name).first()
    if group is None:
        raise param_error(f"Unable to find security group {name}")
    return group


@command(
    "createSecurityGroup",
    "Creates a security group",
    params=[
        Param("name", required=True),
        Param("description"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("projectid", "uuid", description="not supported"),
    ],
    shape=SECURITY_GROUP,
)
def create_security_group(ctx):
    if ctx.has("projectid"):
        raise param_error("Project security groups are not supported")
    group = sg.create_security_group(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx) or ctx.user.account,
        name=ctx.str("name", required=True),
        description=ctx.str("description", ""),
    )
    return ctx.one(sg_queryset().get(pk=group.pk))


@command(
    "deleteSecurityGroup",
    "Deletes security group",
    params=[
        Param("id", "uuid", related="listSecurityGroups"),
        Param("name"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
)
def delete_security_group(ctx):
    sg.delete_security_group(_group(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@command(
    "listSecurityGroups",
    "Lists security groups",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listSecurityGroups"),
        Param("securitygroupname"),
        Param("virtualmachineid", "uuid", related="listVirtualMachines"),
    ],
    shape=SECURITY_GROUP,
    is_list=True,
    owned=True,
)
def list_security_groups(ctx):
    account = getattr(ctx.user, "account", None)
    if account is not None:
        sg.default_security_group(account)  # CloudStack always lists the default group
    qs = ctx.owned(sg_queryset().restrict(ctx.user, "view"), project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(SecurityGroup, "id").pk)
    if ctx.has("securitygroupname"):
        qs = qs.filter(name=ctx.str("securitygroupname"))
    if ctx.has("virtualmachineid"):
        qs = qs.filter(instances=ctx.get(Instance, "virtualmachineid"))
    qs = filter_by_tag_params(ctx, qs, "SecurityGroup")
    return ctx.listing(ctx.keyword(qs).order_by("id"))


def _remote_groups(ctx) -> list[SecurityGroup]:
    """``usersecuritygrouplist[i].account/.group``: groups of accounts the caller may see."""
    out = []
    for entry in ctx.map("usersecuritygrouplist"):
        name, account_name = entry.get("group"), entry.get("account")
        accounts = Account.objects.restrict(ctx.user, "view")
        account = accounts.filter(name=account_name).first() if account_name else ctx.user.account
        group = (
            SecurityGroup.objects.filter(account=account, name=name).first() if account else None
        )
        if group is None:
            raise param_error(f"Unable to find security group {name} of account {account_name}")
        out.append(group)
    return out


AUTH_PARAMS = [
    Param("securitygroupid", "uuid", related="listSecurityGroups"),
    Param("securitygroupname"),
    Param("protocol", description="TCP, UDP, ICMP or ALL"),
    *MATCH_PARAMS[1:],
    Param("usersecuritygrouplist", "map", description="user to security group mapping"),
    Param("account"),
    Param("domainid", "uuid", related="listDomains"),
]


def _authorize(ctx, direction: str) -> dict:
    group = _group(ctx)
    match = _match(ctx)
    _, job = sg.authorize_security_group_rules(
        group,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        direction=direction,
        remote_groups=_remote_groups(ctx),
        **match,
    )
    return answer(job)


def _revoke(ctx, direction: str) -> dict:
    rule = ctx.get(
        SecurityGroupRule,
        "id",
        action="change",
        required=True,
        queryset=SecurityGroupRule.objects.select_related("security_group"),
    )
    if rule.direction != direction:
        raise param_error(f"Rule {ctx.str('id')} is not an {direction} rule")
    job = sg.revoke_security_group_rule(rule, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(job)


@command(
    "authorizeSecurityGroupIngress",
    "Authorizes a particular ingress rule for this security group",
    params=AUTH_PARAMS,
    shape=SECURITY_GROUP,
    isasync=True,
)
def authorize_security_group_ingress(ctx):
    return _authorize(ctx, RuleDirection.INGRESS)


@command(
    "authorizeSecurityGroupEgress",
    "Authorizes a particular egress rule for this security group",
    params=AUTH_PARAMS,
    shape=SECURITY_GROUP,
    isasync=True,
)
def authorize_security_group_egress(ctx):
    return _authorize(ctx, RuleDirection.EGRESS)


@command(
    "revokeSecurityGroupIngress",
    "Deletes a particular ingress rule from this security group",
    params=[Param("id", "uuid", required=True, description="the ID of the ingress rule")],
    isasync=True,
)
def revoke_security_group_ingress(ctx):
    return _revoke(ctx, RuleDirection.INGRESS)


@command(
    "revokeSecurityGroupEgress",
    "Deletes a particular egress rule from this security group",
    params=[Param("id", "uuid", required=True, description="the ID of the egress rule")],
    isasync=True,
)
def revoke_security_group_egress(ctx):
    return _revoke(ctx, RuleDirection.EGRESS)
