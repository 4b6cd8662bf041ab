"""Zone services: create, edit and delete zones."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from netaddr import AddrFormatError, IPNetwork

from compute.models import Zone
from portal.services.base import apply_changes, delete_with_event, save_validated


def _check_cidr(value: str, field: str) -> None:
    try:
        network = IPNetwork(value)
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ValidationError({field: f"'{value}' is not a valid CIDR."}) from exc
    if "/" not in str(value) or network.version != 4:
        raise ValidationError({field: f"'{value}' is not an IPv4 CIDR (a.b.c.d/n)."})


def create_zone(*, acting_user, client_ip=None, **fields) -> Zone:
    """Create a zone (disabled until its setup is complete)."""
    _check_cidr(fields.get("guest_cidr", "10.1.1.0/24"), "guest_cidr")
    return save_validated(
        Zone(**fields), event_type="ZONE.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_zone(zone: Zone, *, acting_user, client_ip=None, **changes) -> Zone:
    if "guest_cidr" in changes:
        _check_cidr(changes["guest_cidr"], "guest_cidr")
    return save_validated(
        apply_changes(zone, changes),
        event_type="ZONE.EDIT",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_zone(zone: Zone, *, acting_user, client_ip=None) -> None:
    delete_with_event(zone, event_type="ZONE.DELETE", acting_user=acting_user, client_ip=client_ip)
