"""Dedication: guest VLAN ranges and public IP ranges given to an account (or a project's
account) or to a domain subtree (CloudStack's ``dedicateGuestVlanRange``,
``releaseDedicatedGuestVlanRange``, ``dedicatePublicIpRange``, ``releasePublicIpRange``).

Allocation (``allocate_guest_vlan``) gives a network a VLAN of a range dedicated to its
account or its domain first, then one of the shared pool; a VLAN of a range dedicated to
someone else is never given to it. Public addresses of a dedicated range go only to its
account or domain (``ipam.allocate_public_ip``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from networking.models import (
    DedicatedGuestVlanRange,
    GuestVlan,
    Network,
    PhysicalNetwork,
    PublicIpRange,
)
from networking.services.ipam import ancestor_paths, update_public_ip_range
from portal.services.audit import record_event


def parse_range(text: str) -> tuple[int, int]:
    """``"100-110"`` (or ``"105"``) -> (100, 110), or a field error."""
    parts = [p.strip() for p in str(text or "").split("-")]
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise ValidationError({"vlanrange": f"'{text}' is not a VLAN range such as 100-110."})
    start, end = int(parts[0]), int(parts[-1])
    if start > end:
        raise ValidationError({"vlanrange": "The first VLAN of the range is after the last."})
    return start, end


def _owned_by(dedicated: DedicatedGuestVlanRange, network: Network) -> bool:
    if dedicated.account_id:
        return dedicated.account_id == network.account_id
    return dedicated.domain.path in ancestor_paths(network.domain.path)


def vlan_preferences(network: Network) -> tuple[Q | None, Q | None]:
    """(the VLANs dedicated to ``network``'s owner, the VLANs dedicated to others) of its
    physical network, as ``vnet`` filters (None: there are none)."""
    mine: Q | None = None
    foreign: Q | None = None
    for dedicated in DedicatedGuestVlanRange.objects.filter(
        physical_network_id=network.physical_network_id
    ).select_related("domain"):
        span = Q(vnet__gte=dedicated.start, vnet__lte=dedicated.end)
        if _owned_by(dedicated, network):
            mine = span if mine is None else mine | span
        else:
            foreign = span if foreign is None else foreign | span
    return mine, foreign


def dedicate_guest_vlan_range(
    physical_network: PhysicalNetwork,
    vlan_range: str,
    *,
    acting_user,
    account=None,
    domain=None,
    project=None,
    client_ip=None,
) -> DedicatedGuestVlanRange:
    """Dedicate the VLANs ``vlan_range`` of ``physical_network`` to ``account`` (or the
    owner of ``project``) or, without an account, to ``domain``'s subtree.

    The VLANs must belong to the physical network's range, no other dedicated range may
    overlap them, and none may be in use by a network of another owner."""
    start, end = parse_range(vlan_range)
    if project is not None:
        account = project.account
    if account is None and domain is None:
        raise ValidationError({"account": "Dedicate the range to an account, project or domain."})
    if account is not None:
        if domain is not None and account.domain_id != domain.pk:
            raise ValidationError({"account": "The account is not in that domain."})
        domain = account.domain
    with transaction.atomic():
        vlans = GuestVlan.objects.filter(
            physical_network=physical_network, vnet__gte=start, vnet__lte=end
        )
        if vlans.count() != end - start + 1:
            raise ValidationError(
                {
                    "vlanrange": f"VLANs {start}-{end} are not all in the guest VLAN range "
                    f"{physical_network.vlan_range or '(none)'} of {physical_network.name}."
                }
            )
        overlap = DedicatedGuestVlanRange.objects.filter(
            physical_network=physical_network, start__lte=end, end__gte=start
        ).first()
        if overlap is not None:
            raise ValidationError(
                {"vlanrange": f"The range overlaps the dedicated range {overlap}."}
            )
        candidate = DedicatedGuestVlanRange(
            physical_network=physical_network,
            start=start,
            end=end,
            account=account,
            domain=domain,
            project=project,
        )
        for vlan in vlans.filter(network__isnull=False).select_related("network__domain"):
            if not _owned_by(candidate, vlan.network):
                raise ValidationError(
                    {
                        "vlanrange": f"Guest VLAN {vlan.vnet} is in use by network "
                        f"{vlan.network.name} of another owner."
                    }
                )
        candidate.full_clean()
        candidate.save()
        record_event(
            "GUESTVLANRANGE.DEDICATE",
            acting_user=acting_user,
            resource=candidate,
            client_ip=client_ip,
            description=f"Dedicated guest VLANs {start}-{end} of {physical_network.name}",
        )
    return candidate


def release_dedicated_guest_vlan_range(
    dedicated: DedicatedGuestVlanRange, *, acting_user, client_ip=None
) -> None:
    """Return a dedicated range to the shared pool (networks keep the VLANs they have)."""
    with transaction.atomic():
        record_event(
            "GUESTVLANRANGE.RELEASE",
            acting_user=acting_user,
            resource=dedicated,
            client_ip=client_ip,
            description=f"Released dedicated guest VLANs {dedicated}",
        )
        dedicated.delete()


# Public IP ranges ---------------------------------------------------------------------------


def dedicate_public_ip_range(
    ip_range: PublicIpRange, *, acting_user, account=None, domain=None, client_ip=None
) -> PublicIpRange:
    """Dedicate a public range to ``account`` or, without one, to ``domain``'s subtree:
    only they get its addresses from then on. Addresses already allocated to someone else
    refuse it."""
    if ip_range.network_id or not ip_range.for_virtual_network:
        raise ValidationError({"id": "Only public IP ranges (of no guest network) are dedicated."})
    if ip_range.account_id or ip_range.domain_id:
        raise ValidationError({"id": f"Public IP range {ip_range} is already dedicated."})
    if account is None and domain is None:
        raise ValidationError({"domainid": "Dedicate the range to an account or a domain."})
    if account is not None and domain is not None and account.domain_id != domain.pk:
        raise ValidationError({"account": "The account is not in that domain."})
    allocated = ip_range.addresses.filter(account__isnull=False).select_related("account__domain")
    for ip in allocated:
        owner_ok = (
            ip.account_id == account.pk
            if account is not None
            else domain.path in ancestor_paths(ip.account.domain.path)
        )
        if not owner_ok:
            raise ValidationError(
                {"id": f"Public IP {ip.address} of the range is allocated to another account."}
            )
    changes = {"account": account, "domain": None} if account else {"domain": domain}
    return update_public_ip_range(ip_range, acting_user=acting_user, client_ip=client_ip, **changes)


def release_public_ip_range(ip_range: PublicIpRange, *, acting_user, client_ip=None):
    """Return a dedicated public range to the system pool (allocated addresses stay with
    their owners until released)."""
    if not ip_range.account_id and not ip_range.domain_id:
        raise ValidationError({"id": f"Public IP range {ip_range} is not dedicated."})
    return update_public_ip_range(
        ip_range, acting_user=acting_user, client_ip=client_ip, account=None, domain=None
    )
