"""CloudStack's deletion of offerings: an offering nothing uses is deleted; one still in use
is marked removed instead (hidden from lists and from new use, while the instances, volumes
and networks that use it keep working and still show its name)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from portal.services.audit import record_event


def check_not_removed(obj, what: str) -> None:
    """Refuse any change of a removed offering, as CloudStack finds no such offering."""
    if getattr(obj, "removed", None) is not None:
        raise ValidationError(f"Unable to find {what} {obj.uuid}: it was deleted.")


def delete_or_mark_removed(
    obj, *, inactive_state: str, event_type: str, acting_user, client_ip: str | None = None
) -> bool:
    """Delete ``obj``; when rows still point at it (PROTECT), set ``removed`` and the
    ``inactive_state`` instead. Returns True when the row was kept (marked removed)."""
    kept = False
    with transaction.atomic():
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):
            kept = True
            obj.removed, obj.state = timezone.now(), inactive_state
            type(obj).objects.filter(pk=obj.pk).update(removed=obj.removed, state=inactive_state)
        record_event(event_type, acting_user=acting_user, resource=obj, client_ip=client_ip)
    return kept
