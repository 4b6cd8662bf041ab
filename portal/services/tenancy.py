"""Tenancy services: shared scope checks and the public entry points.

The services themselves live in ``domains``, ``accounts``, ``users``, ``projects``, ``roles``,
``apikeys`` and ``limits``; this module holds the scope rules they share and re-exports them
so callers may write ``from portal.services import tenancy`` and ``tenancy.create_domain``.

Scope rules (as CloudStack's): a root admin manages everything; a domain admin manages the
domain subtree *below* its own domain (domains) or the whole subtree (accounts, users,
limits of accounts); a plain user manages only itself. ``acting_user=None`` is the system.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from portal.choices import AccountType, RoleType
from portal.querysets import is_domain_admin, is_root_admin

# Which role type an account of each type must carry.
ROLE_TYPE_FOR_ACCOUNT_TYPE: dict[int, str] = {
    AccountType.USER: RoleType.USER,
    AccountType.ADMIN: RoleType.ADMIN,
    AccountType.DOMAIN_ADMIN: RoleType.DOMAIN_ADMIN,
    AccountType.RESOURCE_ADMIN: RoleType.RESOURCE_ADMIN,
}


def is_system_or_root(acting_user) -> bool:
    """True for the system (``None``) and for root/resource admins."""
    return acting_user is None or is_root_admin(acting_user)


def is_tenancy_admin(acting_user) -> bool:
    """True for anyone who may manage other accounts: root, resource and domain admins."""
    return is_system_or_root(acting_user) or is_domain_admin(acting_user)


def acting_domain_path(acting_user) -> str | None:
    """The domain path a domain admin manages, or None."""
    if acting_user is not None and is_domain_admin(acting_user):
        return acting_user.account.domain.path
    return None


def domain_in_scope(acting_user, domain, *, strictly_below: bool = False) -> bool:
    """May ``acting_user`` manage things in ``domain``?

    ``strictly_below`` excludes the domain admin's own domain (a domain admin creates child
    domains and manages their limits, but not its own domain's).
    """
    if is_system_or_root(acting_user):
        return True
    base = acting_domain_path(acting_user)
    if base is None:
        return False
    if strictly_below and domain.path == base:
        return False
    return domain.path.startswith(base)


def require_domain_scope(acting_user, domain, *, strictly_below: bool = False) -> None:
    """Raise ``PermissionDenied`` unless ``acting_user`` manages ``domain``."""
    if not domain_in_scope(acting_user, domain, strictly_below=strictly_below):
        raise PermissionDenied("You do not manage this domain.")


def require_account_scope(acting_user, account) -> None:
    """Raise ``PermissionDenied`` unless ``acting_user`` may manage ``account``."""
    require_domain_scope(acting_user, account.domain)


def ancestors(domain) -> list:
    """``domain`` and every domain above it, nearest first (one query)."""
    from portal.models import Domain

    parts = domain.path.strip("/").split("/") if domain.path != "/" else []
    paths = ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return list(Domain.objects.filter(path__in=paths).order_by("-path"))


def __getattr__(name: str):
    """Lazy re-exports of the tenancy services (avoids import cycles)."""
    from importlib import import_module

    for module in ("domains", "accounts", "users", "projects", "roles", "apikeys", "limits"):
        mod = import_module(f"portal.services.{module}")
        if hasattr(mod, name) and not name.startswith("_"):
            return getattr(mod, name)
    raise AttributeError(name)
