"""Physical networks, their traffic types and guest VLAN pools."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from networking.choices import IsolationMethod, TrafficKind
from networking.models import GuestVlan, Network, PhysicalNetwork, TrafficType
from networking.services._common import lock_free_rows
from networking.services.errors import InsufficientCapacity
from portal.services.audit import record_event
from portal.services.base import apply_changes, delete_with_event

VLAN_MAX = 4094
VXLAN_MAX = 16777214
#: Upper bound of guest VLAN rows one physical network may materialise.
MAX_GUEST_VLANS = 100_000


def parse_vlan_range(value: str, isolation_method: str = IsolationMethod.VLAN):
    """Parse ``"100-199,300-310"`` into sorted ``(start, end)`` pairs, or raise a field error.

    IDs are 1-4094 for VLAN (and L3) and 1-16777214 for VXLAN; each start <= end; the ranges
    must not overlap each other. A single ID (``"42"``) is a range of one.
    """
    top = VXLAN_MAX if isolation_method == IsolationMethod.VXLAN else VLAN_MAX
    ranges: list[tuple[int, int]] = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            if value and value.strip():
                raise ValidationError({"vlan_range": f"'{value}' has an empty range."})
            continue
        bounds = [b.strip() for b in part.split("-")]
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            raise ValidationError(
                {"vlan_range": f"'{part}' is not a range like 100-199 of whole numbers."}
            )
        start, end = int(bounds[0]), int(bounds[-1])
        for number in (start, end):
            if not 1 <= number <= top:
                raise ValidationError(
                    {"vlan_range": f"{number} is outside 1-{top} for {isolation_method}."}
                )
        if start > end:
            raise ValidationError({"vlan_range": f"'{part}': the start is after the end."})
        ranges.append((start, end))
    ranges.sort()
    for (_, prev_end), (start, end) in zip(ranges, ranges[1:], strict=False):
        if start <= prev_end:
            overlap = f"{start}-{min(end, prev_end)}"
            raise ValidationError({"vlan_range": f"Ranges overlap at {overlap}."})
    return ranges


def _check_zone_overlap(physical_network: PhysicalNetwork, ranges) -> None:
    others = PhysicalNetwork.objects.filter(zone_id=physical_network.zone_id).exclude(
        pk=physical_network.pk
    )
    for other in others:
        try:
            theirs = parse_vlan_range(other.vlan_range, IsolationMethod.VXLAN)
        except ValidationError:
            continue
        for start, end in ranges:
            for o_start, o_end in theirs:
                if start <= o_end and o_start <= end:
                    raise ValidationError(
                        {
                            "vlan_range": f"{start}-{end} overlaps {o_start}-{o_end} of "
                            f"physical network '{other.name}' in the same zone."
                        }
                    )


def _validate_physical_network(physical_network: PhysicalNetwork) -> set[int]:
    """Validate ``physical_network`` and return the VLAN IDs its range covers."""
    ranges = parse_vlan_range(physical_network.vlan_range, physical_network.isolation_method)
    count = sum(end - start + 1 for start, end in ranges)
    if count > MAX_GUEST_VLANS:
        raise ValidationError(
            {"vlan_range": f"{count} VLAN IDs; at most {MAX_GUEST_VLANS} per physical network."}
        )
    duplicate = PhysicalNetwork.objects.filter(
        zone_id=physical_network.zone_id, name=physical_network.name
    ).exclude(pk=physical_network.pk)
    if physical_network.zone_id and duplicate.exists():
        raise ValidationError({"name": "A physical network with this name exists in the zone."})
    physical_network.full_clean(validate_constraints=False)
    _check_zone_overlap(physical_network, ranges)
    return {vnet for start, end in ranges for vnet in range(start, end + 1)}


def _sync_guest_vlans(physical_network: PhysicalNetwork, wanted: set[int]) -> None:
    """Make the GuestVlan rows match ``wanted``; refuse to drop VLANs in use."""
    existing = dict(
        GuestVlan.objects.filter(physical_network=physical_network).values_list(
            "vnet", "network_id"
        )
    )
    dropped = sorted(vnet for vnet in existing if vnet not in wanted)
    in_use = [vnet for vnet in dropped if existing[vnet] is not None]
    if in_use:
        shown = ", ".join(str(v) for v in in_use[:10])
        raise ValidationError(
            {"vlan_range": f"VLANs in use by networks cannot be removed: {shown}."}
        )
    if dropped:
        # Re-check under the WHERE so a VLAN allocated meanwhile is not dropped.
        removed = GuestVlan.objects.filter(
            physical_network=physical_network, vnet__in=dropped, network__isnull=True
        ).delete()[0]
        if removed != len(dropped):
            raise ValidationError({"vlan_range": "A VLAN being removed was just allocated."})
    GuestVlan.objects.bulk_create(
        [
            GuestVlan(physical_network=physical_network, vnet=vnet)
            for vnet in sorted(wanted - existing.keys())
        ],
        batch_size=1000,
    )


def create_physical_network(*, acting_user, client_ip=None, **fields) -> PhysicalNetwork:
    """Create a physical network in a zone and materialise its guest VLAN rows."""
    physical_network = PhysicalNetwork(**fields)
    wanted = _validate_physical_network(physical_network)
    with transaction.atomic():
        physical_network.save()
        _sync_guest_vlans(physical_network, wanted)
        record_event(
            "PHYSICAL.NETWORK.CREATE",
            acting_user=acting_user,
            resource=physical_network,
            client_ip=client_ip,
        )
    return physical_network


def update_physical_network(
    physical_network: PhysicalNetwork, *, acting_user, client_ip=None, **changes
) -> PhysicalNetwork:
    """Change a physical network (name, VLAN range, state...); the VLAN rows follow the range.

    The zone cannot change. Shrinking the range refuses to drop VLANs in use, leaving
    everything as it was.
    """
    if "zone" in changes and changes["zone"].pk != physical_network.zone_id:
        raise ValidationError({"zone": "The zone of a physical network cannot change."})
    original = {f: getattr(physical_network, f) for f in changes}
    apply_changes(physical_network, changes)
    try:
        wanted = _validate_physical_network(physical_network)
        with transaction.atomic():
            physical_network.save()
            _sync_guest_vlans(physical_network, wanted)
            record_event(
                "PHYSICAL.NETWORK.UPDATE",
                acting_user=acting_user,
                resource=physical_network,
                client_ip=client_ip,
            )
    except ValidationError:
        apply_changes(physical_network, original)
        raise
    return physical_network


def delete_physical_network(
    physical_network: PhysicalNetwork, *, acting_user, client_ip=None
) -> None:
    """Delete a physical network that no network or IP range uses (VLAN rows go with it)."""
    if (
        physical_network.networks.exists()
        or physical_network.guest_vlans.filter(network__isnull=False).exists()
    ):
        raise ValidationError("The physical network is used by guest networks.")
    if physical_network.ip_ranges.exists():
        raise ValidationError("The physical network has public IP ranges; delete them first.")
    delete_with_event(
        physical_network,
        event_type="PHYSICAL.NETWORK.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


# Traffic types ------------------------------------------------------------------------------


def _validate_traffic_type(traffic_type: TrafficType) -> None:
    duplicate = TrafficType.objects.filter(
        physical_network_id=traffic_type.physical_network_id,
        traffic_type=traffic_type.traffic_type,
    ).exclude(pk=traffic_type.pk)
    if traffic_type.physical_network_id and duplicate.exists():
        raise ValidationError(
            {"traffic_type": f"The physical network already carries {traffic_type.traffic_type}."}
        )
    traffic_type.full_clean()


def create_traffic_type(*, acting_user, client_ip=None, **fields) -> TrafficType:
    """Add a kind of traffic (Guest, Public, Management, Storage) to a physical network."""
    traffic_type = TrafficType(**fields)
    _validate_traffic_type(traffic_type)
    with transaction.atomic():
        traffic_type.save()
        record_event(
            "TRAFFIC.TYPE.CREATE",
            acting_user=acting_user,
            resource=traffic_type,
            client_ip=client_ip,
        )
    return traffic_type


def update_traffic_type(
    obj: TrafficType, /, *, acting_user, client_ip=None, **changes
) -> TrafficType:
    """Change the per-hypervisor labels of a traffic type (its kind and network are fixed)."""
    errors = {}
    for field in ("physical_network", "traffic_type"):
        if field in changes:
            new = changes[field]
            current = getattr(obj, field)
            if getattr(new, "pk", new) != getattr(current, "pk", current):
                errors[field] = "This field cannot be changed; delete and re-add instead."
    if errors:
        raise ValidationError(errors)
    apply_changes(obj, changes)
    _validate_traffic_type(obj)
    with transaction.atomic():
        obj.save()
        record_event(
            "TRAFFIC.TYPE.UPDATE",
            acting_user=acting_user,
            resource=obj,
            client_ip=client_ip,
        )
    return obj


def delete_traffic_type(traffic_type: TrafficType, *, acting_user, client_ip=None) -> None:
    """Remove a traffic type; Guest traffic stays while guest networks use the network."""
    if (
        traffic_type.traffic_type == TrafficKind.GUEST
        and traffic_type.physical_network.networks.exists()
    ):
        raise ValidationError("Guest networks use this physical network's Guest traffic.")
    delete_with_event(
        traffic_type,
        event_type="TRAFFIC.TYPE.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


# Guest VLAN allocation ----------------------------------------------------------------------


def _broadcast_uri(physical_network: PhysicalNetwork, vnet: int) -> str:
    scheme = "vxlan" if physical_network.isolation_method == IsolationMethod.VXLAN else "vlan"
    return f"{scheme}://{vnet}"


def allocate_guest_vlan(network: Network) -> GuestVlan:
    """Give ``network`` a free VLAN of its physical network (idempotent) and return it:
    one dedicated to its account or domain first, never one dedicated to another owner.

    A free row is locked (``SKIP LOCKED`` on PostgreSQL) and claimed with a conditional
    UPDATE ... WHERE network IS NULL, so two networks never get the same VLAN.
    Raises :class:`InsufficientCapacity` (533) when the range is exhausted.
    """
    existing = GuestVlan.objects.filter(network=network).first()
    if existing is not None:
        return existing
    if network.physical_network_id is None:
        raise InsufficientCapacity(f"Network {network} has no physical network for a VLAN.")
    from networking.services.dedication import vlan_preferences

    mine, foreign = vlan_preferences(network)
    free = GuestVlan.objects.filter(
        physical_network_id=network.physical_network_id, network__isnull=True
    )
    if foreign is not None:
        free = free.exclude(foreign)  # dedicated to another account or domain
    with transaction.atomic():
        while True:
            candidate = None
            if mine is not None:  # the owner's dedicated VLANs first
                candidate = lock_free_rows(free.filter(mine)).order_by("vnet").first()
            if candidate is None:
                candidate = lock_free_rows(free).order_by("vnet").first()
            if candidate is None:
                raise InsufficientCapacity(
                    f"No free guest VLAN left on physical network {network.physical_network}."
                )
            now = timezone.now()
            claimed = GuestVlan.objects.filter(pk=candidate.pk, network__isnull=True).update(
                network=network, account_id=network.account_id, allocated=now
            )
            if claimed:
                break
        candidate.network, candidate.account_id = network, network.account_id
        candidate.allocated = now
        network.vlan = _broadcast_uri(network.physical_network, candidate.vnet)
        Network.objects.filter(pk=network.pk).update(vlan=network.vlan)
    return candidate


def release_guest_vlan(network: Network) -> None:
    """Return ``network``'s VLAN (if any) to its physical network's pool."""
    with transaction.atomic():
        released = GuestVlan.objects.filter(network=network).update(
            network=None, account=None, allocated=None
        )
        if released and network.pk:
            network.vlan = ""
            Network.objects.filter(pk=network.pk).update(vlan="")
