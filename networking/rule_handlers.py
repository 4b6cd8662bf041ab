"""The network element: jobs that push rule sets to the agents.

We have no virtual router. The hosts running a network's instances enforce its firewall,
port forwarding, static NAT and egress rules (``apply_network_rules``, one complete rule set
per network), and each host enforces the security groups of the instances it runs
(``apply_security_groups``, one complete set per host). Both commands are idempotent, so a
job that is run twice, or a later job, simply pushes the current truth again.
"""

from __future__ import annotations

import logging

from django.db import transaction

from agents.protocol import commands as c
from compute import agent
from compute.lifecycle import specs
from compute.models import Host, Instance
from marketplace import hooks
from networking.choices import GuestIpType
from networking.models import Network
from networking.models_rules import (
    EgressRule,
    FirewallRule,
    PortForwardingRule,
    RuleState,
    SecurityGroup,
    SecurityGroupRule,
    StaticNat,
)
from networking.services.rules import APPLY_COMMAND as NETWORK_APPLY
from networking.services.security_groups import APPLY_COMMAND as SG_APPLY
from portal.services.jobs import JobError, create_job, job_handler

log = logging.getLogger(__name__)
RUNNING = ("Running", "Starting", "Stopping", "Migrating")
_MODELS = (FirewallRule, PortForwardingRule, StaticNat, EgressRule)


def _spec(rule, cidrs=None) -> c.RuleSpec:
    return c.RuleSpec(
        protocol=rule.protocol,
        start_port=rule.start_port or 0,
        end_port=rule.end_port or 0,
        icmp_type=-1 if rule.icmp_type is None else rule.icmp_type,
        icmp_code=-1 if rule.icmp_code is None else rule.icmp_code,
        cidrs=list(cidrs if cidrs is not None else rule.cidr_list) or ["0.0.0.0/0"],
    )


def _vlan(network: Network) -> int | None:
    tag = (network.vlan or "").removeprefix("vlan://")
    return int(tag) if tag.isdigit() and 1 <= int(tag) <= 4094 else None


def network_hosts(network: Network) -> list[Host]:
    """The hosts running instances with a NIC on ``network``."""
    return list(
        Host.objects.filter(
            instances__nics__network=network, instances__state__in=RUNNING
        ).distinct()
    )


def network_command(network: Network) -> tuple[c.ApplyNetworkRulesCommand, dict]:
    """The network's complete rule set (``Add`` and ``Active`` rows) and the row ids it
    covers per model, to activate after a successful push."""
    live = (RuleState.ADD, RuleState.ACTIVE)
    firewall = list(
        FirewallRule.objects.filter(network=network, state__in=live).select_related("ip_address")
    )
    forwards = list(
        PortForwardingRule.objects.filter(network=network, state__in=live).select_related(
            "ip_address", "nic"
        )
    )
    nats = list(
        StaticNat.objects.filter(network=network, state__in=live).select_related(
            "ip_address", "nic"
        )
    )
    egress = list(EgressRule.objects.filter(network=network, state__in=live))
    ips: dict[str, c.PublicIpRules] = {}

    def entry(address: str) -> c.PublicIpRules:
        return ips.setdefault(address, c.PublicIpRules(address=address))

    for rule in firewall:
        entry(rule.ip_address.address).firewall.append(_spec(rule))
    for pf in forwards:
        entry(pf.ip_address.address).port_forwards.append(
            c.PortForwardSpec(
                protocol=pf.protocol,
                public_start=pf.public_start_port,
                public_end=pf.public_end_port,
                private_ip=pf.nic.ip_address,
                private_start=pf.private_start_port,
                private_end=pf.private_end_port,
            )
        )
    for nat in nats:
        entry(nat.ip_address.address).static_nat_ip = nat.nic.ip_address
    cmd = c.ApplyNetworkRulesCommand(
        network_id=f"net-{network.pk}",
        vlan=_vlan(network),
        guest_cidr=network.cidr or "",
        public_ips=[ips[a] for a in sorted(ips)],
        egress_default_allow=network.network_offering.egress_default_policy,
        egress=[_spec(rule) for rule in egress],
    )
    covered = {
        FirewallRule: [r.pk for r in firewall],
        PortForwardingRule: [r.pk for r in forwards],
        StaticNat: [r.pk for r in nats],
        EgressRule: [r.pk for r in egress],
    }
    return cmd, covered


def plugin_elements(network: Network) -> dict[str, type]:
    """The plugin network elements (``network.element``: ``{provider: element class}``)
    named as providers of the services of ``network``'s offering, e.g.
    ``{"Lb": ["HAProxy"]}``. Each one's ``apply(network, rules)`` gets the network's
    complete rule set (the ``ApplyNetworkRulesCommand`` the hosts get) on every push;
    raising fails the job like a refusing agent. Services without a plugin provider
    stay with the built-in element (the agents)."""
    offered: dict[str, type] = {}
    for answer in hooks.call_hooks("network.element"):
        if isinstance(answer, dict):
            for name, element in answer.items():
                offered.setdefault(name, element)
    wanted: dict[str, type] = {}
    for providers in (network.network_offering.services or {}).values():
        names = [providers] if isinstance(providers, str) else providers or []
        for name in names:
            if name in offered:
                wanted.setdefault(name, offered[name])
    return wanted


def apply_network(network: Network, report=None, clear_host_ids=()) -> dict:
    """Push ``network``'s rules to its hosts and settle the rule states.

    ``clear_host_ids``: hosts that ran one of the network's instances (before a stop or a
    migration); those that run none of them any more get an empty rule set (best effort:
    a host that does not answer keeps a stale table until the next push).
    """
    revoked = {
        m: list(
            m.objects.filter(network=network, state=RuleState.REVOKE).values_list("pk", flat=True)
        )
        for m in _MODELS
    }
    cmd, covered = network_command(network)
    hosts = network_hosts(network)
    try:
        elements = plugin_elements(network)
        for i, host in enumerate(hosts):
            if report is not None:
                report(10 + 80 * i // max(1, len(hosts)), f"Applying rules on {host.name}")
            agent.send(host, cmd)
        for provider, element in elements.items():
            try:
                element().apply(network, cmd)
            except Exception as exc:
                raise JobError(f"network element {provider} failed: {exc}") from exc
    except JobError:
        with transaction.atomic():
            for model, pks in covered.items():
                model.objects.filter(pk__in=pks, state=RuleState.ADD).update(state=RuleState.ERROR)
            for model, pks in revoked.items():
                model.objects.filter(pk__in=pks).update(state=RuleState.ACTIVE)
        raise
    with transaction.atomic():
        for model, pks in covered.items():
            model.objects.filter(pk__in=pks, state=RuleState.ADD).update(state=RuleState.ACTIVE)
        for model, pks in revoked.items():
            model.objects.filter(pk__in=pks, state=RuleState.REVOKE).delete()
    cleared = []
    running = {h.pk for h in hosts}
    empty = c.ApplyNetworkRulesCommand(network_id=cmd.network_id, vlan=cmd.vlan)
    for host in Host.objects.filter(pk__in=set(clear_host_ids) - running):
        try:
            agent.send(host, empty)
            cleared.append(host.name)
        except JobError as exc:
            log.warning("could not clear the rules of %s on %s: %s", network.pk, host.name, exc)
    result = {"network": str(network.uuid), "hosts": [h.name for h in hosts]}
    if elements:
        result["elements"] = sorted(elements)
    if cleared:
        result["cleared"] = cleared
    return result


@job_handler(NETWORK_APPLY)
def apply_network_rules_job(job, report) -> dict:
    network = Network.objects.select_related("network_offering").get(pk=job.params["network_id"])
    return apply_network(network, report, job.params.get("clear_host_ids") or ())


# Security groups ----------------------------------------------------------------------------


def _member_ips(groups: set[int]) -> dict[int, list[str]]:
    """Per group id, the /32 of every NIC of its running members (remote-group rules)."""
    out: dict[int, list[str]] = {g: [] for g in groups}
    rows = SecurityGroup.instances.through.objects.filter(
        securitygroup_id__in=groups, instance__state__in=RUNNING
    ).values_list("securitygroup_id", "instance__nics__ip_address")
    for group_id, ip in rows:
        if ip:
            out[group_id].append(f"{ip}/32")
    return out


def host_command(host: Host) -> tuple[c.ApplySecurityGroupsCommand, list[int]]:
    """The security-group rules of every grouped instance on ``host``, and the rule ids."""
    instances = list(
        Instance.objects.filter(host=host, state__in=RUNNING, security_groups__isnull=False)
        .distinct()
        .prefetch_related("nics", "security_groups")
    )
    group_ids = {g.pk for i in instances for g in i.security_groups.all()}
    rules = list(
        SecurityGroupRule.objects.filter(
            security_group_id__in=group_ids, state__in=(RuleState.ADD, RuleState.ACTIVE)
        )
    )
    remote = _member_ips({r.remote_group_id for r in rules if r.remote_group_id})
    by_group: dict[int, list[SecurityGroupRule]] = {}
    for rule in rules:
        by_group.setdefault(rule.security_group_id, []).append(rule)
    vms = []
    for instance in sorted(instances, key=lambda i: i.pk):
        mine = [r for g in instance.security_groups.all() for r in by_group.get(g.pk, [])]
        specs_in, specs_out = [], []
        for rule in mine:
            cidrs = remote.get(rule.remote_group_id, []) if rule.remote_group_id else None
            if cidrs == []:
                continue  # a remote group without running members matches nothing
            target = specs_in if rule.direction == "ingress" else specs_out
            target.append(_spec(rule, cidrs))
        nics = [
            c.NicSecurityRules(
                mac=nic.mac_address.lower(), ip=nic.ip_address, ingress=specs_in, egress=specs_out
            )
            for nic in sorted(instance.nics.all(), key=lambda n: n.device_id)
            if nic.ip_address
        ]
        vms.append(c.VmSecurityRules(vm_name=specs.vm_name(instance), nics=nics))
    return c.ApplySecurityGroupsCommand(vms=vms), [r.pk for r in rules]


def _affected_hosts(group_ids: list[int]) -> list[Host]:
    """Hosts running members of the groups, or of groups whose rules reference them."""
    referencing = SecurityGroupRule.objects.filter(remote_group_id__in=group_ids).values_list(
        "security_group_id", flat=True
    )
    groups = set(group_ids) | set(referencing)
    return list(
        Host.objects.filter(
            instances__security_groups__in=groups, instances__state__in=RUNNING
        ).distinct()
    )


@job_handler(SG_APPLY)
def apply_security_groups_job(job, report) -> dict:
    group_ids = job.params.get("group_ids") or [job.params["group_id"]]
    revoked = list(
        SecurityGroupRule.objects.filter(
            security_group_id__in=group_ids, state=RuleState.REVOKE
        ).values_list("pk", flat=True)
    )
    added = list(
        SecurityGroupRule.objects.filter(
            security_group_id__in=group_ids, state=RuleState.ADD
        ).values_list("pk", flat=True)
    )
    hosts = _affected_hosts(group_ids)
    instance_id = job.params.get("instance_id")
    if instance_id:
        host_id = Instance.objects.filter(pk=instance_id).values_list("host_id", flat=True).first()
        if host_id and all(h.pk != host_id for h in hosts):
            hosts.append(Host.objects.get(pk=host_id))
    extra = set(job.params.get("host_ids") or ()) - {h.pk for h in hosts}
    hosts.extend(Host.objects.filter(pk__in=extra).order_by("pk"))
    try:
        for i, host in enumerate(hosts):
            report(10 + 80 * i // max(1, len(hosts)), f"Applying security groups on {host.name}")
            cmd, _ = host_command(host)
            agent.send(host, cmd)
    except JobError:
        with transaction.atomic():
            SecurityGroupRule.objects.filter(pk__in=added, state=RuleState.ADD).update(
                state=RuleState.ERROR
            )
            SecurityGroupRule.objects.filter(pk__in=revoked).update(state=RuleState.ACTIVE)
        raise
    with transaction.atomic():
        SecurityGroupRule.objects.filter(pk__in=added, state=RuleState.ADD).update(
            state=RuleState.ACTIVE
        )
        SecurityGroupRule.objects.filter(pk__in=revoked, state=RuleState.REVOKE).delete()
    return {"hosts": [h.name for h in hosts]}


# Rules follow instances ---------------------------------------------------------------------

REFRESH_REASONS = ("start", "migrate", "stop", "expunge")


def _networks_with_rules(instance: Instance) -> list[Network]:
    """The instance's isolated networks that have rules to enforce: live (or revoking)
    firewall/port forwarding/static NAT/egress rows, or an offering denying egress."""
    networks = list(
        Network.objects.filter(
            nics__instance=instance, guest_type=GuestIpType.ISOLATED, removed__isnull=True
        )
        .select_related("network_offering")
        .distinct()
        .order_by("pk")
    )
    if not networks:
        return []
    ids = [n.pk for n in networks]
    states = (RuleState.ADD, RuleState.ACTIVE, RuleState.REVOKE)
    ruled: set[int] = set()
    for model in _MODELS:
        ruled.update(
            model.objects.filter(network_id__in=ids, state__in=states).values_list(
                "network_id", flat=True
            )
        )
    return [n for n in networks if n.pk in ruled or not n.network_offering.egress_default_policy]


def queue_rule_refresh(
    instance: Instance, reason: str, *, acting_user=None, old_host: Host | None = None
) -> list:
    """Queue the jobs that make the hosts running ``instance`` (and ``old_host``, which ran
    it before a stop or a migration) hold its rules, after a lifecycle ``reason``
    (start, migrate, stop, expunge).

    One ``network.rules.apply`` job per isolated network of the instance that has rules,
    and one ``securitygroup.apply`` job when the instance is in security groups; nothing at
    all otherwise, so a plain deploy costs no extra job. The jobs run after commit and push
    the current truth, so calling this inside the caller's transaction is safe.
    """
    if reason not in REFRESH_REASONS:
        raise ValueError(f"unknown rule refresh reason {reason!r}")
    clear = [old_host.pk] if old_host is not None and old_host.pk != instance.host_id else []
    jobs = []
    for network in _networks_with_rules(instance):
        jobs.append(
            create_job(
                NETWORK_APPLY,
                acting_user=acting_user,
                resource=instance,
                params={
                    "network_id": network.pk,
                    "success": True,
                    "reason": reason,
                    "clear_host_ids": clear,
                },
            )
        )
    group_ids = sorted(instance.security_groups.values_list("pk", flat=True))
    if group_ids:
        jobs.append(
            create_job(
                SG_APPLY,
                acting_user=acting_user,
                resource=instance,
                params={
                    "group_ids": group_ids,
                    "instance_id": instance.pk,
                    "host_ids": clear,
                    "reason": reason,
                },
            )
        )
    return jobs


# restartNetwork -----------------------------------------------------------------------------


@job_handler("network.restart")
def restart_network_job(job, report) -> dict:
    """Push ``network``'s rules to its hosts again (``cleanup``: empty rule sets first),
    retrying rules a failed push left in ``Error``; then its instances' security groups."""
    network = Network.objects.select_related("network_offering").get(pk=job.params["network_id"])
    hosts = network_hosts(network)
    if job.params.get("cleanup"):
        empty = c.ApplyNetworkRulesCommand(network_id=f"net-{network.pk}", vlan=_vlan(network))
        for host in hosts:
            report(5, f"Cleaning up the rules on {host.name}")
            agent.send(host, empty)
    for model in _MODELS:
        model.objects.filter(network=network, state=RuleState.ERROR).update(state=RuleState.ADD)
    result = apply_network(network, report)
    group_ids = sorted(
        SecurityGroup.objects.filter(instances__nics__network=network, instances__state__in=RUNNING)
        .values_list("pk", flat=True)
        .distinct()
    )
    if group_ids:
        create_job(
            SG_APPLY,
            acting_user=job.user,
            resource=network,
            params={"group_ids": group_ids, "reason": "restart"},
        )
    return {**result, "cleanup": bool(job.params.get("cleanup")), "security_groups": group_ids}
