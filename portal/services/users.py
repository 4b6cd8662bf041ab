"""User services: create, update, change password, enable/disable/lock, move, delete."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.choices import AccountState, AccountType
from portal.models import Account
from portal.services.audit import record_event
from portal.services.tenancy import (
    is_system_or_root,
    is_tenancy_admin,
    require_domain_scope,
)

User = get_user_model()

ADMIN_TYPES = (AccountType.ADMIN, AccountType.RESOURCE_ADMIN)

# What a user may change on itself; admins may change these too.
SELF_EDITABLE = {"username", "email", "first_name", "last_name", "timezone"}


def _check_password(password: str, user, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _check_username(username: str, *, exclude_pk: int | None = None) -> None:
    if not username or not username.strip():
        raise ValidationError({"username": "This field may not be blank."})
    clash = User.objects.filter(username=username)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"username": f"The username '{username}' is taken."})


def _require_user_scope(acting_user, user) -> None:
    """Admins manage users of accounts in their scope; anyone else only itself."""
    if acting_user is None or acting_user.pk == user.pk or is_system_or_root(acting_user):
        return
    if is_tenancy_admin(acting_user) and user.account is not None:
        require_domain_scope(acting_user, user.account.domain)
        if user.is_superuser or user.account.account_type in ADMIN_TYPES:
            raise PermissionDenied("Only a root admin may manage admins' users.")
        return
    raise PermissionDenied("You may only change your own user.")


def create_user(
    *,
    acting_user,
    client_ip=None,
    account: Account | None = None,
    password: str = "",
    **fields,
):
    """Create a user in ``account``; the password is validated and stored hashed."""
    if account is None:
        raise ValidationError({"account": "This field is required."})
    if acting_user is not None and not is_tenancy_admin(acting_user):
        raise PermissionDenied("Only admins may create users.")
    require_domain_scope(acting_user, account.domain)
    if not is_system_or_root(acting_user) and account.account_type in ADMIN_TYPES:
        raise PermissionDenied("Only a root admin may add users to admin accounts.")
    _check_username(fields.get("username", ""))
    user = User(account=account, **fields)
    if not password:
        raise ValidationError({"password": "This field is required."})
    _check_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        record_event("USER.CREATE", acting_user=acting_user, resource=user, client_ip=client_ip)
    return user


def update_user(user, *, acting_user, client_ip=None, **changes):
    """Change a user's name, e-mail or time zone (passwords go through change_password)."""
    _require_user_scope(acting_user, user)
    if "password" in changes:
        raise ValidationError({"password": "Change passwords with the password endpoint."})
    if "account" in changes and changes["account"] != user.account:
        raise ValidationError({"account": "Moving a user to another account is not supported."})
    changes.pop("account", None)
    unknown = set(changes) - SELF_EDITABLE
    if unknown:
        raise ValidationError({f: "This field cannot be changed here." for f in sorted(unknown)})
    if "username" in changes and changes["username"] != user.username:
        _check_username(changes["username"], exclude_pk=user.pk)
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        record_event("USER.UPDATE", acting_user=acting_user, resource=user, client_ip=client_ip)
    return user


def change_password(
    user,
    *,
    acting_user,
    client_ip=None,
    new_password: str,
    old_password: str | None = None,
):
    """Set a new password. Changing one's own needs the old one; admins may reset others'."""
    _require_user_scope(acting_user, user)
    is_self = acting_user is not None and acting_user.pk == user.pk
    if is_self and not (old_password and user.check_password(old_password)):
        raise ValidationError({"old_password": "The current password is wrong or missing."})
    _check_password(new_password, user, "new_password")
    user.set_password(new_password)
    with transaction.atomic():
        user.save(update_fields=["password", "updated"])
        record_event(
            "USER.UPDATE",
            acting_user=acting_user,
            resource=user,
            client_ip=client_ip,
            description=f"Password of user {user} changed",
        )
    return user


def _set_state(user, state: str, event_type: str, *, acting_user, client_ip):
    if acting_user is not None and not is_tenancy_admin(acting_user):
        raise PermissionDenied("Only admins may enable or disable users.")
    _require_user_scope(acting_user, user)
    if state != AccountState.ENABLED and acting_user is not None and acting_user.pk == user.pk:
        raise ValidationError("You cannot disable or lock yourself.")
    with transaction.atomic():
        user.state = state
        user.is_active = state == AccountState.ENABLED
        if state == AccountState.ENABLED:
            user.failed_logins = 0
        user.save(update_fields=["state", "is_active", "failed_logins", "updated"])
        record_event(event_type, acting_user=acting_user, resource=user, client_ip=client_ip)
    return user


def enable_user(user, *, acting_user, client_ip=None):
    """Let the user log in again (also clears failed logins)."""
    return _set_state(
        user, AccountState.ENABLED, "USER.ENABLE", acting_user=acting_user, client_ip=client_ip
    )


def disable_user(user, *, acting_user, client_ip=None):
    """Refuse the user's logins and API keys."""
    return _set_state(
        user, AccountState.DISABLED, "USER.DISABLE", acting_user=acting_user, client_ip=client_ip
    )


def lock_user(user, *, acting_user, client_ip=None):
    """Lock the user (as after too many failed logins) until an admin enables it."""
    return _set_state(
        user, AccountState.LOCKED, "USER.LOCK", acting_user=acting_user, client_ip=client_ip
    )


def delete_user(user, *, acting_user, client_ip=None) -> None:
    """Delete a user and its API keys (the account and its resources stay)."""
    if acting_user is not None and not is_tenancy_admin(acting_user):
        raise PermissionDenied("Only admins may delete users.")
    _require_user_scope(acting_user, user)
    if acting_user is not None and acting_user.pk == user.pk:
        raise ValidationError("You cannot delete yourself.")
    with transaction.atomic():
        record_event("USER.DELETE", acting_user=acting_user, resource=user, client_ip=client_ip)
        user.delete()


def move_user(user, *, account: Account, acting_user, client_ip=None):
    """Move a user to another account of the same domain (its API keys go with it)."""
    if acting_user is not None and not is_tenancy_admin(acting_user):
        raise PermissionDenied("Only admins may move users.")
    _require_user_scope(acting_user, user)
    if user.account is None:
        raise ValidationError("A user without an account cannot be moved.")
    require_domain_scope(acting_user, account.domain)
    if account.pk == user.account_id:
        raise ValidationError(f"The user is already in account {account.name}.")
    if account.domain_id != user.account.domain_id:
        raise ValidationError("A user can only be moved to an account of the same domain.")
    if not is_system_or_root(acting_user) and account.account_type in ADMIN_TYPES:
        raise PermissionDenied("Only a root admin may move users into admin accounts.")
    if acting_user is not None and acting_user.pk == user.pk:
        raise ValidationError("You cannot move yourself.")
    source = user.account
    with transaction.atomic():
        user.account = account
        user.save(update_fields=["account", "updated"])
        record_event(
            "USER.MOVE",
            acting_user=acting_user,
            resource=user,
            client_ip=client_ip,
            description=f"User {user} moved from account {source.name} to {account.name}",
        )
    return user
