"""How much of upstream CloudStack's API ``/client/api`` implements, per command group:
commands implemented / upstream, and for the implemented ones their parameters implemented
/ upstream (the rest are refused with 431). ``manage.py cloudstack_parity`` writes it.

Groups follow upstream's API documentation (``tools/apidoc/gen_toc.py`` files a command
under the first known word its name contains); a command none of them matches is filed
under its noun (``listWidgets`` -> ``Widget``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.cloudstack import upstream

# (word in the command name, group), most specific first.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("login", "Authentication"),
    ("logout", "Authentication"),
    ("OutOfBand", "Out-of-band Management"),
    ("SystemVm", "System VM"),
    ("Router", "Router"),
    ("VMSnapshot", "VM Snapshot"),
    ("UnmanagedInstance", "Virtual Machine"),
    ("VirtualMachine", "Virtual Machine"),
    ("VMSchedule", "Virtual Machine"),
    ("InstanceGroup", "VM Group"),
    ("AffinityGroup", "Affinity Group"),
    ("SecurityGroup", "Security Group"),
    ("SSHKey", "SSH"),
    ("ServiceOffering", "Service Offering"),
    ("DiskOffering", "Disk Offering"),
    ("NetworkOffering", "Network Offering"),
    ("VPCOffering", "VPC"),
    ("VpcOffering", "VPC"),
    ("Backup", "Backup and Recovery"),
    ("Template", "Template"),
    ("Iso", "ISO"),
    ("Snapshot", "Snapshot"),
    ("Volume", "Volume"),
    ("ImageStore", "Image Store"),
    ("SecondaryStorage", "Image Store"),
    ("SecondaryStagingStore", "Image Store"),
    ("ObjectStore", "Object Store"),
    ("Bucket", "Object Store"),
    ("StoragePool", "Storage Pool"),
    ("StorageMaintenance", "Storage Pool"),
    ("StorageProvider", "Storage Pool"),
    ("GuestVlan", "VLAN"),
    ("Vlan", "VLAN"),
    ("PortForwarding", "Firewall"),
    ("Firewall", "Firewall"),
    ("StaticNat", "NAT"),
    ("IpForwarding", "NAT"),
    ("LoadBalancer", "Load Balancer"),
    ("LBStickiness", "Load Balancer"),
    ("LBHealth", "Load Balancer"),
    ("SslCert", "Load Balancer"),
    ("NetworkACL", "Network ACL"),
    ("PortableIp", "Portable IP"),
    ("PublicIpRange", "Network"),
    ("IpAddress", "Address"),
    ("Vpn", "VPN"),
    ("PrivateGateway", "VPC"),
    ("StaticRoute", "VPC"),
    ("VPC", "VPC"),
    ("Vpc", "VPC"),
    ("Nic", "Nic"),
    ("Network", "Network"),
    ("TrafficType", "Network"),
    ("Host", "Host"),
    ("Cluster", "Cluster"),
    ("Pod", "Pod"),
    ("Zone", "Zone"),
    ("Project", "Project"),
    ("Account", "Account"),
    ("User", "User"),
    ("Domain", "Domain"),
    ("Role", "Role"),
    ("ResourceLimit", "Limit"),
    ("ResourceCount", "Limit"),
    ("Configuration", "Configuration"),
    ("Capabilities", "Configuration"),
    ("DeploymentPlanners", "Configuration"),
    ("Capacity", "System Capacity"),
    ("AsyncJob", "Async job"),
    ("Event", "Event"),
    ("Alert", "Alert"),
    ("Tags", "Resource tags"),
    ("Detail", "Resource metadata"),
    ("Apis", "API Discovery"),
    ("Hypervisor", "Hypervisor"),
    ("OsType", "Guest OS"),
    ("OsCategor", "Guest OS"),
    ("GuestOs", "Guest OS"),
    ("Region", "Region"),
    ("Certificate", "Certificate"),
    ("CA", "Certificate"),
    ("Kubernetes", "Kubernetes Service"),
    ("Extension", "Extension"),
    ("Quota", "Quota"),
    ("Usage", "Usage"),
    ("ManagementServer", "Management"),
    ("Ldap", "LDAP"),
    ("ldap", "LDAP"),
    ("Metrics", "Metrics"),
    ("CustomAction", "Extension"),
)
_VERB = re.compile(r"^[a-z]+")


def group_of(command: str) -> str:
    for word, group in CATEGORIES:
        if word in command:
            return group
    noun = _VERB.sub("", command) or command
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


@dataclass
class Group:
    """One group's counts: commands (``implemented`` of ``upstream``) and the parameters of
    its implemented commands."""

    name: str
    upstream: list[str] = field(default_factory=list)
    implemented: list[str] = field(default_factory=list)
    params: int = 0
    params_upstream: int = 0


@dataclass
class CommandParity:
    name: str
    declared: list[str]
    refused: list[str]

    @property
    def upstream(self) -> int:
        return len(self.declared) + len(self.refused)


def command_parity(registry) -> dict[str, CommandParity]:
    """Per implemented command (that upstream has): its upstream parameters we implement
    and those we refuse."""
    out = {}
    for name, cmd in registry.items():
        if upstream.upstream_name(name) is None:
            continue
        declared = {p.name.lower() for p in cmd.params}
        wanted = upstream.params(name)
        out[name] = CommandParity(name, sorted(wanted & declared), sorted(wanted - declared))
    return out


def groups(registry) -> tuple[list[Group], dict[str, CommandParity]]:
    per_command = command_parity(registry)
    found: dict[str, Group] = {}
    for name in upstream.commands():
        group = found.setdefault(group_of(name), Group(group_of(name)))
        group.upstream.append(name)
        if name in per_command:
            group.implemented.append(name)
            group.params += len(per_command[name].declared)
            group.params_upstream += per_command[name].upstream
    ordered = sorted(found.values(), key=lambda g: (-len(g.implemented), -len(g.upstream), g.name))
    return ordered, per_command


def _ratio(part: int, whole: int) -> str:
    return f"{part} / {whole}" + (f" ({100 * part / whole:.0f}%)" if whole else "")


def totals(registry) -> dict[str, int]:
    per_command = command_parity(registry)
    return {
        "commands": len(per_command),
        "commands_upstream": len(upstream.commands()),
        "params": sum(len(c.declared) for c in per_command.values()),
        "params_upstream": sum(c.upstream for c in per_command.values()),
    }


def markdown(registry) -> str:
    """The report: totals, the table of groups, then every implemented command with the
    upstream parameters it refuses."""
    ordered, per_command = groups(registry)
    total = totals(registry)
    lines = [
        "# CloudStack API parity",
        "",
        "Generated by `manage.py cloudstack_parity` (also run by `make bench`); do not edit.",
        f"Reference: {upstream.reference()['source']}.",
        "",
        f"- Commands implemented: **{_ratio(total['commands'], total['commands_upstream'])}**",
        "- Parameters implemented, for the implemented commands: "
        f"**{_ratio(total['params'], total['params_upstream'])}**; every other upstream "
        "parameter of these commands is refused with error 431 naming it (protocol "
        "parameters such as `response`, `apiKey`, `signature` are not counted).",
        "",
        "| Group | Commands implemented / upstream | Parameters implemented / upstream |",
        "|---|---|---|",
    ]
    for g in ordered:
        params = _ratio(g.params, g.params_upstream) if g.implemented else "–"
        lines.append(f"| {g.name} | {_ratio(len(g.implemented), len(g.upstream))} | {params} |")
    lines += [
        "",
        "## Implemented commands",
        "",
        "| Command | Parameters | Refused with 431 (not implemented) |",
        "|---|---|---|",
    ]
    for name in sorted(per_command, key=str.lower):
        c = per_command[name]
        refused = ", ".join(f"`{p}`" for p in c.refused) or "–"
        lines.append(f"| `{name}` | {len(c.declared)} / {c.upstream} | {refused} |")
    return "\n".join(lines) + "\n"
