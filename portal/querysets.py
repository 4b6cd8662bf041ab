"""Tenant isolation at the queryset level.

Every view and API fetches objects through ``Model.objects.restrict(user, action)``. Root
admins see everything; domain admins see their domain subtree; users see their own account.
Another tenant's object is simply absent from the queryset (a 404, never a 403).
"""

from django.db import models
from django.db.models import Q


def is_root_admin(user) -> bool:
    account = getattr(user, "account", None)
    if getattr(user, "is_superuser", False):
        return True
    return account is not None and account.account_type in (1, 3)  # Root/Resource Admin


def is_domain_admin(user) -> bool:
    account = getattr(user, "account", None)
    return account is not None and account.account_type == 2


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to limit itself to what a user may see.

    Models declare ``tenant_scope``: ``"account"`` (owned through ``account``),
    ``"domain"`` (the Domain model itself, path-based), ``"public"`` (infrastructure and
    offerings: everyone authenticated may view, only admins change) or a custom lookup
    prefix such as ``"instance__account"``.
    """

    def restrict(self, user, action: str = "view"):
        if user is None or not user.is_authenticated:
            return self.none()
        if is_root_admin(user):
            return self
        scope = getattr(self.model, "tenant_scope", "account")
        account = getattr(user, "account", None)
        if account is None:
            return self.none()
        if scope == "public":
            return self if action == "view" else self.none()
        if scope == "domain":
            if is_domain_admin(user):
                return self.filter(path__startswith=account.domain.path)
            return self.filter(pk=account.domain_id) if action == "view" else self.none()
        if scope == "self":  # the Account model itself
            if is_domain_admin(user):
                return self.filter(domain__path__startswith=account.domain.path)
            return self.filter(pk=account.pk) if action == "view" else self.none()
        public = Q()
        if scope == "account_or_public":  # templates: own ones, plus public ones to view
            scope = "account"
            public = Q(is_public=True) if action == "view" else Q()
        prefix = "account" if scope == "account" else scope
        if is_domain_admin(user):
            own = Q(**{f"{prefix}__domain__path__startswith": account.domain.path})
        else:
            own = Q(**{prefix: account})
        return self.filter(own | public) if public else self.filter(own)


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass
