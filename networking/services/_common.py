"""Small helpers shared by the networking services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from netaddr import AddrFormatError, IPAddress, IPNetwork


def parse_ipv4(value: Any, field: str) -> IPAddress:
    """``value`` as an IPv4 address, or a field error."""
    try:
        address = IPAddress(str(value), flags=0)
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ValidationError({field: f"'{value}' is not a valid IPv4 address."}) from exc
    if address.version != 4 or str(value).count(".") != 3:
        raise ValidationError({field: f"'{value}' is not a valid IPv4 address."})
    return address


def parse_cidr(value: Any, field: str) -> IPNetwork:
    """``value`` as an IPv4 network ``a.b.c.d/n`` (host bits must be zero), or a field error."""
    try:
        network = IPNetwork(str(value))
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ValidationError({field: f"'{value}' is not a valid CIDR."}) from exc
    if "/" not in str(value) or network.version != 4 or str(value).count(".") != 3:
        raise ValidationError({field: f"'{value}' is not an IPv4 CIDR (a.b.c.d/n)."})
    if network.ip != network.network:
        raise ValidationError({field: f"'{value}' has host bits set; use {network.cidr}."})
    return network


def network_from_gateway(gateway: IPAddress, netmask: str, field: str = "netmask") -> IPNetwork:
    """The IPv4 network of ``gateway`` with ``netmask`` (a dotted netmask), or a field error."""
    mask = parse_ipv4(netmask, field)
    if not mask.is_netmask():
        raise ValidationError({field: f"'{netmask}' is not a valid netmask."})
    return IPNetwork(f"{gateway}/{mask}").cidr


def lock_free_rows(queryset):
    """``select_for_update(skip_locked=True)`` where the database supports it (PostgreSQL);
    SQLite serialises writers anyway, so the plain queryset is used there. Callers still
    claim the row with a conditional UPDATE (compare-and-swap), which is safe on both."""
    features = connection.features
    if features.has_select_for_update_skip_locked:
        # Lock only the candidate rows, not the (possibly outer-joined) rows of the filter.
        of = ("self",) if features.has_select_for_update_of else ()
        return queryset.select_for_update(skip_locked=True, of=of)
    return queryset


def refuse_changes(obj, changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Field errors for any of ``fields`` that ``changes`` would alter on ``obj``."""
    errors = {}
    for field in fields:
        if field not in changes:
            continue
        new, current = changes[field], getattr(obj, field)
        if getattr(new, "pk", new) != getattr(current, "pk", current):
            errors[field] = "This field cannot be changed after creation."
    if errors:
        raise ValidationError(errors)


def check_limit(account, resource_type: str) -> None:
    """Enforce the account's resource limit when the portal provides a limit checker."""
    try:
        from portal.services.limits import check_limit as portal_check_limit
    except ImportError:
        return
    portal_check_limit(account, resource_type)
