"""Helpers shared by the create/update/delete services of every app."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.services.audit import record_event


def save_validated(obj, *, event_type: str, acting_user, client_ip: str | None = None, **event):
    """``full_clean()`` then save ``obj`` and write its audit event, in one transaction."""
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        record_event(
            event_type, acting_user=acting_user, resource=obj, client_ip=client_ip, **event
        )
    return obj


def apply_changes(obj, changes: dict[str, Any]):
    """Set attributes from validated data (many-to-many fields are skipped)."""
    for field, value in changes.items():
        setattr(obj, field, value)
    return obj


def delete_with_event(obj, *, event_type: str, acting_user, client_ip: str | None = None) -> None:
    """Delete ``obj`` (PROTECT errors become validation errors) and record the event."""
    from django.core.exceptions import ValidationError
    from django.db.models import ProtectedError, RestrictedError

    with transaction.atomic():
        try:
            obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            names = (
                sorted({type(o)._meta.verbose_name for o in exc.protected_objects})
                if hasattr(exc, "protected_objects")
                else []
            )
            raise ValidationError(
                f"{obj} is in use" + (f" by: {', '.join(names)}" if names else "") + "."
            ) from exc
        record_event(event_type, acting_user=acting_user, resource=obj, client_ip=client_ip)
