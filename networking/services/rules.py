"""Firewall, port forwarding, static NAT and egress rules of guest networks.

Every mutation validates, writes its rows and audit event in one transaction and queues a
``network.rules.apply`` job: the network element (:mod:`networking.rule_handlers`) pushes
the network's complete rule set to the hosts, then marks ``Add`` rows ``Active`` and deletes
``Revoke`` rows, or on failure marks ``Add`` rows ``Error`` and puts ``Revoke`` rows back to
``Active``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from networking.choices import GuestIpType, IpState
from networking.models import IPAddress, Network, Nic
from networking.models_rules import (
    EgressRule,
    FirewallRule,
    PortForwardingRule,
    RuleProtocol,
    RuleState,
    StaticNat,
)
from networking.services._common import parse_cidr
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job

APPLY_COMMAND = "network.rules.apply"
LIVE = (RuleState.ADD, RuleState.ACTIVE)
ANY_CIDR = "0.0.0.0/0"


# Validation helpers (shared with the security groups) ---------------------------------------


def _int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"'{value}' is not a number."}) from exc


def clean_cidrs(cidr_list: Any, field: str = "cidr_list") -> list[str]:
    """A list (or comma-separated string) of IPv4 CIDRs; ``["0.0.0.0/0"]`` when empty."""
    if cidr_list is None or cidr_list == "" or cidr_list == []:
        return [ANY_CIDR]
    items = cidr_list.split(",") if isinstance(cidr_list, str) else list(cidr_list)
    cidrs = []
    for item in items:
        text = str(item).strip()
        if text:
            cidrs.append(str(parse_cidr(text, field).cidr))
    return sorted(set(cidrs)) or [ANY_CIDR]


def clean_match(
    protocol: Any,
    start_port: Any = None,
    end_port: Any = None,
    icmp_type: Any = None,
    icmp_code: Any = None,
    *,
    protocols: tuple[str, ...] = tuple(RuleProtocol.values),
    default_all_ports: bool = True,
) -> dict[str, Any]:
    """Normalised protocol/ports/ICMP fields of a rule, or field errors.

    TCP/UDP take ports 1-65535 with start <= end (end defaults to start; no ports at all
    means every port); ICMP takes type/code (-1 = any) and no ports; ``all`` takes neither.
    """
    proto = str(protocol or "").strip().lower()
    if proto not in protocols:
        raise ValidationError({"protocol": f"Use one of: {', '.join(protocols)}."})
    start, end = _int(start_port, "start_port"), _int(end_port, "end_port")
    itype, icode = _int(icmp_type, "icmp_type"), _int(icmp_code, "icmp_code")
    out: dict[str, Any] = {
        "protocol": proto,
        "start_port": None,
        "end_port": None,
        "icmp_type": None,
        "icmp_code": None,
    }
    if proto in (RuleProtocol.TCP, RuleProtocol.UDP):
        if itype is not None or icode is not None:
            raise ValidationError({"icmp_type": "ICMP type/code only go with protocol icmp."})
        if start is None and end is None:
            if not default_all_ports:
                raise ValidationError({"start_port": "This field is required."})
            start, end = 1, 65535
        start = start if start is not None else end
        end = end if end is not None else start
        errors = {}
        for field, value in (("start_port", start), ("end_port", end)):
            if not 1 <= value <= 65535:
                errors[field] = "Ports are between 1 and 65535."
        if not errors and start > end:
            errors["end_port"] = "The end port is before the start port."
        if errors:
            raise ValidationError(errors)
        out.update(start_port=start, end_port=end)
        return out
    if start is not None or end is not None:
        raise ValidationError({"start_port": f"Protocol {proto} takes no ports."})
    if proto == RuleProtocol.ICMP:
        itype = -1 if itype is None else itype
        icode = -1 if icode is None else icode
        errors = {}
        for field, value in (("icmp_type", itype), ("icmp_code", icode)):
            if not -1 <= value <= 255:
                errors[field] = "Between -1 (any) and 255."
        if errors:
            raise ValidationError(errors)
        out.update(icmp_type=itype, icmp_code=icode)
    elif itype is not None or icode is not None:
        raise ValidationError({"icmp_type": "ICMP type/code only go with protocol icmp."})
    return out


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    if a_start is None or b_start is None:  # icmp/all: the whole protocol
        return True
    return a_start <= b_end and b_start <= a_end


def _usable_ip(ip: IPAddress) -> Network:
    """The isolated network a public IP is associated with (rules need one)."""
    if ip.state != IpState.ALLOCATED or ip.account_id is None:
        raise ValidationError({"ip_address": f"{ip.address} is not allocated to an account."})
    if ip.network_id is None:
        raise ValidationError(
            {"ip_address": f"{ip.address} is not associated with a network; associate it first."}
        )
    if ip.network.guest_type != GuestIpType.ISOLATED:
        raise ValidationError(
            {"ip_address": "Firewall, port forwarding and static NAT need an isolated network."}
        )
    return ip.network


def _instance_nic(instance, network: Network, nic: Nic | None, field: str = "instance") -> Nic:
    """The instance's NIC on ``network`` (the given one must be on it)."""
    if instance.removed is not None or instance.state in ("Destroyed", "Expunging", "Expunged"):
        raise ValidationError({field: f"Instance {instance.name} is destroyed."})
    if nic is None:
        nic = instance.nics.filter(network=network).first()
    if nic is None or nic.instance_id != instance.pk or nic.network_id != network.pk:
        raise ValidationError(
            {field: f"Instance {instance.name} has no NIC on network {network.name}."}
        )
    if not nic.ip_address:
        raise ValidationError({field: f"The NIC of {instance.name} has no IP address."})
    return nic


def queue_apply(network: Network, *, acting_user, resource, success_only: bool = False):
    """The job that pushes ``network``'s rules (after commit)."""
    return create_job(
        APPLY_COMMAND,
        acting_user=acting_user,
        resource=resource,
        params={"network_id": network.pk, "success": success_only},
    )


def _revoke(rule, *, event_type: str, acting_user, client_ip) -> AsyncJob:
    with transaction.atomic():
        type(rule).objects.filter(pk=rule.pk).update(state=RuleState.REVOKE)
        rule.state = RuleState.REVOKE
        record_event(event_type, acting_user=acting_user, resource=rule, client_ip=client_ip)
        return queue_apply(rule.network, acting_user=acting_user, resource=rule, success_only=True)


# Firewall rules -----------------------------------------------------------------------------


def create_firewall_rule(
    *,
    acting_user,
    client_ip=None,
    ip_address: IPAddress,
    protocol: str,
    start_port: int | None = None,
    end_port: int | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    cidr_list: list[str] | str | None = None,
    port_forwarding_rule: PortForwardingRule | None = None,
) -> tuple[FirewallRule, AsyncJob]:
    """Open ingress to a public IP from ``cidr_list`` (CloudStack ``createFirewallRule``).
    An identical rule (same protocol, overlapping ports and same CIDRs) is refused."""
    network = _usable_ip(ip_address)
    match = clean_match(protocol, start_port, end_port, icmp_type, icmp_code)
    cidrs = clean_cidrs(cidr_list)
    with transaction.atomic():
        IPAddress.objects.select_for_update(no_key=True).filter(pk=ip_address.pk).first()
        for other in FirewallRule.objects.filter(
            ip_address=ip_address, protocol=match["protocol"], state__in=LIVE
        ):
            same_cidrs = sorted(other.cidr_list) == cidrs
            if same_cidrs and _overlaps(
                match["start_port"], match["end_port"], other.start_port, other.end_port
            ):
                raise ValidationError(
                    {
                        "start_port": "There is already a firewall rule specified on ip address "
                        f"{ip_address.address} with the same parameters (rule {other.uuid})."
                    }
                )
        rule = FirewallRule.objects.create(
            ip_address=ip_address,
            network=network,
            account=ip_address.account,
            cidr_list=cidrs,
            port_forwarding_rule=port_forwarding_rule,
            **match,
        )
        record_event("FIREWALL.OPEN", acting_user=acting_user, resource=rule, client_ip=client_ip)
        job = queue_apply(network, acting_user=acting_user, resource=rule)
    return rule, job


def delete_firewall_rule(rule: FirewallRule, *, acting_user, client_ip=None) -> AsyncJob:
    """Revoke a firewall rule; the apply job deletes it once the hosts no longer have it."""
    return _revoke(rule, event_type="FIREWALL.CLOSE", acting_user=acting_user, client_ip=client_ip)


# Port forwarding ----------------------------------------------------------------------------


def create_port_forwarding_rule(
    *,
    acting_user,
    client_ip=None,
    ip_address: IPAddress,
    protocol: str,
    public_start_port: int,
    private_start_port: int,
    instance,
    public_end_port: int | None = None,
    private_end_port: int | None = None,
    nic: Nic | None = None,
    open_firewall: bool = True,
    cidr_list: list[str] | str | None = None,
) -> tuple[PortForwardingRule, AsyncJob]:
    """Forward a public port range of an IP to an instance NIC (``createPortForwardingRule``).

    The IP and the instance must belong to the same account and the NIC be on the IP's
    network; public ranges of one IP and protocol may not overlap; an IP with static NAT
    takes no port forwarding. ``open_firewall`` also opens the public ports (from
    ``cidr_list``) with a firewall rule that goes with this rule.
    """
    network = _usable_ip(ip_address)
    public = clean_match(
        protocol,
        public_start_port,
        public_end_port,
        protocols=("tcp", "udp"),
        default_all_ports=False,
    )
    try:
        private = clean_match(
            protocol,
            private_start_port,
            private_end_port,
            protocols=("tcp", "udp"),
            default_all_ports=False,
        )
    except ValidationError as exc:
        raise ValidationError(
            {f"private_{k}": v for k, v in exc.message_dict.items() if k != "protocol"}
            or exc.message_dict
        ) from exc
    if public_end_port is not None and private_end_port is None:
        private["end_port"] = private["start_port"] + public["end_port"] - public["start_port"]
    if public["end_port"] - public["start_port"] != private["end_port"] - private["start_port"]:
        raise ValidationError(
            {"private_end_port": "The private port range must be as long as the public one."}
        )
    if private["end_port"] > 65535:
        raise ValidationError({"private_end_port": "Ports are between 1 and 65535."})
    if instance.account_id != ip_address.account_id:
        raise ValidationError({"instance": "The instance and the IP belong to different accounts."})
    nic = _instance_nic(instance, network, nic)
    with transaction.atomic():
        IPAddress.objects.select_for_update(no_key=True).filter(pk=ip_address.pk).first()
        if StaticNat.objects.filter(ip_address=ip_address).exists():
            raise ValidationError(
                {"ip_address": f"{ip_address.address} has static NAT; it takes no port forwarding."}
            )
        for other in PortForwardingRule.objects.filter(
            ip_address=ip_address, protocol=public["protocol"], state__in=LIVE
        ):
            if _overlaps(
                public["start_port"],
                public["end_port"],
                other.public_start_port,
                other.public_end_port,
            ):
                raise ValidationError(
                    {
                        "public_start_port": (
                            f"The range specified, {public['start_port']}-{public['end_port']}, "
                            f"conflicts with rule {other.uuid} which has "
                            f"{other.public_start_port}-{other.public_end_port}"
                        )
                    }
                )
        rule = PortForwardingRule.objects.create(
            ip_address=ip_address,
            protocol=public["protocol"],
            public_start_port=public["start_port"],
            public_end_port=public["end_port"],
            private_start_port=private["start_port"],
            private_end_port=private["end_port"],
            instance=instance,
            nic=nic,
            network=network,
            account=ip_address.account,
        )
        if open_firewall:
            FirewallRule.objects.create(
                ip_address=ip_address,
                network=network,
                account=ip_address.account,
                protocol=public["protocol"],
                start_port=public["start_port"],
                end_port=public["end_port"],
                cidr_list=clean_cidrs(cidr_list),
                port_forwarding_rule=rule,
            )
        record_event("NET.RULEADD", acting_user=acting_user, resource=rule, client_ip=client_ip)
        job = queue_apply(network, acting_user=acting_user, resource=rule)
    return rule, job


def delete_port_forwarding_rule(
    rule: PortForwardingRule, *, acting_user, client_ip=None
) -> AsyncJob:
    """Revoke a port forwarding rule and the firewall rule opened for it."""
    with transaction.atomic():
        rule.firewall_rules.update(state=RuleState.REVOKE)
        return _revoke(
            rule, event_type="NET.RULEDELETE", acting_user=acting_user, client_ip=client_ip
        )


# Static NAT ---------------------------------------------------------------------------------


def enable_static_nat(
    ip_address: IPAddress, instance, *, acting_user, client_ip=None, nic: Nic | None = None
) -> tuple[StaticNat, AsyncJob]:
    """One-to-one NAT between a public IP and an instance (``enableStaticNat``). Not on the
    source NAT IP, not on an IP with port forwarding, one static NAT IP per instance NIC."""
    network = _usable_ip(ip_address)
    if ip_address.is_source_nat:
        raise ValidationError({"ip_address": "The source NAT IP cannot have static NAT."})
    if instance.account_id != ip_address.account_id:
        raise ValidationError({"instance": "The instance and the IP belong to different accounts."})
    nic = _instance_nic(instance, network, nic)
    with transaction.atomic():
        IPAddress.objects.select_for_update(no_key=True).filter(pk=ip_address.pk).first()
        existing = StaticNat.objects.filter(Q(ip_address=ip_address) | Q(nic=nic)).first()
        if existing is not None:
            what = "IP" if existing.ip_address_id == ip_address.pk else "instance NIC"
            raise ValidationError({"ip_address": f"The {what} already has static NAT."})
        if PortForwardingRule.objects.filter(ip_address=ip_address, state__in=LIVE).exists():
            raise ValidationError(
                {"ip_address": f"{ip_address.address} has port forwarding rules."}
            )
        nat = StaticNat.objects.create(
            ip_address=ip_address,
            instance=instance,
            nic=nic,
            network=network,
            account=ip_address.account,
        )
        record_event("STATICNAT.ENABLE", acting_user=acting_user, resource=nat, client_ip=client_ip)
        job = queue_apply(network, acting_user=acting_user, resource=nat)
    return nat, job


def disable_static_nat(ip_address: IPAddress, *, acting_user, client_ip=None) -> AsyncJob:
    """Remove the static NAT of a public IP (``disableStaticNat``)."""
    nat = StaticNat.objects.filter(ip_address=ip_address).select_related("network").first()
    if nat is None or nat.state == RuleState.REVOKE:
        raise ValidationError({"ip_address": f"{ip_address.address} has no static NAT."})
    return _revoke(
        nat, event_type="STATICNAT.DISABLE", acting_user=acting_user, client_ip=client_ip
    )


# Egress rules -------------------------------------------------------------------------------


def create_egress_rule(
    *,
    acting_user,
    client_ip=None,
    network: Network,
    protocol: str,
    start_port: int | None = None,
    end_port: int | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    cidr_list: list[str] | str | None = None,
) -> tuple[EgressRule, AsyncJob]:
    """Egress from guests of an isolated network (``createEgressFirewallRule``); sources
    default to the network's CIDR and must lie inside it."""
    if network.guest_type != GuestIpType.ISOLATED or network.removed is not None:
        raise ValidationError({"network": "Egress rules need an isolated network."})
    match = clean_match(protocol, start_port, end_port, icmp_type, icmp_code)
    cidrs = clean_cidrs(cidr_list or (network.cidr or None))
    if network.cidr:
        guest = parse_cidr(network.cidr, "network")
        for cidr in cidrs:
            if parse_cidr(cidr, "cidr_list") not in guest:
                raise ValidationError(
                    {"cidr_list": f"{cidr} is not inside the network's CIDR {network.cidr}."}
                )
    with transaction.atomic():
        rule = EgressRule.objects.create(
            network=network, account=network.account, cidr_list=cidrs, **match
        )
        record_event(
            "FIREWALL.EGRESS.OPEN", acting_user=acting_user, resource=rule, client_ip=client_ip
        )
        job = queue_apply(network, acting_user=acting_user, resource=rule)
    return rule, job


def delete_egress_rule(rule: EgressRule, *, acting_user, client_ip=None) -> AsyncJob:
    """Revoke an egress rule."""
    return _revoke(
        rule, event_type="FIREWALL.EGRESS.CLOSE", acting_user=acting_user, client_ip=client_ip
    )
