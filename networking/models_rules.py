"""Network rules: firewall, port forwarding and static NAT on public IPs, egress rules of a
guest network, and security groups (with their rules and member instances).

Rules carry CloudStack's states: ``Add`` until the network element has pushed them to the
agents, ``Active`` once applied, ``Revoke`` while their removal is being pushed (the row is
deleted when that succeeds) and ``Error`` when the push failed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.choices import ColoredChoices
from portal.models import PortalModel


class RuleProtocol(models.TextChoices):
    TCP = "tcp", "TCP"
    UDP = "udp", "UDP"
    ICMP = "icmp", "ICMP"
    ALL = "all", "All"


class RuleState(ColoredChoices):
    ADD = "Add", "Add"
    ACTIVE = "Active", "Active"
    REVOKE = "Revoke", "Revoke"
    ERROR = "Error", "Error"


RuleState._colors = {"Add": "info", "Active": "success", "Revoke": "warning", "Error": "danger"}


class RuleDirection(models.TextChoices):
    INGRESS = "ingress", "Ingress"
    EGRESS = "egress", "Egress"


class _PortRule(PortalModel):
    """Protocol, port range (TCP/UDP) or ICMP type/code, and the CIDRs a rule applies to."""

    protocol = models.CharField(verbose_name="protocol", max_length=8, choices=RuleProtocol.choices)
    start_port = models.PositiveIntegerField(verbose_name="start port", null=True, blank=True)
    end_port = models.PositiveIntegerField(verbose_name="end port", null=True, blank=True)
    icmp_type = models.SmallIntegerField(verbose_name="ICMP type", null=True, blank=True)
    icmp_code = models.SmallIntegerField(verbose_name="ICMP code", null=True, blank=True)
    cidr_list = models.JSONField(verbose_name="CIDR list", default=list, blank=True)
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=RuleState.choices,
        default=RuleState.ADD,
        db_index=True,
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        if self.protocol in (RuleProtocol.TCP, RuleProtocol.UDP):
            return f"{self.protocol} {self.start_port}-{self.end_port}"
        return str(self.protocol)


class FirewallRule(_PortRule):
    """Ingress to a public IP allowed from ``cidr_list`` (CloudStack purpose ``Firewall``)."""

    ip_address = models.ForeignKey(
        "networking.IPAddress",
        verbose_name="public IP",
        on_delete=models.PROTECT,
        related_name="firewall_rules",
    )
    network = models.ForeignKey(
        "networking.Network",
        verbose_name="network",
        on_delete=models.CASCADE,
        related_name="firewall_rules",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="firewall_rules",
    )
    purpose = models.CharField(verbose_name="purpose", max_length=16, default="Firewall")
    port_forwarding_rule = models.ForeignKey(
        "networking.PortForwardingRule",
        verbose_name="opened for port forwarding rule",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="firewall_rules",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "firewall rule"


class PortForwardingRule(PortalModel):
    """Public IP + port range forwarded to an instance NIC's private port range."""

    ip_address = models.ForeignKey(
        "networking.IPAddress",
        verbose_name="public IP",
        on_delete=models.PROTECT,
        related_name="port_forwarding_rules",
    )
    protocol = models.CharField(
        verbose_name="protocol",
        max_length=8,
        choices=[(RuleProtocol.TCP, "TCP"), (RuleProtocol.UDP, "UDP")],
    )
    public_start_port = models.PositiveIntegerField(verbose_name="public start port")
    public_end_port = models.PositiveIntegerField(verbose_name="public end port")
    private_start_port = models.PositiveIntegerField(verbose_name="private start port")
    private_end_port = models.PositiveIntegerField(verbose_name="private end port")
    instance = models.ForeignKey(
        "compute.Instance",
        verbose_name="instance",
        on_delete=models.CASCADE,
        related_name="port_forwarding_rules",
    )
    nic = models.ForeignKey(
        "networking.Nic",
        verbose_name="NIC",
        on_delete=models.CASCADE,
        related_name="port_forwarding_rules",
    )
    network = models.ForeignKey(
        "networking.Network",
        verbose_name="network",
        on_delete=models.CASCADE,
        related_name="port_forwarding_rules",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="port_forwarding_rules",
    )
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=RuleState.choices,
        default=RuleState.ADD,
        db_index=True,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "port forwarding rule"

    def __str__(self) -> str:
        return (
            f"{self.protocol} {self.public_start_port}-{self.public_end_port} -> "
            f"{self.private_start_port}-{self.private_end_port}"
        )


class StaticNat(PortalModel):
    """One-to-one NAT between a public IP and an instance NIC."""

    ip_address = models.OneToOneField(
        "networking.IPAddress",
        verbose_name="public IP",
        on_delete=models.PROTECT,
        related_name="static_nat",
    )
    instance = models.ForeignKey(
        "compute.Instance",
        verbose_name="instance",
        on_delete=models.CASCADE,
        related_name="static_nats",
    )
    nic = models.ForeignKey(
        "networking.Nic", verbose_name="NIC", on_delete=models.CASCADE, related_name="static_nats"
    )
    network = models.ForeignKey(
        "networking.Network",
        verbose_name="network",
        on_delete=models.CASCADE,
        related_name="static_nats",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="static_nats",
    )
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=RuleState.choices,
        default=RuleState.ADD,
        db_index=True,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "static NAT"

    def __str__(self) -> str:
        return f"{self.ip_address_id} <-> {self.nic_id}"


class EgressRule(_PortRule):
    """Traffic leaving a guest network from ``cidr_list`` (sources inside the network): an
    allow rule when the offering denies egress by default, a deny rule otherwise."""

    network = models.ForeignKey(
        "networking.Network",
        verbose_name="network",
        on_delete=models.CASCADE,
        related_name="egress_rules",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="egress_rules",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "egress rule"


class SecurityGroup(PortalModel):
    """An account's named set of ingress/egress rules applied to its member instances on the
    hypervisor hosts. Every account has a ``default`` group, created on first use."""

    name = models.CharField(verbose_name="name", max_length=255)
    description = models.CharField(verbose_name="description", max_length=4096, blank=True)
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="security_groups",
    )
    instances = models.ManyToManyField(
        "compute.Instance",
        verbose_name="instances",
        blank=True,
        related_name="security_groups",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "security group"
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="securitygroup_unique_name")
        ]


class SecurityGroupRule(_PortRule):
    """One ingress or egress rule of a group: from/to a CIDR or the members of a group."""

    security_group = models.ForeignKey(
        SecurityGroup,
        verbose_name="security group",
        on_delete=models.CASCADE,
        related_name="rules",
    )
    direction = models.CharField(
        verbose_name="direction", max_length=8, choices=RuleDirection.choices
    )
    remote_group = models.ForeignKey(
        SecurityGroup,
        verbose_name="remote group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referencing_rules",
    )

    tenant_scope = "security_group__account"

    class Meta:
        ordering = ["id"]
        verbose_name = "security group rule"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_port__isnull=True) | Q(start_port__lte=65535),
                name="securitygrouprule_port_range",
            )
        ]


__all__ = [
    "EgressRule",
    "FirewallRule",
    "PortForwardingRule",
    "RuleDirection",
    "RuleProtocol",
    "RuleState",
    "SecurityGroup",
    "SecurityGroupRule",
    "StaticNat",
]
