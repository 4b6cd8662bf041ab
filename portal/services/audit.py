"""Audit events: every state-changing service call writes one."""

from __future__ import annotations

from typing import Any

from portal.choices import EventLevel, EventState
from portal.models import Event


def _owner_of(resource: Any):
    """The (account, domain) a resource belongs to, if it has an owner."""
    account = getattr(resource, "account", None) if resource is not None else None
    domain = getattr(resource, "domain", None) if resource is not None else None
    if account is not None and domain is None:
        domain = account.domain
    return account, domain


def record_event(
    event_type: str,
    *,
    acting_user,
    resource: Any = None,
    description: str = "",
    level: str = EventLevel.INFO,
    state: str = EventState.COMPLETED,
    client_ip: str | None = None,
    job=None,
) -> Event:
    """Write an audit event such as ``VM.CREATE`` for ``resource`` done by ``acting_user``.

    The account and domain are the resource owner's when it has one, else the actor's.
    """
    account, domain = _owner_of(resource)
    user_account = getattr(acting_user, "account", None) if acting_user else None
    if account is None and user_account is not None:
        account, domain = user_account, user_account.domain
    event = Event.objects.create(
        event_type=event_type,
        level=level,
        state=state,
        description=description or f"{event_type} {resource}"
        if resource is not None
        else description,
        user=acting_user if getattr(acting_user, "pk", None) else None,
        account=account,
        domain=domain,
        resource_type=type(resource).__name__ if resource is not None else "",
        resource_id=str(getattr(resource, "uuid", getattr(resource, "pk", "")))
        if resource is not None
        else "",
        client_ip=client_ip,
        job=job,
    )
    from portal.usage.capture import capture

    capture(event, resource)  # the usage events of metered resources (portal.usage)
    return event


def purge_old_events() -> int:
    """Delete events older than the ``event.purge.delay`` setting (days; 0 never deletes)."""
    from datetime import timedelta

    from django.utils import timezone

    from portal.services.configuration import config_value

    days = config_value("event.purge.delay")
    if days <= 0:
        return 0
    deleted, _ = Event.objects.filter(created__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
