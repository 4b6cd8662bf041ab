"""Affinity group services: create, delete, and set an instance's groups (stopped only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import InstanceState
from compute.models import AffinityGroup, AffinityGroupType, Instance
from compute.services._common import check_unique
from portal.services.audit import record_event
from portal.services.base import delete_with_event, save_validated

TYPES = [t.value for t in AffinityGroupType]


def create_affinity_group(
    *,
    acting_user,
    name: str,
    group_type: str,
    description: str = "",
    account=None,
    client_ip: str | None = None,
) -> AffinityGroup:
    """Create an affinity group of ``group_type`` for ``account`` (the actor's by default)."""
    account = account or acting_user.account
    if group_type not in TYPES:
        raise ValidationError(
            {
                "type": f"Unable to create affinity group, invalid affinity group type "
                f"{group_type}; valid types: {', '.join(TYPES)}"
            }
        )
    check_unique(
        AffinityGroup.objects.filter(account=account),
        "name",
        name,
        message=f"Unable to create affinity group, a group with name {name} already exists.",
    )
    return save_validated(
        AffinityGroup(
            account=account, name=name, group_type=group_type, description=description or ""
        ),
        event_type="AG.CREATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_affinity_group(
    group: AffinityGroup, *, acting_user, client_ip: str | None = None
) -> None:
    """Delete a group; its instances leave it (they stay where they run, as upstream)."""
    with transaction.atomic():
        group.instances.clear()
        delete_with_event(
            group, event_type="AG.DELETE", acting_user=acting_user, client_ip=client_ip
        )


def check_groups_for(account, groups: Iterable[AffinityGroup]) -> list[AffinityGroup]:
    """The groups must belong to the instance's account (upstream: same owner)."""
    groups = list(dict.fromkeys(groups))
    for group in groups:
        if group.account_id != account.pk:
            raise ValidationError(
                {
                    "affinitygroupids": f"Affinity group {group.name} does not belong to "
                    f"the VM's account {account.name}"
                }
            )
    return groups


def set_instance_affinity_groups(
    instance: Instance,
    groups: Iterable[AffinityGroup],
    *,
    acting_user,
    client_ip: str | None = None,
) -> Instance:
    """Replace the instance's groups; the instance must be Stopped (they apply at its
    next start, as upstream's updateVMAffinityGroup)."""
    groups = check_groups_for(instance.account, groups)
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        if locked.state != InstanceState.STOPPED:
            raise ValidationError(
                {
                    "id": f"Unable to update affinity groups of the virtual machine "
                    f"{locked.name} in state {locked.state}; make sure the virtual machine "
                    "is stopped and not in an error state before updating."
                }
            )
        locked.affinity_groups.set(groups)
        record_event("VM.AG.UPDATE", acting_user=acting_user, resource=locked, client_ip=client_ip)
    return locked
