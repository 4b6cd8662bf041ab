"""Configuration values: a setting's value at one scope (CloudStack's ``configuration``
table for global values and the ``*_details`` tables for zone, cluster, storage pool,
account and domain values)."""

from django.conf import settings
from django.db import models

from portal.fields import EncryptedTextField

SCOPE_CHOICES = [
    ("global", "Global"),
    ("zone", "Zone"),
    ("cluster", "Cluster"),
    ("storagepool", "Storage pool"),
    ("account", "Account"),
    ("domain", "Domain"),
    ("imagestore", "Image store"),
]


class ConfigurationValue(models.Model):
    """The value of the setting ``name`` at ``scope`` for the object ``scope_id`` (0 for
    global). Values of secret keys are kept encrypted in ``secret_value``; ``value`` stays
    empty for them. A setting without a row has its key's default (or its parent scope's
    value)."""

    name = models.CharField(verbose_name="name", max_length=255)
    scope = models.CharField(verbose_name="scope", max_length=16, choices=SCOPE_CHOICES)
    scope_id = models.PositiveBigIntegerField(verbose_name="scope object ID", default=0)
    value = models.TextField(verbose_name="value", blank=True)
    secret_value = EncryptedTextField(verbose_name="secret value", blank=True)
    updated = models.DateTimeField(verbose_name="updated", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="updated by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="configuration_values",
    )

    class Meta:
        ordering = ["name", "scope", "scope_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "scope", "scope_id"], name="configuration_value_unique_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.scope}:{self.scope_id}"

    @property
    def stored(self) -> str:
        return self.secret_value or self.value
