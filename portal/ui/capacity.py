"""Capacity per zone for the admin dashboard, read from the rows (no agent I/O).

A constant number of grouped queries whatever the number of zones, hosts or pools.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Q, Sum

from compute.choices import HostStatus, HostType
from compute.models import Host, Zone
from networking.choices import IpState
from networking.models import GuestVlan, IPAddress
from portal.ui.format import filesize, percent
from storage.models import ImageStore, StoragePool


def _by_zone(queryset, **aggregates) -> dict[int, dict]:
    return {row.pop("zone_id"): row for row in queryset.values("zone_id").annotate(**aggregates)}


def zone_capacity(zones) -> list[dict]:
    """For each zone: rows of (label, used, total, text, percent)."""
    routing = Host.objects.filter(host_type=HostType.ROUTING).exclude(status=HostStatus.DOWN)
    hosts = _by_zone(
        routing,
        cpu_total=Sum(F("cpus") * F("cpu_speed")),
        cpu_used=Sum("cpu_allocated_mhz"),
        mem_total=Sum("memory"),
        mem_used=Sum("memory_allocated"),
    )
    pools = _by_zone(
        StoragePool.objects.all(), total=Sum("capacity_bytes"), used=Sum("allocated_bytes")
    )
    stores = _by_zone(ImageStore.objects.all(), total=Sum("capacity_bytes"), used=Sum("used_bytes"))
    ips = _by_zone(
        IPAddress.objects.all(), total=Count("id"), used=Count("id", filter=~Q(state=IpState.FREE))
    )
    vlans = {
        row["physical_network__zone_id"]: row
        for row in GuestVlan.objects.values("physical_network__zone_id").annotate(
            total=Count("id"), used=Count("id", filter=Q(network__isnull=False))
        )
    }
    empty: dict = defaultdict(int)
    out = []
    for zone in zones:
        h = hosts.get(zone.pk, empty)
        rows = [
            ("CPU", h["cpu_used"] or 0, h["cpu_total"] or 0, "MHz"),
            ("Memory", h["mem_used"] or 0, h["mem_total"] or 0, "bytes"),
            ("Primary storage", *_pair(pools, zone.pk), "bytes"),
            ("Secondary storage", *_pair(stores, zone.pk), "bytes"),
            ("Public IPs", *_pair(ips, zone.pk), ""),
            ("Guest VLANs", *_pair(vlans, zone.pk), ""),
        ]
        out.append(
            {
                "zone": zone,
                "rows": [
                    {
                        "label": label,
                        "used": used,
                        "total": total,
                        "percent": percent(used, total),
                        "text": _text(used, total, unit),
                    }
                    for label, used, total, unit in rows
                ],
            }
        )
    return out


def _pair(table: dict, zone_id: int) -> tuple[int, int]:
    row = table.get(zone_id) or {}
    return row.get("used") or 0, row.get("total") or 0


def _text(used: int, total: int, unit: str) -> str:
    if unit == "bytes":
        return f"{filesize(used)} of {filesize(total)}"
    suffix = f" {unit}" if unit else ""
    return f"{used:,} of {total:,}{suffix}"


def host_states() -> list[dict]:
    """Count of hosts by connection status and by resource state."""
    rows = Host.objects.values("status", "resource_state").annotate(n=Count("id"))
    return list(rows.order_by("status", "resource_state"))


def all_zones():
    return Zone.objects.order_by("name")
