"""Bounds of a disk size, shared by every entry point that creates or grows a volume
(form, REST API, /client/api, deploy): never more than ``CUSTOM_DISK_MAX_GIB`` for a custom
size (CloudStack's ``custom.diskoffering.size.max``) nor than the zone's largest primary
storage pool can hold, so an absurd number is a field error and not a database overflow."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max

from compute.capacity import POOL_LIMIT
from storage.models import StoragePool

GIB = 1024**3
#: the most a 64-bit size column holds, in GiB (any disk size must stay below it)
ABSOLUTE_MAX_GIB = (2**63 - 1) // GIB


def largest_pool_gib(zone) -> int | None:
    """GiB the zone's largest primary storage pool may hand out; None without pools."""
    largest = StoragePool.objects.filter(zone=zone).aggregate(most=Max(POOL_LIMIT))["most"]
    return None if largest is None else int(largest) // GIB


def check_disk_size(zone, size_gib: int, *, field: str = "size", custom: bool = True) -> None:
    """Refuse (field error on ``field``) a disk of ``size_gib`` GiB that no pool of ``zone``
    can hold, or a custom size above ``settings.CUSTOM_DISK_MAX_GIB``."""
    if size_gib > ABSOLUTE_MAX_GIB:
        raise ValidationError({field: f"At most {ABSOLUTE_MAX_GIB} GiB."})
    limit = settings.CUSTOM_DISK_MAX_GIB
    if custom and limit and size_gib > limit:
        raise ValidationError(
            {field: f"At most {limit} GiB for a custom size (custom.diskoffering.size.max)."}
        )
    largest = largest_pool_gib(zone)
    if largest is not None and size_gib > largest:
        raise ValidationError(
            {
                field: f"{size_gib} GiB is more than the largest primary storage of zone "
                f"{zone.name} holds ({largest} GiB)."
            }
        )
