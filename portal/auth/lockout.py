"""Account lockout: after ``LOGIN_MAX_FAILURES`` (CloudStack's default 5) consecutive failed
logins the user is locked until an administrator enables it again."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from portal.choices import AccountState, EventLevel
from portal.services.audit import record_event
from portal.services.users import lock_user

MAX_FAILURES = getattr(settings, "LOGIN_MAX_FAILURES", 5)


def can_log_in(user) -> bool:
    """Enabled user in an enabled account (locked or disabled ones are refused)."""
    if not user.is_active or user.state != AccountState.ENABLED:
        return False
    account = user.account
    return account is None or account.state == AccountState.ENABLED


def record_failed_login(user, *, client_ip: str | None) -> bool:
    """Count a failed login for ``user``; lock it at the limit. True if it is now locked."""
    type(user).objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "state", "is_active"])
    record_event(
        "USER.LOGIN",
        acting_user=None,
        resource=user,
        client_ip=client_ip,
        level=EventLevel.WARN,
        description=f"Failed login for user {user} ({user.failed_logins} in a row)",
    )
    if user.failed_logins >= MAX_FAILURES and user.state == AccountState.ENABLED:
        lock_user(user, acting_user=None, client_ip=client_ip)
        return True
    return user.state == AccountState.LOCKED


def record_successful_login(user, *, client_ip: str | None) -> None:
    if user.failed_logins:
        type(user).objects.filter(pk=user.pk).update(failed_logins=0)
        user.failed_logins = 0
    record_event(
        "USER.LOGIN",
        acting_user=user,
        resource=user,
        client_ip=client_ip,
        description=f"User {user} logged in",
    )
