"""Resource tags: create, delete and look up ``key=value`` tags on cloud resources.

A tag belongs to the tagged resource's owner (account and domain), so tenants see and change
only the tags of resources they may change. Resource types use CloudStack's names
(``UserVm``, ``Volume``, ``Network``, ``Template``, ``ISO``, ``PublicIpAddress``,
``SecurityGroup``, ``SSHKeyPair``, ``Snapshot``, ``Project``, ``FirewallRule``,
``PortForwardingRule``, ``Zone``), matched case-insensitively.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from portal.models import ResourceTag
from portal.services.audit import record_event

MAX_KEY_LENGTH = 255


def _taggable() -> dict[str, tuple]:
    """CloudStack resource type -> (model, extra filter)."""
    from compute.models import Instance, SSHKeyPair, Zone
    from networking.models import (
        FirewallRule,
        IPAddress,
        Network,
        PortForwardingRule,
        SecurityGroup,
    )
    from portal.models import Project
    from storage.models import Snapshot, Template, Volume

    return {
        "UserVm": (Instance, Q(removed__isnull=True)),
        "Volume": (Volume, Q(removed__isnull=True)),
        "Network": (Network, Q(removed__isnull=True)),
        "Template": (Template, Q(removed__isnull=True, is_iso=False)),
        "ISO": (Template, Q(removed__isnull=True, is_iso=True)),
        "PublicIpAddress": (IPAddress, Q(account__isnull=False)),
        "SecurityGroup": (SecurityGroup, Q()),
        "SSHKeyPair": (SSHKeyPair, Q()),
        "Snapshot": (Snapshot, Q(removed__isnull=True)),
        "Project": (Project, Q()),
        "FirewallRule": (FirewallRule, Q()),
        "PortForwardingRule": (PortForwardingRule, Q()),
        "Zone": (Zone, Q()),
    }


TAGGABLE_TYPES = (
    "UserVm",
    "Volume",
    "Network",
    "Template",
    "ISO",
    "PublicIpAddress",
    "SecurityGroup",
    "SSHKeyPair",
    "Snapshot",
    "Project",
    "FirewallRule",
    "PortForwardingRule",
    "Zone",
)


def resource_type_name(value: str) -> str:
    """CloudStack's spelling of a taggable resource type (``uservm`` -> ``UserVm``)."""
    for name in TAGGABLE_TYPES:
        if name.lower() == (value or "").strip().lower():
            return name
    raise ValidationError(
        {
            "resource_type": f"Resource type '{value}' cannot be tagged; "
            f"use one of {', '.join(TAGGABLE_TYPES)}."
        }
    )


def taggable_resources(acting_user, resource_type: str, ids: Iterable[str], action="change"):
    """The resources of ``resource_type`` with these UUIDs that ``acting_user`` may change.

    An unknown UUID, or one of another tenant's resources, is a field error on
    ``resource_ids`` (the caller cannot tell them apart).
    """
    resource_type = resource_type_name(resource_type)
    model, condition = _taggable()[resource_type]
    wanted: list[uuid.UUID] = []
    for value in ids:
        try:
            wanted.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise ValidationError({"resource_ids": f"'{value}' is not a UUID."}) from exc
    if not wanted:
        raise ValidationError({"resource_ids": "Give at least one resource."})
    rows = model.objects.restrict(acting_user, action).filter(condition, uuid__in=wanted)
    if any(f.name == "account" for f in model._meta.get_fields()):
        rows = rows.select_related("account__domain")
    found = list(rows)
    missing = set(wanted) - {obj.uuid for obj in found}
    if missing:
        raise ValidationError(
            {
                "resource_ids": f"Unable to find {resource_type} "
                f"{', '.join(sorted(str(m) for m in missing))}."
            }
        )
    return found


def _owner(resource):
    """The account and domain a tag of ``resource`` belongs to; infrastructure (a zone)
    has no account and its tags are the ROOT domain's (operators')."""
    from portal.models import Domain

    account = getattr(resource, "account", None)
    domain = getattr(resource, "domain", None) or (account.domain if account else None)
    if domain is None:
        domain = Domain.objects.get(parent__isnull=True)
    return account, domain


def create_tags(
    *,
    acting_user,
    resource_type: str,
    resources: list,
    tags: dict[str, str],
    customer: str = "",
    client_ip: str | None = None,
) -> list[ResourceTag]:
    """Tag every resource in ``resources`` with every ``key=value`` in ``tags``.

    All or nothing: a key a resource already has is a field error and nothing is written.
    """
    resource_type = resource_type_name(resource_type)
    if not tags:
        raise ValidationError({"tags": "Give at least one key=value tag."})
    for key, value in tags.items():
        if not key or not key.strip():
            raise ValidationError({"tags": "A tag key cannot be empty."})
        if len(key) > MAX_KEY_LENGTH or len(value or "") > MAX_KEY_LENGTH:
            raise ValidationError({"tags": f"Keys and values are at most {MAX_KEY_LENGTH} long."})
    uuids = [r.uuid for r in resources]
    clash = (
        ResourceTag.objects.filter(resource_uuid__in=uuids, key__in=list(tags))
        .values_list("key", flat=True)
        .first()
    )
    if clash is not None:
        raise ValidationError({"tags": f"A tag with key '{clash}' already exists."})
    created = []
    with transaction.atomic():
        for resource in resources:
            account, domain = _owner(resource)
            for key, value in tags.items():
                created.append(
                    ResourceTag.objects.create(
                        resource_type=resource_type,
                        resource_uuid=resource.uuid,
                        key=key,
                        value=value or "",
                        customer=customer or "",
                        account=account,
                        domain=domain,
                    )
                )
            record_event(
                "CREATE_TAGS",
                acting_user=acting_user,
                resource=resource,
                client_ip=client_ip,
                description=f"Tagged {resource_type} {resource.uuid}: "
                + ", ".join(f"{k}={v}" for k, v in tags.items()),
            )
    return created


def delete_tags(
    *,
    acting_user,
    resource_type: str,
    resources: list,
    tags: dict[str, str | None] | None = None,
    client_ip: str | None = None,
) -> int:
    """Remove tags from ``resources``: those with the given keys (and values, when a value
    is given), or all their tags when ``tags`` is empty. Returns how many went."""
    resource_type = resource_type_name(resource_type)
    matches = Q()
    for key, value in (tags or {}).items():
        matches |= Q(key=key, value=value) if value not in (None, "") else Q(key=key)
    with transaction.atomic():
        doomed = ResourceTag.objects.filter(
            resource_type=resource_type, resource_uuid__in=[r.uuid for r in resources]
        )
        if tags:
            doomed = doomed.filter(matches)
        count, _ = doomed.delete()
        for resource in resources:
            record_event(
                "DELETE_TAGS",
                acting_user=acting_user,
                resource=resource,
                client_ip=client_ip,
                description=f"Removed tags from {resource_type} {resource.uuid}",
            )
    return count


def filter_by_tags(queryset, resource_type: str, tags: dict[str, str | None]):
    """Keep the rows of ``queryset`` carrying every ``key=value`` in ``tags`` (one
    subquery per tag; a missing value matches any value of the key)."""
    resource_type = resource_type_name(resource_type)
    for key, value in tags.items():
        tagged = ResourceTag.objects.filter(resource_type=resource_type, key=key)
        if value not in (None, ""):
            tagged = tagged.filter(value=value)
        queryset = queryset.filter(uuid__in=tagged.values("resource_uuid"))
    return queryset


def tags_by_resource(uuids: Iterable) -> dict[str, list[ResourceTag]]:
    """All tags of these resources in one query, by resource UUID (as a string)."""
    out: dict[str, list[ResourceTag]] = {}
    for tag in ResourceTag.objects.filter(resource_uuid__in=list(uuids)).select_related(
        "account__domain"
    ):
        out.setdefault(str(tag.resource_uuid), []).append(tag)
    return out


def drop_tags(resource_type: str, resource) -> None:
    """Forget the tags of a resource that goes away or changes hands (a released IP)."""
    ResourceTag.objects.filter(
        resource_type=resource_type_name(resource_type), resource_uuid=resource.uuid
    ).delete()
