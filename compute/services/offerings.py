"""Service offering services: instance sizes (fixed or customised)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from compute.choices import OfferingState
from compute.models import ServiceOffering
from compute.services._common import check_positive, check_tag_list
from portal.services.base import apply_changes, save_validated
from portal.services.removal import check_not_removed, delete_or_mark_removed

SIZE_FIELDS = ("cpu_number", "cpu_speed", "memory")


def _validate_offering(offering: ServiceOffering) -> None:
    for field in SIZE_FIELDS:
        value = getattr(offering, field)
        if value is None and not offering.customized:
            raise ValidationError({field: "Required unless the offering is customized."})
        check_positive(value, field)
    check_positive(offering.root_disk_size, "root_disk_size")
    offering.host_tags = check_tag_list(offering.host_tags, "host_tags")
    offering.storage_tags = check_tag_list(offering.storage_tags, "storage_tags")


def create_service_offering(
    *, acting_user, client_ip: str | None = None, **fields
) -> ServiceOffering:
    """Create a service offering; a fixed one needs CPU count, speed and memory."""
    offering = ServiceOffering(**fields)
    _validate_offering(offering)
    return save_validated(
        offering,
        event_type="SERVICE.OFFERING.CREATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def update_service_offering(
    offering: ServiceOffering, *, acting_user, client_ip: str | None = None, **changes
) -> ServiceOffering:
    """Edit an offering; ``state=Inactive`` hides it from new deployments."""
    check_not_removed(offering, "service offering")
    offering = apply_changes(offering, changes)
    _validate_offering(offering)
    return save_validated(
        offering,
        event_type="SERVICE.OFFERING.EDIT",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_service_offering(
    offering: ServiceOffering, *, acting_user, client_ip: str | None = None
) -> None:
    """Delete an offering, as CloudStack does: one that instances still use is marked removed
    (and Inactive): gone from lists and new deployments, kept by those instances."""
    check_not_removed(offering, "service offering")
    delete_or_mark_removed(
        offering,
        inactive_state=OfferingState.INACTIVE,
        event_type="SERVICE.OFFERING.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
