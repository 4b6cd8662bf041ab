"""``update_instance``: change an instance's names, user data and HA flag
(CloudStack's ``updateVirtualMachine``). No hypervisor work: new values reach the guest at
its next start."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import InstanceState
from compute.lifecycle.states import InvalidStateTransition
from compute.models import Instance
from portal.services.audit import record_event

HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
MAX_USER_DATA = 1048576
GONE = (InstanceState.DESTROYED, InstanceState.EXPUNGING, InstanceState.EXPUNGED)


def update_instance(
    instance: Instance,
    *,
    acting_user,
    display_name: str | None = None,
    name: str | None = None,
    user_data: str | None = None,
    ha_enabled: bool | None = None,
    client_ip: str | None = None,
) -> Instance:
    """Change the given fields (``None`` leaves a field alone) and record ``VM.UPDATE``.

    ``name`` is the guest host name: letters, digits and hyphens, unique among the
    account's instances. Destroyed and expunged instances cannot be changed.
    """
    if instance.removed is not None or instance.state in GONE:
        raise InvalidStateTransition(
            f"Cannot update instance {instance.name}: it is {instance.state}.",
            code="invalid_state",
        )
    changes: dict = {}
    errors: dict[str, str] = {}
    if display_name is not None:
        if len(display_name) > 255:
            errors["display_name"] = "At most 255 characters."
        changes["display_name"] = display_name
    if name is not None and name != instance.name:
        if not HOSTNAME.match(name):
            errors["name"] = (
                "A host name: 1-63 letters, digits and hyphens, not starting with a hyphen."
            )
        elif (
            Instance.objects.filter(account_id=instance.account_id, name=name, removed__isnull=True)
            .exclude(pk=instance.pk)
            .exclude(state=InstanceState.EXPUNGED)
            .exists()
        ):
            errors["name"] = f"The account already has an instance named {name}."
        changes["name"] = name
    if user_data is not None:
        if len(user_data) > MAX_USER_DATA:
            errors["user_data"] = f"At most {MAX_USER_DATA} characters."
        changes["user_data"] = user_data
    if ha_enabled is not None:
        changes["ha_enabled"] = bool(ha_enabled)
    if errors:
        raise ValidationError(errors)
    if not changes:
        return instance
    with transaction.atomic():
        updated = (
            Instance.objects.filter(pk=instance.pk, removed__isnull=True)
            .exclude(state__in=GONE)
            .update(**changes)
        )
        if not updated:
            raise InvalidStateTransition(
                f"Cannot update instance {instance.name}: it was destroyed meanwhile.",
                code="invalid_state",
            )
        for field, value in changes.items():
            setattr(instance, field, value)
        record_event(
            "VM.UPDATE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            description="Changed " + ", ".join(sorted(k.replace("_", " ") for k in changes)),
        )
    return instance
