"""Script extensions (CloudStack's executable contract), their versions, custom actions,
resource bindings and the record of every run."""

from django.conf import settings
from django.db import models

from marketplace.choices import ExtensionType
from portal.fields import EncryptedTextField
from portal.models import PortalModel


class Extension(PortalModel):
    """An executable the portal runs with ``action payload-file timeout``. Its content lives
    in :class:`ExtensionVersion` rows; ``current_version`` says which one runs."""

    tenant_scope = "public"

    name = models.CharField(verbose_name="name", max_length=100, unique=True)
    type = models.CharField(
        verbose_name="type",
        max_length=32,
        choices=ExtensionType.choices,
        default=ExtensionType.ORCHESTRATOR,
    )
    description = models.TextField(verbose_name="description", blank=True)
    enabled = models.BooleanField(verbose_name="enabled", default=False)
    current_version = models.PositiveIntegerField(verbose_name="current version", default=0)
    timeout = models.PositiveIntegerField(
        verbose_name="timeout (s)", default=300, help_text="Passed as the third argument."
    )
    requires_prepare_vm = models.BooleanField(
        verbose_name="orchestrator requires prepare", default=False
    )
    details = models.JSONField(verbose_name="details", default=dict, blank=True)
    secret_details = EncryptedTextField(verbose_name="secret details (JSON)", blank=True)
    plugin_id = models.CharField(
        verbose_name="catalog id",
        max_length=100,
        blank=True,
        help_text="Set when installed from a catalog.",
    )
    metadata = models.JSONField(verbose_name="metadata", default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "script extension"

    @property
    def directory_name(self) -> str:
        """CloudStack's ``Extension.getDirectoryName``: sanitised and lowercased."""
        import re

        return re.sub(r"[^a-zA-Z0-9._-]", "_", self.name).lower()


class ExtensionVersion(PortalModel):
    """One immutable version of an extension's files; an edit makes a new one."""

    tenant_scope = "public"

    extension = models.ForeignKey(
        Extension, verbose_name="extension", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(verbose_name="number")
    entrypoint = models.CharField(verbose_name="entry point", max_length=200)
    files = models.JSONField(verbose_name="files", help_text="Relative path -> text content.")
    sha256 = models.CharField(verbose_name="tree SHA-256", max_length=64)
    comment = models.CharField(verbose_name="comment", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["extension", "-number"]
        verbose_name = "extension version"
        constraints = [
            models.UniqueConstraint(
                fields=["extension", "number"], name="marketplace_extensionversion_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.extension} v{self.number}"


class ExtensionCustomAction(PortalModel):
    """A custom action (CloudStack ``addCustomAction``) with typed parameters."""

    tenant_scope = "public"

    extension = models.ForeignKey(
        Extension, verbose_name="extension", on_delete=models.CASCADE, related_name="custom_actions"
    )
    name = models.CharField(verbose_name="name", max_length=100)
    description = models.CharField(verbose_name="description", max_length=300, blank=True)
    resource_type = models.CharField(
        verbose_name="resource type", max_length=32, default="VirtualMachine"
    )
    allowed_role_types = models.JSONField(
        verbose_name="allowed role types", default=list, blank=True
    )
    parameters = models.JSONField(
        verbose_name="parameters",
        default=list,
        blank=True,
        help_text='[{"name", "type": STRING|NUMBER|BOOLEAN|DATE, "validationformat", '
        '"valueoptions", "required"}]',
    )
    success_message = models.CharField(verbose_name="success message", max_length=300, blank=True)
    error_message = models.CharField(verbose_name="error message", max_length=300, blank=True)
    timeout = models.PositiveIntegerField(verbose_name="timeout (s)", default=0)
    enabled = models.BooleanField(verbose_name="enabled", default=True)
    details = models.JSONField(
        verbose_name="details",
        default=dict,
        blank=True,
        help_text="Sent to the extension as externaldetails.action when the action runs.",
    )

    class Meta:
        ordering = ["extension", "name"]
        verbose_name = "custom action"
        constraints = [
            models.UniqueConstraint(
                fields=["extension", "name"], name="marketplace_customaction_unique_name"
            )
        ]


class ExtensionResourceMap(PortalModel):
    """Binds an extension to a resource (a cluster of hypervisor type External, a physical
    network) with per-binding details, as CloudStack's ``registerExtension``."""

    tenant_scope = "public"

    extension = models.ForeignKey(
        Extension, verbose_name="extension", on_delete=models.PROTECT, related_name="resource_maps"
    )
    resource_type = models.CharField(verbose_name="resource type", max_length=32, default="Cluster")
    resource_id = models.PositiveBigIntegerField(verbose_name="resource id")
    details = models.JSONField(verbose_name="details", default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "extension binding"
        constraints = [
            models.UniqueConstraint(
                fields=["extension", "resource_type", "resource_id"],
                name="marketplace_resourcemap_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.extension} -> {self.resource_type} {self.resource_id}"


class ExtensionRun(PortalModel):
    """One execution: what ran, what it printed (stdout and stderr apart), how it ended."""

    tenant_scope = "public"

    extension = models.ForeignKey(
        Extension, verbose_name="extension", on_delete=models.CASCADE, related_name="runs"
    )
    version = models.PositiveIntegerField(verbose_name="version")
    action = models.CharField(verbose_name="action", max_length=100)
    resource_type = models.CharField(verbose_name="resource type", max_length=32, blank=True)
    resource_id = models.CharField(verbose_name="resource id", max_length=64, blank=True)
    exit_code = models.IntegerField(verbose_name="exit code", null=True, blank=True)
    stdout = models.TextField(verbose_name="stdout", blank=True)
    stderr = models.TextField(verbose_name="stderr", blank=True)
    duration = models.FloatField(verbose_name="duration (s)", default=0)
    timed_out = models.BooleanField(verbose_name="timed out", default=False)
    truncated = models.BooleanField(verbose_name="output truncated", default=False)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="caller",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "extension run"

    def __str__(self) -> str:
        return f"{self.extension} {self.action} rc={self.exit_code}"

    @property
    def success(self) -> bool:
        return self.exit_code == 0 and not self.timed_out
