"""Choice sets for compute objects; statuses carry their badge colour."""

from django.db import models

from portal.choices import ColoredChoices


class NetworkType(models.TextChoices):
    BASIC = "Basic", "Basic"
    ADVANCED = "Advanced", "Advanced"


class AllocationState(ColoredChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"


AllocationState._colors = {"Enabled": "success", "Disabled": "secondary"}


class Hypervisor(models.TextChoices):
    KVM = "KVM", "KVM"
    HYPERV = "Hyperv", "Hyper-V"
    SIMULATOR = "Simulator", "Simulator"
    EXTERNAL = "External", "External (script extension)"


class HostType(models.TextChoices):
    ROUTING = "Routing", "Routing (hypervisor)"
    SECONDARY_STORAGE_VM = "SecondaryStorageVM", "Secondary storage VM"
    CONSOLE_PROXY = "ConsoleProxy", "Console proxy"


class HostStatus(ColoredChoices):
    UP = "Up", "Up"
    CONNECTING = "Connecting", "Connecting"
    DISCONNECTED = "Disconnected", "Disconnected"
    ALERT = "Alert", "Alert"
    DOWN = "Down", "Down"


HostStatus._colors = {
    "Up": "success",
    "Connecting": "info",
    "Disconnected": "warning",
    "Alert": "warning",
    "Down": "danger",
}


class ResourceState(ColoredChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"
    PREPARE_FOR_MAINTENANCE = "PrepareForMaintenance", "Preparing for maintenance"
    MAINTENANCE = "Maintenance", "Maintenance"
    ERROR_IN_MAINTENANCE = "ErrorInMaintenance", "Error in maintenance"


ResourceState._colors = {
    "Enabled": "success",
    "Disabled": "secondary",
    "PrepareForMaintenance": "info",
    "Maintenance": "warning",
    "ErrorInMaintenance": "danger",
}


class StorageType(models.TextChoices):
    SHARED = "shared", "Shared"
    LOCAL = "local", "Local"


class OfferingState(models.TextChoices):
    ACTIVE = "Active", "Active"
    INACTIVE = "Inactive", "Inactive"


class InstanceState(ColoredChoices):
    """CloudStack's VM state machine."""

    STOPPED = "Stopped", "Stopped"
    STARTING = "Starting", "Starting"
    RUNNING = "Running", "Running"
    STOPPING = "Stopping", "Stopping"
    MIGRATING = "Migrating", "Migrating"
    DESTROYED = "Destroyed", "Destroyed"
    EXPUNGING = "Expunging", "Expunging"
    EXPUNGED = "Expunged", "Expunged"
    ERROR = "Error", "Error"


InstanceState._colors = {
    "Stopped": "secondary",
    "Starting": "info",
    "Running": "success",
    "Stopping": "info",
    "Migrating": "info",
    "Destroyed": "danger",
    "Expunging": "warning",
    "Expunged": "dark",
    "Error": "danger",
}
