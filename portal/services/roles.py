"""Role services: create, update (with its rules) and delete custom roles."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.choices import AccountType
from portal.models import Role, RolePermission
from portal.services.audit import record_event

RULE_PATTERN = re.compile(r"^[A-Za-z0-9*?]+$")


def _require_root(acting_user) -> None:
    """Roles are IAM: only the system, superusers and Root Admin accounts manage them."""
    if acting_user is None or acting_user.is_superuser:
        return
    account = getattr(acting_user, "account", None)
    if account is None or account.account_type != AccountType.ADMIN:
        raise PermissionDenied("Only a root admin may manage roles.")


def _check_rules(rules: list[dict]) -> list[dict]:
    """Validate rules and give them an order (their position when none is given)."""
    seen: set[str] = set()
    checked = []
    for position, rule in enumerate(rules):
        name = (rule.get("rule") or "").strip()
        if not RULE_PATTERN.match(name):
            raise ValidationError(
                {"rules": f"'{name}' is not a command name or wildcard (letters, digits, * ?)."}
            )
        if name.lower() in seen:
            raise ValidationError({"rules": f"The rule '{name}' appears twice."})
        seen.add(name.lower())
        if rule.get("permission") not in ("allow", "deny"):
            raise ValidationError({"rules": f"Rule '{name}': permission must be allow or deny."})
        checked.append(
            {
                "rule": name,
                "permission": rule["permission"],
                "description": rule.get("description", ""),
                "sort_order": rule.get("sort_order", position),
            }
        )
    return checked


def _replace_rules(role: Role, rules: list[dict]) -> None:
    role.rules.all().delete()
    RolePermission.objects.bulk_create(RolePermission(role=role, **rule) for rule in rules)


def _check_name(name: str, *, exclude_pk: int | None = None) -> None:
    if not name or not name.strip():
        raise ValidationError({"name": "This field may not be blank."})
    clash = Role.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"A role named '{name}' already exists."})


def create_role(*, acting_user, client_ip=None, rules: list[dict] | None = None, **fields) -> Role:
    """Create a custom role with its ordered rules."""
    _require_root(acting_user)
    _check_name(fields.get("name", ""))
    checked = _check_rules(rules or [])
    fields.pop("is_default", None)
    role = Role(**fields)
    role.full_clean()
    with transaction.atomic():
        role.save()
        _replace_rules(role, checked)
        record_event("ROLE.CREATE", acting_user=acting_user, resource=role, client_ip=client_ip)
    return role


def update_role(role: Role, *, acting_user, client_ip=None, **changes) -> Role:
    """Change a custom role; ``rules``, when given, replace all its rules."""
    _require_root(acting_user)
    if role.is_default:
        raise ValidationError("Default roles cannot be changed; create a custom role instead.")
    rules = changes.pop("rules", None)
    changes.pop("is_default", None)
    if "name" in changes:
        _check_name(changes["name"], exclude_pk=role.pk)
    if changes.get("role_type", role.role_type) != role.role_type and role.accounts.exists():
        raise ValidationError({"role_type": "The role is in use; its type cannot change."})
    checked = _check_rules(rules) if rules is not None else None
    for field, value in changes.items():
        setattr(role, field, value)
    role.full_clean()
    with transaction.atomic():
        role.save()
        if checked is not None:
            _replace_rules(role, checked)
        record_event("ROLE.UPDATE", acting_user=acting_user, resource=role, client_ip=client_ip)
    return role


def delete_role(role: Role, *, acting_user, client_ip=None) -> None:
    """Delete a custom role no account uses."""
    _require_root(acting_user)
    if role.is_default:
        raise ValidationError("Default roles cannot be deleted.")
    if role.accounts.exists():
        raise ValidationError("The role is assigned to accounts and cannot be deleted.")
    with transaction.atomic():
        record_event("ROLE.DELETE", acting_user=acting_user, resource=role, client_ip=client_ip)
        role.delete()
