"""Resource tags: free key/value labels on instances, volumes, networks and templates
(CloudStack's ``createTags``/``listTags``), owned by the tagged resource's account."""

from django.db import models

from .base import PortalModel


class ResourceTag(PortalModel):
    """One ``key=value`` tag on one resource, found by the resource's type and UUID.

    Generic on purpose (no foreign key): any taggable model can carry tags. A key appears
    at most once per resource.
    """

    resource_type = models.CharField(
        verbose_name="resource type",
        max_length=32,
        help_text="CloudStack's name of the resource type: UserVm, Volume, Network, Template, ISO.",
    )
    resource_uuid = models.UUIDField(verbose_name="resource UUID")
    key = models.CharField(verbose_name="key", max_length=255)
    value = models.CharField(verbose_name="value", max_length=255, blank=True)
    customer = models.CharField(verbose_name="customer", max_length=255, blank=True)
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resource_tags",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.CASCADE,
        related_name="resource_tags",
    )

    tenant_scope = "account"

    class Meta:
        ordering = ["resource_type", "resource_uuid", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource_uuid", "key"], name="resourcetag_unique_key_per_resource"
            )
        ]
        indexes = [
            models.Index(
                fields=["resource_type", "key", "value"], name="resourcetag_type_key_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
