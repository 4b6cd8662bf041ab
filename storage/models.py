"""Primary storage pools, image stores, disk offerings, OS types, templates and volumes."""

import uuid

from django.db import models
from django.db.models import Q

from compute.choices import OfferingState, StorageType
from portal.choices import ColoredChoices
from portal.fields import EncryptedTextField
from portal.models import PortalModel
from storage.choices import (
    ImageFormat,
    ImageStoreProtocol,
    PoolProtocol,
    PoolScope,
    PoolState,
    ProvisioningType,
    TemplateState,
    TemplateType,
    VolumeState,
    VolumeType,
)


class StoragePool(PortalModel):
    """Primary storage holding instance volumes (NFS, SMB or a local path).
    ``allocated_bytes`` is the space claimed by volumes (updated atomically)."""

    name = models.CharField(verbose_name="name", max_length=255)
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="storage_pools"
    )
    pod = models.ForeignKey(
        "compute.Pod",
        verbose_name="pod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="storage_pools",
    )
    cluster = models.ForeignKey(
        "compute.Cluster",
        verbose_name="cluster",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="storage_pools",
    )
    host = models.ForeignKey(
        "compute.Host",
        verbose_name="host",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_storage_pools",
    )
    scope = models.CharField(verbose_name="scope", max_length=8, choices=PoolScope.choices)
    protocol = models.CharField(
        verbose_name="protocol", max_length=24, choices=PoolProtocol.choices
    )
    url = models.CharField(verbose_name="URL", max_length=1024)
    server = models.CharField(verbose_name="server", max_length=255, blank=True)
    path = models.CharField(verbose_name="path", max_length=1024)
    credentials = EncryptedTextField(verbose_name="credentials (JSON)", blank=True)
    hypervisor = models.CharField(verbose_name="hypervisor", max_length=16, blank=True)
    provider = models.CharField(
        verbose_name="provider",
        max_length=64,
        default="DefaultPrimary",
        help_text="Primary storage driver: DefaultPrimary or one offered by an enabled plugin "
        "(storage.primary_driver).",
    )
    capacity_bytes = models.BigIntegerField(verbose_name="capacity (bytes)", default=0)
    used_bytes = models.BigIntegerField(verbose_name="used on disk (bytes)", default=0)
    allocated_bytes = models.BigIntegerField(verbose_name="allocated (bytes)", default=0)
    overprovisioning_factor = models.DecimalField(
        verbose_name="overprovisioning factor", max_digits=5, decimal_places=2, default=2
    )
    tags = models.JSONField(verbose_name="storage tags", default=list, blank=True)
    state = models.CharField(
        verbose_name="state", max_length=16, choices=PoolState.choices, default=PoolState.UP
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "name"], name="storagepool_unique_name_per_zone"
            ),
            models.CheckConstraint(
                condition=Q(allocated_bytes__gte=0), name="storagepool_allocated_ge_0"
            ),
        ]


class ImageStore(PortalModel):
    """Secondary storage for templates, ISOs and snapshots (NFS or SMB/CIFS).
    The stored URL carries no password; credentials are encrypted separately."""

    name = models.CharField(verbose_name="name", max_length=255, unique=True)
    zone = models.ForeignKey(
        "compute.Zone",
        verbose_name="zone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="image_stores",
    )
    protocol = models.CharField(
        verbose_name="protocol", max_length=8, choices=ImageStoreProtocol.choices
    )
    provider = models.CharField(verbose_name="provider", max_length=32, default="NFS")
    url = models.CharField(verbose_name="URL", max_length=1024)
    server = models.CharField(verbose_name="server", max_length=255)
    path = models.CharField(verbose_name="path", max_length=1024)
    username = models.CharField(verbose_name="username", max_length=255, blank=True)
    password = EncryptedTextField(verbose_name="password", blank=True)
    smb_domain = models.CharField(verbose_name="SMB domain", max_length=255, blank=True)
    read_only = models.BooleanField(verbose_name="read only", default=False)
    capacity_bytes = models.BigIntegerField(verbose_name="capacity (bytes)", default=0)
    used_bytes = models.BigIntegerField(verbose_name="used (bytes)", default=0)

    tenant_scope = "public"

    class Meta:
        ordering = ["name"]


class DiskOffering(PortalModel):
    """Size and placement rules for a data (or root) disk."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=255, blank=True)
    disk_size = models.PositiveIntegerField(verbose_name="size (GiB)", null=True, blank=True)
    customized = models.BooleanField(verbose_name="custom size", default=False)
    min_size = models.PositiveIntegerField(verbose_name="minimum size (GiB)", null=True, blank=True)
    max_size = models.PositiveIntegerField(verbose_name="maximum size (GiB)", null=True, blank=True)
    tags = models.JSONField(verbose_name="storage tags", default=list, blank=True)
    storage_type = models.CharField(
        verbose_name="storage type",
        max_length=8,
        choices=StorageType.choices,
        default=StorageType.SHARED,
    )
    provisioning_type = models.CharField(
        verbose_name="provisioning",
        max_length=8,
        choices=ProvisioningType.choices,
        default=ProvisioningType.THIN,
    )
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
        related_name="disk_offerings",
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
                condition=Q(customized=True) | Q(disk_size__gte=1),
                name="diskoffering_fixed_size_set",
            )
        ]


class OSType(models.Model):
    """A guest operating system as CloudStack lists it (``listOsTypes``)."""

    uuid = models.UUIDField(verbose_name="UUID", default=uuid.uuid4, unique=True, editable=False)
    category = models.CharField(verbose_name="category", max_length=64)
    description = models.CharField(verbose_name="description", max_length=255, unique=True)

    class Meta:
        ordering = ["description"]
        verbose_name = "OS type"

    def __str__(self) -> str:
        return self.description


class Template(PortalModel):
    """A disk image (or ISO) instances boot from, registered from a URL."""

    name = models.CharField(verbose_name="name", max_length=255)
    display_text = models.CharField(verbose_name="display text", max_length=4096, blank=True)
    is_iso = models.BooleanField(verbose_name="ISO", default=False)
    format = models.CharField(verbose_name="format", max_length=8, choices=ImageFormat.choices)
    hypervisor = models.CharField(verbose_name="hypervisor", max_length=16, blank=True)
    os_type = models.ForeignKey(
        OSType, verbose_name="OS type", on_delete=models.PROTECT, related_name="templates"
    )
    url = models.CharField(verbose_name="URL", max_length=2048, blank=True)
    checksum = models.CharField(verbose_name="checksum", max_length=255, blank=True)
    template_type = models.CharField(
        verbose_name="type", max_length=8, choices=TemplateType.choices, default=TemplateType.USER
    )
    account = models.ForeignKey(
        "portal.Account", verbose_name="owner", on_delete=models.PROTECT, related_name="templates"
    )
    zone = models.ForeignKey(
        "compute.Zone",
        verbose_name="zone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
        help_text="Empty for a cross-zone template.",
    )
    is_public = models.BooleanField(verbose_name="public", default=False)
    is_featured = models.BooleanField(verbose_name="featured", default=False)
    is_extractable = models.BooleanField(verbose_name="extractable", default=False)
    bootable = models.BooleanField(verbose_name="bootable", default=True)
    password_enabled = models.BooleanField(verbose_name="password enabled", default=False)
    size = models.BigIntegerField(verbose_name="virtual size (bytes)", null=True, blank=True)
    physical_size = models.BigIntegerField(
        verbose_name="physical size (bytes)", null=True, blank=True
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=TemplateState.choices,
        default=TemplateState.NOT_UPLOADED,
    )
    download_percent = models.PositiveSmallIntegerField(verbose_name="downloaded (%)", default=0)
    image_store = models.ForeignKey(
        ImageStore,
        verbose_name="image store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
    )
    install_path = models.CharField(verbose_name="path on image store", max_length=1024, blank=True)
    details = models.JSONField(
        verbose_name="details",
        default=dict,
        blank=True,
        help_text="Boot details for the hypervisor, e.g. kernel, initrd and cmdline paths on "
        "the hosts for direct kernel boot.",
    )
    removed = models.DateTimeField(verbose_name="removed", null=True, blank=True)

    tenant_scope = "account_or_public"

    class Meta:
        ordering = ["name"]


class TemplatePoolCopy(models.Model):
    """A template's copy on a primary storage pool (made the first time it is used there)."""

    template = models.ForeignKey(
        Template, verbose_name="template", on_delete=models.CASCADE, related_name="pool_copies"
    )
    pool = models.ForeignKey(
        StoragePool, verbose_name="pool", on_delete=models.CASCADE, related_name="template_copies"
    )
    path = models.CharField(verbose_name="path", max_length=1024)
    size = models.BigIntegerField(verbose_name="size (bytes)", default=0)
    ready = models.BooleanField(verbose_name="ready", default=False)
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "pool"], name="templatepoolcopy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template} on {self.pool}"


class Volume(PortalModel):
    """A root or data disk of an instance, on a primary storage pool."""

    name = models.CharField(verbose_name="name", max_length=255)
    account = models.ForeignKey(
        "portal.Account", verbose_name="account", on_delete=models.PROTECT, related_name="volumes"
    )
    domain = models.ForeignKey(
        "portal.Domain", verbose_name="domain", on_delete=models.PROTECT, related_name="volumes"
    )
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="volumes"
    )
    pool = models.ForeignKey(
        StoragePool,
        verbose_name="storage pool",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volumes",
    )
    instance = models.ForeignKey(
        "compute.Instance",
        verbose_name="instance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volumes",
    )
    volume_type = models.CharField(verbose_name="type", max_length=8, choices=VolumeType.choices)
    size = models.BigIntegerField(verbose_name="size (bytes)")
    disk_offering = models.ForeignKey(
        DiskOffering,
        verbose_name="disk offering",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volumes",
    )
    template = models.ForeignKey(
        Template,
        verbose_name="template",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volumes",
    )
    device_id = models.PositiveSmallIntegerField(verbose_name="device ID", null=True, blank=True)
    attached = models.DateTimeField(
        verbose_name="attached", null=True, blank=True, help_text="when it was last attached"
    )
    path = models.CharField(verbose_name="path", max_length=1024, blank=True)
    format = models.CharField(
        verbose_name="format", max_length=8, choices=ImageFormat.choices, default=ImageFormat.QCOW2
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=VolumeState.choices,
        default=VolumeState.ALLOCATED,
        db_index=True,
    )
    removed = models.DateTimeField(verbose_name="removed", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "device_id"],
                condition=Q(instance__isnull=False, removed__isnull=True),
                name="volume_unique_device_per_instance",
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="volume_size_ge_0"),
        ]


class SnapshotState(ColoredChoices):
    """CloudStack's snapshot states (the subset a primary-storage snapshot goes through).

    Kept next to :class:`Snapshot` for now; belongs in ``storage/choices.py``."""

    CREATING = "Creating", "Creating"
    BACKED_UP = "BackedUp", "Backed up"
    DESTROYING = "Destroying", "Destroying"
    DESTROYED = "Destroyed", "Destroyed"
    ERROR = "Error", "Error"


SnapshotState._colors = {
    "Creating": "info",
    "BackedUp": "success",
    "Destroying": "warning",
    "Destroyed": "dark",
    "Error": "danger",
}


class Snapshot(PortalModel):
    """A point-in-time snapshot of a volume, kept on the volume's primary storage
    (qcow2 internal snapshot on KVM, VM checkpoint on Hyper-V)."""

    name = models.CharField(verbose_name="name", max_length=255)
    volume = models.ForeignKey(
        Volume, verbose_name="volume", on_delete=models.PROTECT, related_name="snapshots"
    )
    account = models.ForeignKey(
        "portal.Account", verbose_name="account", on_delete=models.PROTECT, related_name="snapshots"
    )
    domain = models.ForeignKey(
        "portal.Domain", verbose_name="domain", on_delete=models.PROTECT, related_name="snapshots"
    )
    zone = models.ForeignKey(
        "compute.Zone", verbose_name="zone", on_delete=models.PROTECT, related_name="snapshots"
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=SnapshotState.choices,
        default=SnapshotState.CREATING,
        db_index=True,
    )
    size = models.BigIntegerField(verbose_name="volume size (bytes)", default=0)
    physical_name = models.CharField(
        verbose_name="name on the pool",
        max_length=80,
        help_text="The snapshot's name on the hypervisor (qcow2 snapshot tag, checkpoint name).",
    )
    path = models.CharField(verbose_name="location", max_length=1024, blank=True)
    removed = models.DateTimeField(verbose_name="removed", null=True, blank=True)

    tenant_scope = "account"

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=0), name="snapshot_size_ge_0"),
            models.UniqueConstraint(
                fields=["volume", "physical_name"], name="snapshot_unique_physical_name"
            ),
        ]


class TemplateZone(models.Model):
    """A zoned template's (or ISO's) copy on another zone's secondary storage, made by
    copyTemplate/copyIso; the template is then usable in that zone too."""

    template = models.ForeignKey(
        Template, verbose_name="template", on_delete=models.CASCADE, related_name="zone_copies"
    )
    zone = models.ForeignKey(
        "compute.Zone",
        verbose_name="zone",
        on_delete=models.CASCADE,
        related_name="template_copies",
    )
    image_store = models.ForeignKey(
        ImageStore,
        verbose_name="image store",
        on_delete=models.PROTECT,
        related_name="template_copies",
    )
    install_path = models.CharField(verbose_name="path on image store", max_length=1024)
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "zone"], name="templatezone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template} in {self.zone}"
