"""Account services: create (with its first user), update, enable/disable/lock, delete."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from portal.choices import AccountState, AccountType
from portal.models import Account, Domain, Role
from portal.services.audit import record_event
from portal.services.tenancy import (
    ROLE_TYPE_FOR_ACCOUNT_TYPE,
    is_system_or_root,
    require_domain_scope,
)

# Fields of the optional first user given with createAccount.
FIRST_USER_FIELDS = ("username", "password", "email", "first_name", "last_name", "timezone")


def _check_type_and_role(acting_user, account_type: int, role: Role | None) -> Role:
    """The role to use: ``role`` if its type matches ``account_type``, else the default."""
    if account_type not in ROLE_TYPE_FOR_ACCOUNT_TYPE:
        raise ValidationError({"account_type": f"Unknown account type {account_type}."})
    if not is_system_or_root(acting_user) and account_type not in (
        AccountType.USER,
        AccountType.DOMAIN_ADMIN,
    ):
        raise ValidationError(
            {"account_type": "Only a root admin may create admin or resource-admin accounts."}
        )
    wanted = ROLE_TYPE_FOR_ACCOUNT_TYPE[account_type]
    if role is None:
        role = Role.objects.filter(role_type=wanted, is_default=True, read_only=False).first()
        if role is None:
            raise ValidationError({"role": f"No default role of type {wanted}; give one."})
    elif role.role_type != wanted:
        raise ValidationError(
            {
                "role": f"Role '{role}' is of type {role.role_type}; "
                f"an account of type {AccountType(account_type).label} needs a {wanted} role."
            }
        )
    return role


def _check_name(name: str, domain: Domain, *, exclude_pk: int | None = None) -> None:
    if not name or not name.strip():
        raise ValidationError({"name": "This field may not be blank."})
    clash = Account.objects.filter(domain=domain, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"An account named '{name}' already exists in {domain}."})


def _is_system_account(account: Account) -> bool:
    return account.domain.parent_id is None and account.name == "admin"


def _require_manageable(acting_user, account: Account) -> None:
    """In scope, and not an admin account unless the actor is a root admin."""
    require_domain_scope(acting_user, account.domain)
    if not is_system_or_root(acting_user) and account.account_type in (
        AccountType.ADMIN,
        AccountType.RESOURCE_ADMIN,
    ):
        raise PermissionDenied("Only a root admin may manage admin accounts.")


def create_account(
    *,
    acting_user,
    client_ip=None,
    domain: Domain | None = None,
    account_type: int = AccountType.USER,
    role: Role | None = None,
    **fields,
) -> Account:
    """Create an account in ``domain``; with ``username``/``password``/``email`` also its
    first user (as CloudStack's ``createAccount``). Nothing is written on any error."""
    from portal.services.users import create_user

    if domain is None:
        raise ValidationError({"domain": "This field is required."})
    require_domain_scope(acting_user, domain)
    user_fields = {k: fields.pop(k) for k in FIRST_USER_FIELDS if k in fields}
    if user_fields and not {"username", "password"} <= user_fields.keys():
        missing = sorted({"username", "password"} - user_fields.keys())
        raise ValidationError({f: "Required to create the account's first user." for f in missing})
    role = _check_type_and_role(acting_user, account_type, role)
    _check_name(fields.get("name", ""), domain)
    account = Account(domain=domain, account_type=account_type, role=role, **fields)
    account.full_clean()
    with transaction.atomic():
        account.save()
        record_event(
            "ACCOUNT.CREATE", acting_user=acting_user, resource=account, client_ip=client_ip
        )
        if user_fields:
            create_user(
                acting_user=acting_user, client_ip=client_ip, account=account, **user_fields
            )
    return account


def update_account(account: Account, *, acting_user, client_ip=None, **changes) -> Account:
    """Rename an account, change its role (same type) or network domain."""
    _require_manageable(acting_user, account)
    if "domain" in changes and changes["domain"] != account.domain:
        raise ValidationError({"domain": "Moving an account to another domain is not supported."})
    changes.pop("domain", None)
    for field in FIRST_USER_FIELDS:
        if field in changes:
            raise ValidationError({field: "Only accepted when creating an account."})
    account_type = changes.pop("account_type", account.account_type)
    if account_type != account.account_type or "role" in changes:
        if _is_system_account(account):
            raise ValidationError({"role": "The system admin account keeps its role."})
        changes["role"] = _check_type_and_role(acting_user, account_type, changes.get("role"))
    if "name" in changes and changes["name"] != account.name:
        if _is_system_account(account):
            raise ValidationError({"name": "The system admin account cannot be renamed."})
        _check_name(changes["name"], account.domain, exclude_pk=account.pk)
    for field, value in changes.items():
        setattr(account, field, value)
    account.account_type = account_type
    account.full_clean()
    with transaction.atomic():
        account.save()
        record_event(
            "ACCOUNT.UPDATE", acting_user=acting_user, resource=account, client_ip=client_ip
        )
    return account


def _set_state(account: Account, state: str, event_type: str, *, acting_user, client_ip) -> Account:
    _require_manageable(acting_user, account)
    if state != AccountState.ENABLED:
        if acting_user is not None and getattr(acting_user, "account_id", None) == account.pk:
            raise ValidationError("You cannot disable or lock your own account.")
        if _is_system_account(account):
            raise ValidationError("The system admin account cannot be disabled or locked.")
    with transaction.atomic():
        account.state = state
        account.save(update_fields=["state", "updated"])
        record_event(event_type, acting_user=acting_user, resource=account, client_ip=client_ip)
    return account


def enable_account(account: Account, *, acting_user, client_ip=None) -> Account:
    """Let the account's users log in and its resources run again."""
    return _set_state(
        account,
        AccountState.ENABLED,
        "ACCOUNT.ENABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def disable_account(account: Account, *, acting_user, client_ip=None) -> Account:
    """Refuse logins of the account's users (its resources are left as they are)."""
    return _set_state(
        account,
        AccountState.DISABLED,
        "ACCOUNT.DISABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def lock_account(account: Account, *, acting_user, client_ip=None) -> Account:
    """Lock the account: its users cannot log in until an admin enables it."""
    return _set_state(
        account, AccountState.LOCKED, "ACCOUNT.LOCK", acting_user=acting_user, client_ip=client_ip
    )


def owned_resources(account: Account) -> dict[str, list[str]]:
    """Live resources the account still owns, by kind (only kinds it has), each named
    ``name (uuid)``: what its admin finds in the lists (``listall``) and must remove."""
    from compute.models import Instance
    from networking.models import IPAddress, Network
    from storage.models import Snapshot, Template, Volume

    live = {
        "instances": Instance.objects.filter(account=account, removed__isnull=True),
        "volumes": Volume.objects.filter(account=account, removed__isnull=True),
        "networks": Network.objects.filter(account=account, removed__isnull=True),
        "public IPs": IPAddress.objects.filter(account=account),
        "templates": Template.objects.filter(account=account, removed__isnull=True),
        "snapshots": Snapshot.objects.filter(account=account, removed__isnull=True),
        "projects": account.owned_projects.all(),
    }
    owned = {}
    for kind, rows in live.items():
        labels = [f"{row} ({row.uuid})" for row in rows.order_by("pk")[: OWNED_NAMED + 1]]
        if labels:
            total = rows.count() if len(labels) > OWNED_NAMED else len(labels)
            owned[kind] = labels[:OWNED_NAMED] + (
                [f"and {total - OWNED_NAMED} more"] if total > OWNED_NAMED else []
            )
    return owned


OWNED_NAMED = 10  # resources named per kind in the refusal


def delete_account(account: Account, *, acting_user, client_ip=None) -> None:
    """Delete an account that owns no resources, with its users and their API keys."""
    _require_manageable(acting_user, account)
    if acting_user is not None and getattr(acting_user, "account_id", None) == account.pk:
        raise ValidationError("You cannot delete your own account.")
    if _is_system_account(account):
        raise ValidationError("The system admin account cannot be deleted.")
    owned = owned_resources(account)
    if owned:
        listing = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in owned.items())
        raise ValidationError(f"The account still owns resources: {listing}.")
    with transaction.atomic():
        # The event is written first: deleting the account nulls its account link.
        record_event(
            "ACCOUNT.DELETE", acting_user=acting_user, resource=account, client_ip=client_ip
        )
        _purge_history(account)
        try:
            account.users.all().delete()
            account.delete()
        except ProtectedError as exc:
            names = ", ".join(
                f"{type(o)._meta.verbose_name} {o} ({getattr(o, 'uuid', o.pk)})"
                for o in list(exc.protected_objects)[:20]
            )
            raise ValidationError(f"{account} is still referenced by: {names}.") from exc


def _purge_history(account: Account) -> None:
    """Delete the rows the account's removed resources left behind (expunged instances,
    deleted volumes, networks, templates, snapshots) and its finished jobs: they would keep
    the account (PROTECT). Rows referencing each other are retried until nothing more can go."""
    from django.db.models import PROTECT

    from portal.choices import JobStatus
    from portal.models import AsyncJob

    AsyncJob.objects.filter(
        account=account, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]
    ).delete()
    relations = [
        rel
        for rel in Account._meta.related_objects
        if rel.on_delete is PROTECT
        and any(f.name == "removed" for f in rel.related_model._meta.get_fields())
    ]
    pending = list(relations)
    for _ in range(len(relations) + 1):
        blocked = []
        for rel in pending:
            rows = rel.related_model._base_manager.filter(
                **{rel.field.name: account, "removed__isnull": False}
            )
            try:
                with transaction.atomic():
                    rows.delete()
            except ProtectedError:
                blocked.append(rel)
        if not blocked or len(blocked) == len(pending):
            return
        pending = blocked
