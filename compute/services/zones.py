"""Zone services: create, edit and delete zones."""

from __future__ import annotations

from compute.models import Zone
from networking.services._common import parse_cidr
from portal.services.base import apply_changes, delete_with_event, save_validated


def create_zone(*, acting_user, client_ip=None, **fields) -> Zone:
    """Create a zone (disabled until its setup is complete). The guest CIDR must be a
    network address (10.1.1.5/24 has host bits set: every guest network would inherit it)."""
    parse_cidr(fields.get("guest_cidr", "10.1.1.0/24"), "guest_cidr")
    return save_validated(
        Zone(**fields), event_type="ZONE.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_zone(zone: Zone, *, acting_user, client_ip=None, **changes) -> Zone:
    if "guest_cidr" in changes:
        parse_cidr(changes["guest_cidr"], "guest_cidr")
    return save_validated(
        apply_changes(zone, changes),
        event_type="ZONE.EDIT",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_zone(zone: Zone, *, acting_user, client_ip=None) -> None:
    delete_with_event(zone, event_type="ZONE.DELETE", acting_user=acting_user, client_ip=client_ip)
