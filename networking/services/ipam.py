"""Public IP ranges (CloudStack's ``createVlanIpRange``), public IP allocation, and the
address/MAC helpers used when NICs are created."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from netaddr import IPAddress as Addr
from netaddr import IPNetwork

from networking.choices import GuestIpType, IpState
from networking.models import IPAddress, Network, Nic, PublicIpRange
from networking.services._common import (
    check_limit,
    lock_free_rows,
    network_from_gateway,
    parse_ipv4,
    refuse_changes,
)
from networking.services.errors import InsufficientCapacity
from portal.choices import ResourceType
from portal.services.audit import record_event
from portal.services.base import apply_changes
from portal.services.tags import drop_tags

#: The largest range that may be added at once (one IPAddress row per address).
MAX_RANGE_SIZE = 65536


def ancestor_paths(path: str) -> list[str]:
    """``"/a/b/"`` -> ``["/", "/a/", "/a/b/"]``: the domain and the domains above it."""
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _check_vlan_tag(value) -> str:
    text = str(value if value is not None else "untagged").strip()
    if text.lower() == "untagged" or text == "":
        return "untagged"
    if text.startswith("vlan://"):
        text = text[len("vlan://") :]
    if not text.isdigit() or not 1 <= int(text) <= 4094:
        raise ValidationError({"vlan": "Use 'untagged' or a VLAN ID between 1 and 4094."})
    return str(int(text))


def _range_bounds(ip_range: PublicIpRange) -> tuple[int, int]:
    """Validate ``ip_range`` and return its first and last address as integers."""
    errors: dict[str, str] = {}
    zone_id = ip_range.zone_id
    physical_network = ip_range.physical_network if ip_range.physical_network_id else None
    if physical_network is not None and physical_network.zone_id != zone_id:
        errors["physical_network"] = "The physical network is not in the range's zone."
    if ip_range.pod_id and ip_range.pod.zone_id != zone_id:
        errors["pod"] = "The pod is not in the range's zone."
    if ip_range.network_id and ip_range.network.zone_id != zone_id:
        errors["network"] = "The network is not in the range's zone."
    if ip_range.account_id and ip_range.domain_id:
        errors["domain"] = "Dedicate a range to an account or to a domain, not both."
    try:
        ip_range.vlan = _check_vlan_tag(ip_range.vlan)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    addresses = {}
    for field in ("gateway", "netmask", "start_ip", "end_ip"):
        try:
            addresses[field] = parse_ipv4(getattr(ip_range, field), field)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    subnet = None
    if "gateway" in addresses and "netmask" in addresses:
        try:
            subnet = network_from_gateway(addresses["gateway"], str(addresses["netmask"]))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    start, end = addresses.get("start_ip"), addresses.get("end_ip")
    if start is not None and end is not None and start > end:
        errors["end_ip"] = "The end IP is before the start IP."
    if subnet is not None:
        for field, address in (("start_ip", start), ("end_ip", end)):
            if address is not None and address not in subnet:
                errors.setdefault(field, f"{address} is outside {subnet} (gateway/netmask).")
        gateway = addresses["gateway"]
        if start is not None and end is not None and start <= gateway <= end:
            errors.setdefault("gateway", "The gateway must not be inside the start-end range.")
    if errors:
        raise ValidationError(errors)
    first, last = int(start), int(end)
    if last - first + 1 > MAX_RANGE_SIZE:
        raise ValidationError(
            {"end_ip": f"{last - first + 1} addresses; at most {MAX_RANGE_SIZE} per range."}
        )
    others = PublicIpRange.objects.filter(zone_id=zone_id).exclude(pk=ip_range.pk)
    for other in others.only("start_ip", "end_ip"):
        if first <= int(Addr(other.end_ip)) and int(Addr(other.start_ip)) <= last:
            raise ValidationError({"start_ip": f"The range overlaps {other} in the same zone."})
    ip_range.full_clean()
    return first, last


def _sync_addresses(ip_range: PublicIpRange, first: int, last: int) -> None:
    """Make the range's IPAddress rows match ``first..last``; refuse to drop used ones."""
    existing = dict(ip_range.addresses.values_list("address", "state")) if ip_range.pk else {}
    wanted = {str(Addr(n)) for n in range(first, last + 1)}
    dropped = [a for a in existing if a not in wanted]
    used = [a for a in dropped if existing[a] != IpState.FREE]
    if used:
        raise ValidationError(
            {"start_ip": f"Allocated addresses would fall outside: {', '.join(sorted(used)[:10])}."}
        )
    if dropped:
        removed = ip_range.addresses.filter(address__in=dropped, state=IpState.FREE).delete()[0]
        if removed != len(dropped):
            raise ValidationError({"start_ip": "An address being removed was just allocated."})
    IPAddress.objects.bulk_create(
        [
            IPAddress(address=str(Addr(n)), ip_range=ip_range, zone_id=ip_range.zone_id)
            for n in range(first, last + 1)
            if str(Addr(n)) not in existing
        ],
        batch_size=2000,
    )


def create_public_ip_range(*, acting_user, client_ip=None, **fields) -> PublicIpRange:
    """Add an IP range to a zone's physical network and one free IPAddress row per address."""
    ip_range = PublicIpRange(**fields)
    first, last = _range_bounds(ip_range)
    with transaction.atomic():
        ip_range.save()
        _sync_addresses(ip_range, first, last)
        record_event(
            "VLAN.IP.RANGE.CREATE", acting_user=acting_user, resource=ip_range, client_ip=client_ip
        )
    return ip_range


def update_public_ip_range(
    ip_range: PublicIpRange, *, acting_user, client_ip=None, **changes
) -> PublicIpRange:
    """Change a range (bounds, gateway, VLAN, dedication); its zone and physical network are
    fixed. Shrinking it refuses to drop allocated addresses, leaving everything unchanged."""
    refuse_changes(ip_range, changes, ("zone", "physical_network"))
    original = {f: getattr(ip_range, f) for f in changes}
    apply_changes(ip_range, changes)
    try:
        first, last = _range_bounds(ip_range)
        with transaction.atomic():
            ip_range.save()
            _sync_addresses(ip_range, first, last)
            record_event(
                "VLAN.IP.RANGE.UPDATE",
                acting_user=acting_user,
                resource=ip_range,
                client_ip=client_ip,
            )
    except ValidationError:
        apply_changes(ip_range, original)
        raise
    return ip_range


def delete_public_ip_range(ip_range: PublicIpRange, *, acting_user, client_ip=None) -> None:
    """Delete a range (and its addresses) while none of them is allocated, nor (for a
    guest network's range) given to a NIC."""
    with transaction.atomic():
        in_use = ip_range.addresses.exclude(state=IpState.FREE).count()
        if in_use:
            raise ValidationError(f"{in_use} address(es) of the range are allocated.")
        if ip_range.network_id:
            first, last = int(Addr(ip_range.start_ip)), int(Addr(ip_range.end_ip))
            nics = Nic.objects.filter(network_id=ip_range.network_id, ip_address__isnull=False)
            used = sorted(
                ip
                for ip in nics.values_list("ip_address", flat=True)
                if first <= int(Addr(ip)) <= last
            )
            if used:
                raise ValidationError(
                    f"{len(used)} address(es) of the range are used by NICs: "
                    f"{', '.join(used[:10])}."
                )
        record_event(
            "VLAN.IP.RANGE.DELETE", acting_user=acting_user, resource=ip_range, client_ip=client_ip
        )
        ip_range.delete()


# Public IP allocation -----------------------------------------------------------------------


def _free_public_ips(account, zone):
    return IPAddress.objects.filter(
        zone=zone,
        state=IpState.FREE,
        ip_range__network__isnull=True,
        ip_range__for_virtual_network=True,
    ).filter(
        Q(ip_range__account__isnull=True) | Q(ip_range__account=account),
        Q(ip_range__domain__isnull=True)
        | Q(ip_range__domain__path__in=ancestor_paths(account.domain.path)),
    )


def _not_free(account, zone, address: str) -> str:
    if not IPAddress.objects.filter(zone=zone, address=address).exists():
        return f"{address} is not a public IP address of zone {zone}."
    return f"{address} is not free for account {account.name}."


def only_isolated_network(account, zone) -> Network | None:
    """The account's isolated network in ``zone`` when it has exactly one (upstream's
    associateIpAddress without networkid uses it); otherwise None."""
    from networking.choices import NetworkState

    networks = list(
        Network.objects.filter(
            account=account, zone=zone, guest_type=GuestIpType.ISOLATED, removed__isnull=True
        )
        .exclude(state=NetworkState.DESTROY)
        .values_list("pk", flat=True)[:2]
    )
    return Network.objects.get(pk=networks[0]) if len(networks) == 1 else None


def allocate_public_ip(
    account,
    zone,
    network: Network | None = None,
    *,
    acting_user,
    client_ip=None,
    address: str | None = None,
) -> IPAddress:
    """Allocate a free public IP of ``zone`` to ``account`` (optionally for ``network``);
    ``address`` asks for that one (it must be a free public address the account may use).

    The account's ``public_ip`` limit is honoured. A free row is locked (``SKIP LOCKED`` on
    PostgreSQL) and claimed with a conditional UPDATE ... WHERE state = 'Free', so two
    callers never get the same address. Raises :class:`InsufficientCapacity` (533) when the
    zone has no free address for the account.
    """
    if network is None:
        network = only_isolated_network(account, zone)
    if network is not None:
        if network.zone_id != zone.pk:
            raise ValidationError({"network": "The network is not in that zone."})
        if network.account_id != account.pk:
            raise ValidationError({"network": "The network belongs to another account."})
        if network.guest_type == GuestIpType.L2:
            raise ValidationError({"network": "L2 networks take no public IPs."})
    free = _free_public_ips(account, zone)
    if address is not None:
        free = free.filter(address=address)
        if not free.exists():
            raise ValidationError({"ipaddress": _not_free(account, zone, address)})
    with transaction.atomic():
        check_limit(account, ResourceType.PUBLIC_IP)
        while True:
            candidate = lock_free_rows(free).order_by("id").first()
            if candidate is None and address is not None:
                raise ValidationError({"ipaddress": _not_free(account, zone, address)})
            if candidate is None:
                raise InsufficientCapacity(f"No free public IP address left in zone {zone}.")
            now = timezone.now()
            claimed = IPAddress.objects.filter(pk=candidate.pk, state=IpState.FREE).update(
                state=IpState.ALLOCATED,
                account=account,
                network=network,
                allocated=now,
                updated=now,
            )
            if claimed:
                break
        candidate.refresh_from_db()
        record_event(
            "NET.IPASSIGN", acting_user=acting_user, resource=candidate, client_ip=client_ip
        )
    return candidate


def release_public_ip(ip: IPAddress, *, acting_user, client_ip=None) -> IPAddress:
    """Return an allocated public IP to its range's free pool."""
    if ip.state == IpState.FREE:
        raise ValidationError({"state": "The address is not allocated."})
    if ip.is_source_nat and ip.network_id:
        raise ValidationError(
            {"is_source_nat": "The source NAT address goes with its network; delete the network."}
        )
    with transaction.atomic():
        record_event("NET.IPRELEASE", acting_user=acting_user, resource=ip, client_ip=client_ip)
        drop_tags("PublicIpAddress", ip)  # the next owner of the address starts without them
        IPAddress.objects.filter(pk=ip.pk).update(
            state=IpState.FREE,
            account=None,
            network=None,
            allocated=None,
            is_source_nat=False,
            updated=timezone.now(),
        )
    ip.refresh_from_db()
    return ip


# NIC addressing -----------------------------------------------------------------------------


def network_address_pool(network: Network) -> tuple[int, int] | None:
    """The first and last usable address of ``network`` as integers (``start_ip``..``end_ip``
    when set, else the CIDR's hosts), or None when it has no IP addressing (L2)."""
    if network.start_ip and network.end_ip:
        return int(Addr(network.start_ip)), int(Addr(network.end_ip))
    if not network.cidr:
        return None
    subnet = IPNetwork(network.cidr)
    if subnet.prefixlen >= 31:
        return subnet.first, subnet.last
    return subnet.first + 1, subnet.last - 1


def allocate_nic_ip(network: Network) -> str | None:
    """The lowest free address of ``network`` for a new NIC, or None for L2 networks.

    The gateway is reserved; addresses used by other NICs of the network are skipped. The
    NIC's ``(network, ip_address)`` unique constraint settles a race between two callers.
    Raises :class:`InsufficientCapacity` (533) when the network is full.
    """
    pool = network_address_pool(network)
    if pool is None:
        return None
    used = {
        int(Addr(ip))
        for ip in Nic.objects.filter(network=network, ip_address__isnull=False).values_list(
            "ip_address", flat=True
        )
    }
    if network.gateway:
        used.add(int(Addr(network.gateway)))
    for number in range(pool[0], pool[1] + 1):
        if number not in used:
            return str(Addr(number))
    raise InsufficientCapacity(f"No free IP address left in network {network}.")


def generate_mac() -> str:
    """A MAC address no NIC uses yet, in the locally administered ``02:00:xx:xx:xx:xx`` space."""
    for _ in range(100):
        mac = "02:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(4))
        if not Nic.objects.filter(mac_address=mac).exists():
            return mac
    raise InsufficientCapacity("Could not find an unused MAC address.")
