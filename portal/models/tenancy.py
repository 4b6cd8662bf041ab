"""Tenancy: domains (a tree), accounts, users, projects."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from portal.choices import AccountState, AccountType, ProjectState
from portal.querysets import RestrictedQuerySet

from .base import PortalModel


class Domain(PortalModel):
    """A node in the tenant tree. ``path`` is materialised ("/", "/Acme/", "/Acme/Dev/")
    so a domain admin's subtree is one indexed prefix query."""

    name = models.CharField(verbose_name="name", max_length=255)
    parent = models.ForeignKey(
        "self",
        verbose_name="parent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(verbose_name="path", max_length=1024, unique=True, editable=False)
    network_domain = models.CharField(verbose_name="network domain", max_length=255, blank=True)
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=AccountState.choices,
        default=AccountState.ENABLED,
    )

    tenant_scope = "domain"

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="domain_unique_name_per_parent"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="domain_single_root"
            ),
        ]

    @property
    def level(self) -> int:
        return self.path.count("/") - 1

    def compute_path(self) -> str:
        if self.parent_id is None:
            return "/"
        return f"{self.parent.path}{self.name}/"


class Account(PortalModel):
    """An owner of resources inside a domain; its type sets its powers."""

    name = models.CharField(verbose_name="name", max_length=255)
    domain = models.ForeignKey(
        Domain, verbose_name="domain", on_delete=models.PROTECT, related_name="accounts"
    )
    account_type = models.PositiveSmallIntegerField(
        verbose_name="type", choices=AccountType.choices, default=AccountType.USER
    )
    role = models.ForeignKey(
        "portal.Role", verbose_name="role", on_delete=models.PROTECT, related_name="accounts"
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=AccountState.choices,
        default=AccountState.ENABLED,
    )
    network_domain = models.CharField(verbose_name="network domain", max_length=255, blank=True)

    tenant_scope = "self"

    class Meta:
        ordering = ["domain__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "name"], name="account_unique_name_per_domain"
            )
        ]

    @property
    def is_admin(self) -> bool:
        return self.account_type in (AccountType.ADMIN, AccountType.RESOURCE_ADMIN)


class PortalUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A person (or API client) who logs in; belongs to exactly one account."""

    uuid = models.UUIDField(verbose_name="UUID", default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        Account,
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    timezone = models.CharField(verbose_name="time zone", max_length=64, blank=True)
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=AccountState.choices,
        default=AccountState.ENABLED,
    )
    failed_logins = models.PositiveIntegerField(verbose_name="failed logins", default=0)
    updated = models.DateTimeField(verbose_name="updated", auto_now=True)

    objects = PortalUserManager()
    tenant_scope = "account"

    class Meta:
        ordering = ["username"]

    @property
    def domain(self):
        return self.account.domain if self.account_id else None


class Project(PortalModel):
    """A group of accounts sharing resources inside one domain."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=255, blank=True)
    domain = models.ForeignKey(
        Domain, verbose_name="domain", on_delete=models.PROTECT, related_name="projects"
    )
    account = models.ForeignKey(
        Account, verbose_name="owner", on_delete=models.PROTECT, related_name="owned_projects"
    )
    members = models.ManyToManyField(
        Account, verbose_name="members", related_name="projects", blank=True
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=ProjectState.choices,
        default=ProjectState.ACTIVE,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "name"], name="project_unique_name_per_domain"
            )
        ]
