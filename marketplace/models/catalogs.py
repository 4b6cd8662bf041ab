"""Catalogs (index files listing installable items) and their cached items."""

from django.db import models

from marketplace.choices import CatalogKind, PackageKind
from portal.models import PortalModel


class Catalog(PortalModel):
    """Where installable items are listed: a directory, a git repository at a pinned commit,
    or an HTTP(S) URL, each holding an ``index.json``."""

    tenant_scope = "public"

    name = models.CharField(verbose_name="name", max_length=100, unique=True)
    kind = models.CharField(verbose_name="kind", max_length=16, choices=CatalogKind.choices)
    url = models.CharField(
        verbose_name="location",
        max_length=500,
        help_text="Directory path, git URL or local repository path, or the index URL.",
    )
    ref = models.CharField(
        verbose_name="git commit",
        max_length=64,
        blank=True,
        help_text="Pinned commit (git catalogs only).",
    )
    index_path = models.CharField(verbose_name="index path", max_length=200, default="index.json")
    enabled = models.BooleanField(verbose_name="enabled", default=True)
    last_fetched = models.DateTimeField(verbose_name="last fetched", null=True, blank=True)
    last_error = models.TextField(verbose_name="last error", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "catalog"


class CatalogItem(PortalModel):
    """One version of one item as listed by a catalog's index (refreshed on fetch)."""

    tenant_scope = "public"

    catalog = models.ForeignKey(
        Catalog, verbose_name="catalog", on_delete=models.CASCADE, related_name="items"
    )
    plugin_id = models.CharField(verbose_name="plugin id", max_length=100)
    version = models.CharField(verbose_name="version", max_length=40)
    kind = models.CharField(verbose_name="kind", max_length=16, choices=PackageKind.choices)
    name = models.CharField(verbose_name="name", max_length=200)
    summary = models.CharField(verbose_name="summary", max_length=300, blank=True)
    description = models.TextField(verbose_name="description", blank=True)
    author = models.CharField(verbose_name="author", max_length=200, blank=True)
    homepage = models.CharField(verbose_name="homepage", max_length=300, blank=True)
    license = models.CharField(verbose_name="license", max_length=100, blank=True)
    changelog = models.TextField(verbose_name="changelog", blank=True)
    usage = models.TextField(verbose_name="usage", blank=True)
    artifact = models.CharField(verbose_name="artifact location", max_length=500)
    sha256 = models.CharField(verbose_name="SHA-256", max_length=64)
    size = models.PositiveBigIntegerField(verbose_name="size (bytes)")
    min_portal_version = models.CharField(
        verbose_name="min portal version", max_length=40, blank=True
    )
    max_portal_version = models.CharField(
        verbose_name="max portal version", max_length=40, blank=True
    )
    metadata = models.JSONField(verbose_name="metadata", default=dict, blank=True)

    class Meta:
        ordering = ["plugin_id", "id"]
        verbose_name = "catalog item"
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "plugin_id", "version"],
                name="marketplace_catalogitem_unique_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plugin_id} {self.version}"

    @property
    def compatible(self) -> bool:
        from marketplace.version import is_compatible

        return is_compatible(self.min_portal_version, self.max_portal_version)
