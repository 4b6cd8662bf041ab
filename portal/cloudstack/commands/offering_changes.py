"""updateServiceOffering, updateDiskOffering and deleteNetworkOffering, with CloudStack's
semantics: names need not be unique, and an offering in use can be deleted (it is marked
removed: gone from lists and new use, while what uses it keeps working and shows its name).
deleteServiceOffering and deleteDiskOffering live in cleanup/infra_remove; all of them call
the services, which own the rules."""

from __future__ import annotations

from compute import services as compute_services
from compute.choices import OfferingState
from compute.models import ServiceOffering
from networking.models import NetworkOffering
from networking.services import offerings as network_services
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from storage.models import DiskOffering
from storage.services import offerings as disk_services

from ._common import Param, success
from .offerings import DISK_OFFERING, SERVICE_OFFERING

_STATES = {s.value.lower(): s.value for s in OfferingState}


def _common_changes(ctx) -> dict:
    """name, displaytext and state (Active/Inactive). domainid and zoneid are refused (431):
    offerings here are not scoped to domains or zones."""
    changes = {}
    if ctx.has("name"):
        changes["name"] = ctx.str("name")
    if ctx.has("displaytext"):
        changes["display_text"] = ctx.str("displaytext")
    if ctx.has("state"):
        state = ctx.str("state")
        if state.lower() not in _STATES:
            raise param_error(f"Invalid state {state}: use {', '.join(_STATES.values())}")
        changes["state"] = _STATES[state.lower()]
    return changes


def _offering(ctx, model, what: str, action: str = "change"):
    offering = ctx.get(model, "id", action=action, required=True)
    if offering.removed is not None:
        raise param_error(f"Unable to find {what} with id {ctx.str('id')}")
    return offering


def _update_params(related: str, *extra: Param) -> list[Param]:
    """id, then what every offering update takes (read by _common_changes), then ``extra``."""
    return [
        Param("id", "uuid", required=True, related=related),
        Param("name"),
        Param("displaytext"),
        Param("state", description="Active or Inactive (Inactive: no new use)"),
        *extra,
    ]


@command(
    "updateServiceOffering",
    "Updates a service offering.",
    params=_update_params(
        "listServiceOfferings",
        Param("hosttags", description="comma-separated tags the host must carry"),
        Param("storagetags", description="comma-separated tags the root disk's pool must carry"),
        Param("externaldetails", "map", description="for External clusters' extensions"),
        Param("cleanupexternaldetails", "boolean", description="drop every external detail"),
    ),
    shape=SERVICE_OFFERING,
)
def update_service_offering(ctx):
    offering = _offering(ctx, ServiceOffering, "service offering")
    changes = _common_changes(ctx)
    if ctx.has("hosttags"):
        changes["host_tags"] = ctx.list("hosttags")
    if ctx.has("storagetags"):
        changes["storage_tags"] = ctx.list("storagetags")
    if ctx.bool("cleanupexternaldetails"):
        if ctx.map("externaldetails"):
            raise param_error("Give externaldetails or cleanupexternaldetails=true, not both")
        changes["external_details"] = {}
    elif ctx.map("externaldetails"):
        from .extensions import details_map

        changes["external_details"] = details_map(ctx, "externaldetails")
    offering = compute_services.update_service_offering(
        offering, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return ctx.one(offering)


@command(
    "updateDiskOffering",
    "Updates a disk offering.",
    params=_update_params(
        "listDiskOfferings",
        Param("tags", description="comma-separated storage tags the pool must carry"),
    ),
    shape=DISK_OFFERING,
)
def update_disk_offering(ctx):
    offering = _offering(ctx, DiskOffering, "disk offering")
    changes = _common_changes(ctx)
    if ctx.has("tags"):
        changes["tags"] = ctx.list("tags")
    offering = disk_services.update_disk_offering(
        offering, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return ctx.one(offering)


@command(
    "deleteNetworkOffering",
    "Deletes a network offering (one in use is marked removed; built-in ones cannot go).",
    params=[Param("id", "uuid", required=True, related="listNetworkOfferings")],
)
def delete_network_offering(ctx):
    offering = _offering(ctx, NetworkOffering, "network offering", "delete")
    network_services.delete_network_offering(
        offering, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return success()
