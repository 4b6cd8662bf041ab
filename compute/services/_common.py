"""Validation helpers shared by the compute and storage services."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def check_positive(value, field: str, minimum: int | float = 1) -> None:
    """Raise a field error unless ``value`` is at least ``minimum`` (None is allowed)."""
    if value is not None and value < minimum:
        raise ValidationError({field: f"Must be at least {minimum}."})


def check_tag_list(value, field: str) -> list[str]:
    """Tags are a list of non-empty strings without commas; returns them stripped."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise ValidationError({field: "Must be a list of strings."})
    tags = [t.strip() for t in value]
    if any(not t or "," in t for t in tags):
        raise ValidationError({field: "Tags must be non-empty and contain no commas."})
    return tags


def check_unique(queryset, field: str, value, *, exclude_pk=None, message: str | None = None):
    """Raise a field error if ``queryset`` (already scoped) has a row where field == value."""
    qs = queryset.filter(**{field: value})
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({field: message or f"'{value}' is already in use."})


def check_immutable(obj, changes: dict, fields: tuple[str, ...]) -> None:
    """Refuse changes to fields that are fixed once the object exists."""
    for field in fields:
        if field in changes and changes[field] != getattr(obj, field):
            raise ValidationError({field: "Cannot be changed after creation."})
