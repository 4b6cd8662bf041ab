"""Regions (CloudStack's ``addRegion``/``updateRegion``/``removeRegion``): every
installation is region 1, "Local", whose endpoint is this portal's API URL."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Region
from portal.services.audit import record_event

LOCAL_REGION_ID = 1
LOCAL_REGION_NAME = "Local"


def ensure_local_region(base_url: str = "") -> Region:
    """Region 1, created on first use with ``base_url``'s ``/client/`` as endpoint."""
    endpoint = f"{base_url.rstrip('/')}/client/" if base_url else "http://localhost:8080/client/"
    region, _ = Region.objects.get_or_create(
        id=LOCAL_REGION_ID, defaults={"name": LOCAL_REGION_NAME, "endpoint": endpoint}
    )
    return region


def _check(region: Region) -> None:
    errors = {}
    if not (region.name or "").strip():
        errors["name"] = "A region needs a name."
    if not (region.endpoint or "").strip():
        errors["endpoint"] = "A region needs an endpoint URL."
    elif not region.endpoint.startswith(("http://", "https://")):
        errors["endpoint"] = "The endpoint must be an http:// or https:// URL."
    if Region.objects.filter(name=region.name).exclude(pk=region.pk).exists():
        errors["name"] = f"A region named {region.name} already exists."
    if errors:
        raise ValidationError(errors)


def add_region(
    *, region_id: int, name: str, endpoint: str, acting_user, client_ip=None, base_url=""
) -> Region:
    """Record another region's management endpoint under ``region_id``."""
    ensure_local_region(base_url)
    if region_id < 1:
        raise ValidationError({"id": "Region ids are positive integers."})
    if Region.objects.filter(pk=region_id).exists():
        raise ValidationError({"id": f"Region with id {region_id} already exists."})
    region = Region(id=region_id, name=name, endpoint=endpoint)
    _check(region)
    try:
        with transaction.atomic():
            region.save(force_insert=True)
            record_event(
                "REGION.ADD", acting_user=acting_user, resource=region, client_ip=client_ip
            )
    except IntegrityError as exc:
        raise ValidationError({"id": f"Region with id {region_id} already exists."}) from exc
    return region


def update_region(region: Region, *, acting_user, client_ip=None, **changes) -> Region:
    """Rename a region or change its endpoint."""
    for field in ("name", "endpoint"):
        if changes.get(field) is not None:
            setattr(region, field, changes[field])
    _check(region)
    with transaction.atomic():
        region.save()
        record_event("REGION.UPDATE", acting_user=acting_user, resource=region, client_ip=client_ip)
    return region


def remove_region(region: Region, *, acting_user, client_ip=None) -> None:
    """Forget a remote region; the local one stays."""
    if region.pk == LOCAL_REGION_ID:
        raise ValidationError({"id": "The local region cannot be removed."})
    with transaction.atomic():
        record_event("REGION.DELETE", acting_user=acting_user, resource=region, client_ip=client_ip)
        region.delete()
