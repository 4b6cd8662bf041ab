"""Installed plugins (Django apps) and their self-test runs."""

from django.conf import settings
from django.db import models

from marketplace.choices import PackageKind, PluginStatus
from portal.fields import EncryptedTextField
from portal.models import PortalModel


class Plugin(PortalModel):
    """A plugin the marketplace installed (or found installed): its version, the exact
    artifact it came from, whether it is enabled (read at runtime, no restart) and the
    previous install kept for a one-step rollback."""

    tenant_scope = "public"

    plugin_id = models.CharField(verbose_name="plugin id", max_length=100, unique=True)
    kind = models.CharField(
        verbose_name="kind",
        max_length=16,
        choices=PackageKind.choices,
        default=PackageKind.DJANGO_APP,
    )
    name = models.CharField(verbose_name="name", max_length=200)
    version = models.CharField(verbose_name="version", max_length=40)
    module = models.CharField(
        verbose_name="app module",
        max_length=200,
        blank=True,
        help_text="Dotted path of the plugin's AppConfig, as put in INSTALLED_APPS.",
    )
    app_label = models.CharField(verbose_name="app label", max_length=100, blank=True)
    sha256 = models.CharField(verbose_name="artifact SHA-256", max_length=64, blank=True)
    artifact_path = models.CharField(verbose_name="stored artifact", max_length=500, blank=True)
    install_path = models.CharField(verbose_name="install path", max_length=500, blank=True)
    source = models.CharField(verbose_name="source", max_length=300, blank=True)
    catalog = models.ForeignKey(
        "marketplace.Catalog",
        verbose_name="catalog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plugins",
    )
    status = models.CharField(
        verbose_name="status",
        max_length=16,
        choices=PluginStatus.choices,
        default=PluginStatus.INSTALLED,
    )
    status_message = models.TextField(verbose_name="status message", blank=True)
    enabled = models.BooleanField(verbose_name="enabled", default=False)
    config = models.JSONField(verbose_name="configuration", default=dict, blank=True)
    secret_config = EncryptedTextField(verbose_name="secret configuration (JSON)", blank=True)
    previous = models.JSONField(
        verbose_name="previous install",
        default=dict,
        blank=True,
        help_text="The install record replaced by the last upgrade (for rollback).",
    )
    metadata = models.JSONField(verbose_name="metadata", default=dict, blank=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="installed by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["plugin_id"]
        verbose_name = "plugin"

    def __str__(self) -> str:
        return self.name or self.plugin_id


class PluginTestRun(PortalModel):
    """The stored result of a plugin's static checks and self-test."""

    tenant_scope = "public"

    plugin = models.ForeignKey(
        Plugin, verbose_name="plugin", on_delete=models.CASCADE, related_name="test_runs"
    )
    version = models.CharField(verbose_name="version", max_length=40)
    ok = models.BooleanField(verbose_name="passed")
    results = models.JSONField(verbose_name="results", default=list)

    class Meta:
        ordering = ["-id"]
        verbose_name = "plugin test run"

    def __str__(self) -> str:
        return f"{self.plugin} {self.version}: {'ok' if self.ok else 'failed'}"
