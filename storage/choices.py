"""Choice sets for storage objects."""

from django.db import models

from portal.choices import ColoredChoices


class PoolScope(models.TextChoices):
    ZONE = "ZONE", "Zone"
    CLUSTER = "CLUSTER", "Cluster"
    HOST = "HOST", "Host"


class PoolProtocol(models.TextChoices):
    NFS = "NetworkFilesystem", "NFS"
    SMB = "SMB", "SMB/CIFS"
    FILESYSTEM = "Filesystem", "Local path"
    SHARED_MOUNT_POINT = "SharedMountPoint", "Shared mount point"


class PoolState(ColoredChoices):
    UP = "Up", "Up"
    DISABLED = "Disabled", "Disabled"
    MAINTENANCE = "Maintenance", "Maintenance"
    DOWN = "Down", "Down"


PoolState._colors = {
    "Up": "success",
    "Disabled": "secondary",
    "Maintenance": "warning",
    "Down": "danger",
}


class ImageStoreProtocol(models.TextChoices):
    NFS = "nfs", "NFS"
    CIFS = "cifs", "SMB/CIFS"


class ProvisioningType(models.TextChoices):
    THIN = "thin", "Thin"
    SPARSE = "sparse", "Sparse"
    FAT = "fat", "Fat"


class ImageFormat(models.TextChoices):
    QCOW2 = "QCOW2", "QCOW2"
    RAW = "RAW", "RAW"
    VHD = "VHD", "VHD"
    VHDX = "VHDX", "VHDX"
    ISO = "ISO", "ISO"


class TemplateType(models.TextChoices):
    USER = "USER", "User"
    BUILTIN = "BUILTIN", "Built-in"
    SYSTEM = "SYSTEM", "System"
    ROUTING = "ROUTING", "Routing"


class TemplateState(ColoredChoices):
    NOT_UPLOADED = "NotUploaded", "Not uploaded"
    DOWNLOADING = "Downloading", "Downloading"
    READY = "Ready", "Ready"
    ERROR = "Error", "Error"
    INACTIVE = "Inactive", "Inactive"


TemplateState._colors = {
    "NotUploaded": "secondary",
    "Downloading": "info",
    "Ready": "success",
    "Error": "danger",
    "Inactive": "secondary",
}


class VolumeType(models.TextChoices):
    ROOT = "ROOT", "Root disk"
    DATADISK = "DATADISK", "Data disk"


class VolumeState(ColoredChoices):
    ALLOCATED = "Allocated", "Allocated"
    CREATING = "Creating", "Creating"
    READY = "Ready", "Ready"
    ATTACHING = "Attaching", "Attaching"
    MIGRATING = "Migrating", "Migrating"
    DESTROY = "Destroy", "Destroyed"
    EXPUNGED = "Expunged", "Expunged"
    ERROR = "Error", "Error"


VolumeState._colors = {
    "Allocated": "secondary",
    "Creating": "info",
    "Ready": "success",
    "Attaching": "info",
    "Migrating": "info",
    "Destroy": "danger",
    "Expunged": "dark",
    "Error": "danger",
}
