"""Roles with per-command permission rules, API keys, resource limits."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.choices import ResourceType, RoleType, RulePermission
from portal.fields import EncryptedTextField
from portal.querysets import RestrictedManager

from .base import PortalModel


class Role(PortalModel):
    """A named set of API permission rules; accounts carry one role."""

    name = models.CharField(verbose_name="name", max_length=255, unique=True)
    role_type = models.CharField(verbose_name="type", max_length=16, choices=RoleType.choices)
    description = models.TextField(verbose_name="description", blank=True)
    is_default = models.BooleanField(verbose_name="default role", default=False)
    read_only = models.BooleanField(verbose_name="read only", default=False)

    tenant_scope = "public"

    class Meta:
        ordering = ["id"]

    def allows(self, command: str) -> bool:
        """True when the first matching rule (by ``sort_order``) allows ``command``.

        Answers are cached per process by role and its ``updated`` stamp (every rule change
        goes through the role services, which save the role), for at most a minute."""
        rules = _compiled_rules(self)
        name = command.lower()
        for pattern, allow in rules:
            if pattern.fullmatch(name):
                return allow
        return False


_RULE_CACHE: dict[int, tuple[object, float, list]] = {}
_RULE_CACHE_SECONDS = 60


def _compiled_rules(role: Role) -> list:
    import re
    import time
    from fnmatch import translate

    cached = _RULE_CACHE.get(role.pk)
    now = time.monotonic()
    if cached and cached[0] == role.updated and now - cached[1] < _RULE_CACHE_SECONDS:
        return cached[2]
    rules = [
        (re.compile(translate(r.rule.lower())), r.permission == RulePermission.ALLOW)
        for r in role.rules.all()
    ]
    _RULE_CACHE[role.pk] = (role.updated, now, rules)
    return rules


class RolePermission(models.Model):
    """One rule of a role: a command name or wildcard ("list*", "*") allowed or denied."""

    role = models.ForeignKey(
        Role, verbose_name="role", on_delete=models.CASCADE, related_name="rules"
    )
    rule = models.CharField(verbose_name="rule", max_length=255)
    permission = models.CharField(
        verbose_name="permission", max_length=8, choices=RulePermission.choices
    )
    description = models.CharField(verbose_name="description", max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(verbose_name="order", default=0)

    class Meta:
        ordering = ["role", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["role", "rule"], name="rolepermission_unique_rule")
        ]

    def __str__(self) -> str:
        return f"{self.permission} {self.rule}"


def generate_api_key() -> str:
    return secrets.token_urlsafe(64)


class ApiKeyPair(PortalModel):
    """An API key and its secret key for signed requests; the secret is encrypted at rest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    name = models.CharField(verbose_name="name", max_length=255, blank=True)
    api_key = models.CharField(
        verbose_name="API key", max_length=128, unique=True, default=generate_api_key
    )
    secret_key = EncryptedTextField(verbose_name="secret key", default=generate_api_key)
    revoked = models.BooleanField(verbose_name="revoked", default=False)
    last_used = models.DateTimeField(verbose_name="last used", null=True, blank=True)

    tenant_scope = "user__account"

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name or self.api_key[:8]


class ResourceLimit(models.Model):
    """Maximum of one resource type for an account or a domain (-1 = unlimited)."""

    resource_type = models.CharField(
        verbose_name="resource type", max_length=32, choices=ResourceType.choices
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="limits",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="limits",
    )
    max = models.BigIntegerField(verbose_name="maximum", default=-1)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=True, domain__isnull=False)
                | Q(account__isnull=False, domain__isnull=True),
                name="resourcelimit_exactly_one_owner",
            ),
            models.UniqueConstraint(
                fields=["account", "resource_type"],
                condition=Q(account__isnull=False),
                name="resourcelimit_unique_per_account",
            ),
            models.UniqueConstraint(
                fields=["domain", "resource_type"],
                condition=Q(domain__isnull=False),
                name="resourcelimit_unique_per_domain",
            ),
            models.CheckConstraint(condition=Q(max__gte=-1), name="resourcelimit_max_ge_minus1"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}={self.max}"
