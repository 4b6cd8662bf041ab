"""Disk offering services: fixed-size or customised data disks."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from compute.choices import OfferingState
from compute.services._common import check_positive, check_tag_list
from portal.services.base import apply_changes, save_validated
from portal.services.removal import check_not_removed, delete_or_mark_removed
from storage.models import DiskOffering


def _validate(offering: DiskOffering) -> None:
    offering.tags = check_tag_list(offering.tags, "tags")
    if offering.customized:
        check_positive(offering.min_size, "min_size")
        check_positive(offering.max_size, "max_size")
        if (
            offering.min_size is not None
            and offering.max_size is not None
            and offering.min_size > offering.max_size
        ):
            raise ValidationError({"max_size": "The maximum size must not be below the minimum."})
    else:
        if offering.disk_size is None:
            raise ValidationError({"disk_size": "Required unless the offering is customized."})
        check_positive(offering.disk_size, "disk_size")
        if offering.min_size is not None or offering.max_size is not None:
            raise ValidationError({"min_size": "Only a customized offering has a size range."})


def create_disk_offering(*, acting_user, client_ip: str | None = None, **fields) -> DiskOffering:
    """Create a disk offering: a fixed size in GiB (>= 1) or customized with optional
    min/max sizes."""
    offering = DiskOffering(**fields)
    _validate(offering)
    return save_validated(
        offering, event_type="DISK.OFFERING.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_disk_offering(
    offering: DiskOffering, *, acting_user, client_ip: str | None = None, **changes
) -> DiskOffering:
    """Edit a disk offering; ``state=Inactive`` hides it from new volumes."""
    check_not_removed(offering, "disk offering")
    offering = apply_changes(offering, changes)
    _validate(offering)
    return save_validated(
        offering, event_type="DISK.OFFERING.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_disk_offering(
    offering: DiskOffering, *, acting_user, client_ip: str | None = None
) -> None:
    """Delete an offering, as CloudStack does: one that volumes still use is marked removed
    (and Inactive): gone from lists and new volumes, kept by those volumes."""
    check_not_removed(offering, "disk offering")
    delete_or_mark_removed(
        offering,
        inactive_state=OfferingState.INACTIVE,
        event_type="DISK.OFFERING.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
