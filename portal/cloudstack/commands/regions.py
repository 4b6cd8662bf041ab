"""Regions: listRegions, addRegion, updateRegion, removeRegion. One local region (id 1,
"Local", this portal's endpoint) always exists."""

from __future__ import annotations

from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Region
from portal.services import regions as svc

from ._common import Param, shape, success


@shape(
    "region",
    "id name endpoint gslbserviceenabled portableipserviceenabled",
    id="integer",
    gslbserviceenabled="boolean",
    portableipserviceenabled="boolean",
)
def REGION(r, ctx):
    return {
        "id": r.pk,
        "name": r.name,
        "endpoint": r.endpoint,
        "gslbserviceenabled": r.gslb_service_enabled,
        "portableipserviceenabled": r.portable_ip_service_enabled,
    }


def _region(ctx, *, required: bool = True) -> Region | None:
    region_id = ctx.int("id", required=required)
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise param_error(f"Region with id {region_id} does not exist")
    return region


@command(
    "listRegions",
    "Lists Regions",
    params=[Param("id", "integer", description="List Region by region ID."), Param("name")],
    shape=REGION,
    is_list=True,
)
def list_regions(ctx):
    svc.ensure_local_region(ctx.base_url)
    qs = Region.objects.all()
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.int("id"))
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    return ctx.listing(ctx.keyword(qs))


@command(
    "addRegion",
    "Adds a Region",
    params=[
        Param("id", "integer", required=True, description="Id of the Region"),
        Param("name", required=True, description="Name of the region"),
        Param("endpoint", required=True, description="Region service endpoint"),
    ],
    shape=REGION,
)
def add_region(ctx):
    region = svc.add_region(
        region_id=ctx.int("id", required=True),
        name=ctx.str("name", required=True),
        endpoint=ctx.str("endpoint", required=True),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        base_url=ctx.base_url,
    )
    return ctx.one(region)


@command(
    "updateRegion",
    "Updates a region",
    params=[
        Param("id", "integer", required=True, description="Id of region to update"),
        Param("name", description="updates region with this name"),
        Param("endpoint", description="updates region with this end point"),
    ],
    shape=REGION,
)
def update_region(ctx):
    svc.ensure_local_region(ctx.base_url)
    region = svc.update_region(
        _region(ctx),
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        name=ctx.str("name"),
        endpoint=ctx.str("endpoint"),
    )
    return ctx.one(region)


@command(
    "removeRegion",
    "Removes specified region",
    params=[Param("id", "integer", required=True, description="ID of the region to delete")],
)
def remove_region(ctx):
    svc.ensure_local_region(ctx.base_url)
    svc.remove_region(_region(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()
