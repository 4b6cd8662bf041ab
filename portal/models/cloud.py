"""Cloud-wide records of CloudStack's API: regions, resource details and the management
certificate authority."""

from django.db import models

from portal.fields import EncryptedTextField

from .base import PortalModel


class Region(models.Model):
    """A CloudStack region: an integer id, a name and the API endpoint of its management
    servers. Every installation has region 1, the local one (created on first listing)."""

    id = models.PositiveIntegerField(verbose_name="region ID", primary_key=True)
    name = models.CharField(verbose_name="name", max_length=255, unique=True)
    endpoint = models.CharField(verbose_name="endpoint", max_length=255)
    gslb_service_enabled = models.BooleanField(verbose_name="GSLB service", default=False)
    portable_ip_service_enabled = models.BooleanField(
        verbose_name="portable IP service", default=False
    )
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ResourceDetail(PortalModel):
    """One ``key=value`` detail of one resource (CloudStack's ``*_details`` tables behind
    ``addResourceDetail``), found by the resource's type and UUID and owned by the
    resource's account (none for infrastructure such as zones and hosts)."""

    resource_type = models.CharField(verbose_name="resource type", max_length=32)
    resource_uuid = models.UUIDField(verbose_name="resource UUID")
    key = models.CharField(verbose_name="key", max_length=255)
    value = models.CharField(verbose_name="value", max_length=1024, blank=True)
    display = models.BooleanField(verbose_name="shown to the end user", default=True)
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resource_details",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resource_details",
    )

    tenant_scope = "account"

    class Meta:
        ordering = ["resource_type", "resource_uuid", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_uuid", "key"],
                name="resourcedetail_unique_key_per_resource",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class CertificateAuthority(models.Model):
    """The management server's certificate authority (CloudStack's ``root`` CA provider):
    a self-signed CA certificate and its private key, encrypted at rest. Generated on first
    use; one row per provider."""

    provider = models.CharField(verbose_name="provider", max_length=32, unique=True)
    certificate = models.TextField(verbose_name="CA certificate (PEM)")
    private_key = EncryptedTextField(verbose_name="CA private key (PEM, encrypted)")
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)

    class Meta:
        verbose_name = "certificate authority"
        verbose_name_plural = "certificate authorities"

    def __str__(self) -> str:
        return self.provider
