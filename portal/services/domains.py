"""Domain services: create, rename and delete nodes of the tenant tree."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from portal.models import Domain
from portal.services.audit import record_event
from portal.services.tenancy import require_domain_scope


def _check_name(name: str, parent: Domain, *, exclude_pk: int | None = None) -> None:
    if not name or not name.strip():
        raise ValidationError({"name": "This field may not be blank."})
    if "/" in name:
        raise ValidationError({"name": "A domain name may not contain '/'."})
    clash = Domain.objects.filter(parent=parent, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"A domain named '{name}' already exists under {parent}."})


def create_domain(*, acting_user, client_ip=None, parent: Domain | None = None, **fields) -> Domain:
    """Create a child domain of ``parent``; its path is computed from the parent's."""
    if parent is None:
        raise ValidationError({"parent": "A new domain needs a parent domain."})
    require_domain_scope(acting_user, parent)
    name = fields.get("name", "")
    _check_name(name, parent)
    domain = Domain(parent=parent, **fields)
    domain.path = domain.compute_path()
    domain.full_clean()
    with transaction.atomic():
        domain.save()
        record_event("DOMAIN.CREATE", acting_user=acting_user, resource=domain, client_ip=client_ip)
    return domain


def update_domain(domain: Domain, *, acting_user, client_ip=None, **changes) -> Domain:
    """Rename a domain (rewriting its subtree's paths) or change its network domain."""
    require_domain_scope(acting_user, domain, strictly_below=True)
    parent = changes.pop("parent", domain.parent)
    if parent != domain.parent:
        raise ValidationError({"parent": "Moving a domain to another parent is not supported."})
    if domain.parent_id is None and changes.get("name", domain.name) != domain.name:
        raise ValidationError({"name": "The ROOT domain cannot be renamed."})
    old_path = domain.path
    if "name" in changes and changes["name"] != domain.name:
        _check_name(changes["name"], domain.parent, exclude_pk=domain.pk)
    for field, value in changes.items():
        setattr(domain, field, value)
    domain.path = domain.compute_path()
    domain.full_clean()
    with transaction.atomic():
        domain.save()
        if domain.path != old_path:
            subtree = list(Domain.objects.filter(path__startswith=old_path).exclude(pk=domain.pk))
            for child in subtree:
                child.path = domain.path + child.path[len(old_path) :]
            Domain.objects.bulk_update(subtree, ["path"])
        record_event("DOMAIN.UPDATE", acting_user=acting_user, resource=domain, client_ip=client_ip)
    return domain


def delete_domain(domain: Domain, *, acting_user, client_ip=None) -> None:
    """Delete an empty domain (no child domains, no accounts)."""
    require_domain_scope(acting_user, domain, strictly_below=True)
    if domain.parent_id is None:
        raise ValidationError("The ROOT domain cannot be deleted.")
    if domain.children.exists():
        raise ValidationError("The domain has child domains; delete them first.")
    if domain.accounts.exists():
        raise ValidationError("The domain still has accounts; delete them first.")
    with transaction.atomic():
        # The event is written first: deleting the domain nulls the event's domain link.
        record_event("DOMAIN.DELETE", acting_user=acting_user, resource=domain, client_ip=client_ip)
        try:
            domain.delete()
        except ProtectedError as exc:
            raise ValidationError(f"{domain} is still in use and cannot be deleted.") from exc
