"""Default host names: meaningful and unique per zone (CloudStack names a host by its
hostname). A host added without a name gets a provisional one from its URL (the simulated
host id of a fleet URL, else the URL's host) and, once its agent has answered, the hostname
the agent reports; a name already used in the zone gets a ``-2``, ``-3``... suffix."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from compute.models import Host

_FLEET_HOST = re.compile(r"/hosts/(?P<host>[A-Za-z0-9._-]{1,64})/?$")
MAX_BASE = 240  # room for a suffix within the 255-character column


def unique_host_name(zone_id: int, base: str, exclude_pk: int | None = None) -> str:
    """``base`` if no other host of the zone has it, else ``base-N`` with the lowest free N."""
    base = base.strip()[:MAX_BASE] or "host"
    taken = set(
        Host.objects.filter(zone_id=zone_id, name__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("name", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def default_host_name(zone_id: int, url: str) -> str:
    """The provisional name of a host added without one."""
    parts = urlsplit(url)
    match = _FLEET_HOST.search(parts.path)
    return unique_host_name(zone_id, match["host"] if match else parts.hostname or "host")


def adopt_reported_hostname(host: Host, hostname: str) -> None:
    """Rename ``host`` after the hostname its agent reported (kept unique in the zone)."""
    hostname = hostname.strip()
    if not hostname or hostname == host.name:
        return
    for _ in range(5):  # another host may take the same name concurrently
        name = unique_host_name(host.zone_id, hostname, exclude_pk=host.pk)
        try:
            with transaction.atomic():
                Host.objects.filter(pk=host.pk).update(name=name)
        except IntegrityError:
            continue
        host.name = name
        return
