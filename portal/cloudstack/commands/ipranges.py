"""IP and VLAN range commands: deleteVlanIpRange, dedicatePublicIpRange,
releasePublicIpRange, dedicateGuestVlanRange, listDedicatedGuestVlanRanges and
releaseDedicatedGuestVlanRange (networking.services.dedication / ipam)."""

from __future__ import annotations

from compute.models import Zone
from networking import services
from networking.models import DedicatedGuestVlanRange, PhysicalNetwork, PublicIpRange
from networking.services import dedication
from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.registry import command
from portal.models import Account, Domain, Project

from ._common import Param, shape, success, uid
from .networks import VLAN_RANGE, _owner_account


def _range_queryset():
    return PublicIpRange.objects.select_related(
        "zone", "pod", "network", "physical_network", "account__domain", "domain"
    )


@command(
    "deleteVlanIpRange",
    "Deletes a VLAN IP range (refused while any of its addresses is allocated).",
    params=[Param("id", "uuid", required=True, related="listVlanIpRanges")],
)
def delete_vlan_ip_range(ctx):
    ip_range = ctx.get(PublicIpRange, "id", action="change", required=True)
    services.delete_public_ip_range(ip_range, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


def _project(ctx):
    return ctx.get(Project, "projectid")


@command(
    "dedicatePublicIpRange",
    "Dedicates a Public IP range to an account (or a domain)",
    params=[
        Param("id", "uuid", required=True, related="listVlanIpRanges"),
        Param("account", description="account who will own the VLAN"),
        Param("projectid", "uuid", description="project who will own the VLAN"),
        Param("domainid", "uuid", required=True, related="listDomains"),
    ],
    shape=VLAN_RANGE,
)
def dedicate_public_ip_range(ctx):
    ip_range = ctx.get(PublicIpRange, "id", action="change", required=True)
    domain = ctx.get(Domain, "domainid", required=True)
    project = _project(ctx)
    account = project.account if project is not None else _owner_account(ctx)
    dedication.dedicate_public_ip_range(
        ip_range,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=account,
        domain=None if account is not None else domain,
    )
    return ctx.one(_range_queryset().get(pk=ip_range.pk))


@command(
    "releasePublicIpRange",
    "Releases a Public IP range back to the system pool",
    params=[Param("id", "uuid", required=True, related="listVlanIpRanges")],
)
def release_public_ip_range(ctx):
    ip_range = ctx.get(PublicIpRange, "id", action="change", required=True)
    dedication.release_public_ip_range(ip_range, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@shape(
    "dedicatedguestvlanrange",
    "id account domainid domain domainpath guestvlanrange projectid project "
    "physicalnetworkid zoneid",
)
def GUEST_VLAN_RANGE(r, ctx):
    return {
        "id": uid(r),
        "account": r.account.name if r.account else None,
        "domainid": uid(r.domain),
        "domain": r.domain.name,
        "domainpath": r.domain.path,
        "guestvlanrange": f"{r.start}-{r.end}",
        "projectid": uid(r.project),
        "project": r.project.name if r.project else None,
        "physicalnetworkid": uid(r.physical_network),
        "zoneid": uid(r.physical_network.zone),
    }


def _vlan_ranges():
    return DedicatedGuestVlanRange.objects.select_related(
        "account", "domain", "project", "physical_network__zone"
    )


@command(
    "dedicateGuestVlanRange",
    "Dedicates a guest vlan range to an account (or project, or domain)",
    params=[
        Param("vlanrange", required=True, description="guest vlan range to be dedicated"),
        Param("account", description="account who will own the VLAN"),
        Param("projectid", "uuid", description="project who will own the VLAN"),
        Param("domainid", "uuid", related="listDomains"),
        Param("physicalnetworkid", "uuid", required=True, related="listPhysicalNetworks"),
    ],
    shape=GUEST_VLAN_RANGE,
)
def dedicate_guest_vlan_range(ctx):
    physical = ctx.get(PhysicalNetwork, "physicalnetworkid", action="change", required=True)
    dedicated = dedication.dedicate_guest_vlan_range(
        physical,
        ctx.str("vlanrange", required=True),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx),
        domain=ctx.get(Domain, "domainid"),
        project=_project(ctx),
    )
    return ctx.one(_vlan_ranges().get(pk=dedicated.pk))


@command(
    "listDedicatedGuestVlanRanges",
    "Lists dedicated guest vlan ranges",
    params=[
        Param("id", "uuid", related="listDedicatedGuestVlanRanges"),
        Param("account", description="the account with which the guest VLAN range is associated"),
        Param("projectid", "uuid", description="project who will own the guest VLAN range"),
        Param("domainid", "uuid", related="listDomains"),
        Param("guestvlanrange", description="the dedicated guest vlan range"),
        Param("physicalnetworkid", "uuid", related="listPhysicalNetworks"),
        Param("zoneid", "uuid", related="listZones"),
    ],
    shape=GUEST_VLAN_RANGE,
    is_list=True,
)
def list_dedicated_guest_vlan_ranges(ctx):
    qs = _vlan_ranges().restrict(ctx.user, "view")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(DedicatedGuestVlanRange, "id").pk)
    if ctx.has("physicalnetworkid"):
        qs = qs.filter(physical_network=ctx.get(PhysicalNetwork, "physicalnetworkid"))
    if ctx.has("zoneid"):
        qs = qs.filter(physical_network__zone=ctx.get(Zone, "zoneid"))
    if ctx.has("projectid"):
        qs = qs.filter(project=_project(ctx))
    domain = ctx.get(Domain, "domainid")
    if domain is not None:
        qs = qs.filter(domain=domain)
    if ctx.has("account"):
        accounts = Account.objects.filter(name=ctx.str("account"))
        qs = qs.filter(account__in=accounts.filter(domain=domain) if domain else accounts)
    if ctx.has("guestvlanrange"):
        start, end = dedication.parse_range(ctx.str("guestvlanrange"))
        qs = qs.filter(start=start, end=end)
    return ctx.listing(qs.order_by("physical_network_id", "start"))


@command(
    "releaseDedicatedGuestVlanRange",
    "Releases a dedicated guest vlan range to the system",
    params=[Param("id", "uuid", required=True, related="listDedicatedGuestVlanRanges")],
    isasync=True,
)
def release_dedicated_guest_vlan_range(ctx):
    dedicated = ctx.get(DedicatedGuestVlanRange, "id", action="change", required=True)
    dedication.release_dedicated_guest_vlan_range(
        dedicated, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return answer(completed_job(ctx, None, success_only=True))
