"""Service offerings, instances (VMs) and SSH key pairs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from compute.choices import InstanceState, OfferingState, StorageType
from portal.fields import EncryptedTextField
from portal.models import PortalModel


class ServiceOffering(PortalModel):
    """Size of an instance: CPUs, speed, memory, HA and placement tags."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=255, blank=True)
    cpu_number = models.PositiveIntegerField(verbose_name="CPU cores", null=True, blank=True)
    cpu_speed = models.PositiveIntegerField(verbose_name="CPU speed (MHz)", null=True, blank=True)
    memory = models.PositiveIntegerField(verbose_name="memory (MiB)", null=True, blank=True)
    customized = models.BooleanField(verbose_name="custom size", default=False)
    offer_ha = models.BooleanField(verbose_name="HA", default=False)
    limit_cpu_use = models.BooleanField(verbose_name="limit CPU use", default=False)
    host_tags = models.JSONField(verbose_name="host tags", default=list, blank=True)
    storage_tags = models.JSONField(
        verbose_name="storage tags",
        default=list,
        blank=True,
        help_text="Tags the primary storage pool of the root disk must carry.",
    )
    external_details = models.JSONField(
        verbose_name="external details",
        default=dict,
        blank=True,
        help_text="Instances on External clusters: sent to the extension as "
        "externaldetails.virtualmachine (over the template's, under the instance's).",
    )
    storage_type = models.CharField(
        verbose_name="storage type",
        max_length=8,
        choices=StorageType.choices,
        default=StorageType.SHARED,
    )
    root_disk_size = models.PositiveIntegerField(
        verbose_name="root disk (GiB)", null=True, blank=True
    )
    is_system = models.BooleanField(verbose_name="system offering", default=False)
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=OfferingState.choices,
        default=OfferingState.ACTIVE,
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_offerings",
    )

    removed = models.DateTimeField(
        verbose_name="removed",
        null=True,
        blank=True,
        help_text="Deleted while in use: hidden from lists and new use; users keep it.",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customized=True)
                | (Q(cpu_number__gte=1) & Q(cpu_speed__gte=1) & Q(memory__gte=1)),
                name="serviceoffering_fixed_size_complete",
            )
        ]


class SSHKeyPair(PortalModel):
    """A public SSH key an account injects into its instances."""

    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        related_name="ssh_keypairs",
    )
    name = models.CharField(verbose_name="name", max_length=255)
    public_key = models.TextField(verbose_name="public key")
    fingerprint = models.CharField(verbose_name="fingerprint", max_length=128)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="sshkeypair_unique_name")
        ]


class Instance(PortalModel):
    """A tenant's virtual machine and where it runs."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_name = models.CharField(verbose_name="display name", max_length=255, blank=True)
    account = models.ForeignKey(
        "portal.Account", verbose_name="account", on_delete=models.PROTECT, related_name="instances"
    )
    domain = models.ForeignKey(
        "portal.Domain", verbose_name="domain", on_delete=models.PROTECT, related_name="instances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
    )
    project = models.ForeignKey(
        "portal.Project",
        verbose_name="project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instances",
    )
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="instances"
    )
    host = models.ForeignKey(
        "compute.Host",
        verbose_name="host",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instances",
    )
    last_host = models.ForeignKey(
        "compute.Host",
        verbose_name="last host",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    service_offering = models.ForeignKey(
        ServiceOffering,
        verbose_name="service offering",
        on_delete=models.PROTECT,
        related_name="instances",
    )
    template = models.ForeignKey(
        "storage.Template",
        verbose_name="template",
        on_delete=models.PROTECT,
        related_name="instances",
    )
    iso = models.ForeignKey(
        "storage.Template",
        verbose_name="attached ISO",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="iso_instances",
        help_text="The ISO in the instance's CD-ROM drive (attachIso/detachIso).",
    )
    hypervisor = models.CharField(verbose_name="hypervisor", max_length=16, blank=True)
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=InstanceState.choices,
        default=InstanceState.STOPPED,
        db_index=True,
    )
    cpu_number = models.PositiveIntegerField(verbose_name="CPU cores")
    cpu_speed = models.PositiveIntegerField(verbose_name="CPU speed (MHz)")
    memory = models.PositiveIntegerField(verbose_name="memory (MiB)")
    ha_enabled = models.BooleanField(verbose_name="HA enabled", default=False)
    ssh_keypair = models.ForeignKey(
        SSHKeyPair,
        verbose_name="SSH key pair",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
    )
    user_data = models.TextField(verbose_name="user data", blank=True)
    vnc_password = EncryptedTextField(verbose_name="VNC password", blank=True)
    external_details = EncryptedTextField(
        verbose_name="external details (JSON)",
        blank=True,
        help_text="Instances on External clusters: deployVirtualMachine's externaldetails, "
        "sent to the extension as externaldetails.virtualmachine.",
    )
    error_text = models.TextField(verbose_name="last error", blank=True)
    removed = models.DateTimeField(verbose_name="removed", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["account", "id"], name="instance_account_id"),
            models.Index(fields=["domain", "id"], name="instance_domain_id"),
            models.Index(fields=["host", "state"], name="instance_host_state"),
        ]

    @property
    def listed_nics(self) -> list:
        """NICs by device id; lists prefetch them into ``_nics`` (no queryset per row)."""
        cached = getattr(self, "_nics", None)
        return cached if cached is not None else list(self.nics.order_by("device_id"))

    @property
    def listed_volumes(self) -> list:
        cached = getattr(self, "_volumes", None)
        return cached if cached is not None else list(self.volumes.order_by("device_id"))
