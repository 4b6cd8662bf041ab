"""Choice sets for tenancy, jobs and events. Each status carries its badge colour."""

from django.db import models


class ColoredChoices(models.TextChoices):
    """TextChoices whose members map to a badge colour through ``COLORS``."""

    @classmethod
    def color(cls, value: str) -> str:
        return getattr(cls, "_colors", {}).get(value, "secondary")


class AccountType(models.IntegerChoices):
    USER = 0, "User"
    ADMIN = 1, "Root Admin"
    DOMAIN_ADMIN = 2, "Domain Admin"
    RESOURCE_ADMIN = 3, "Resource Admin"


class RoleType(models.TextChoices):
    ADMIN = "Admin", "Admin"
    RESOURCE_ADMIN = "ResourceAdmin", "Resource Admin"
    DOMAIN_ADMIN = "DomainAdmin", "Domain Admin"
    USER = "User", "User"


class RulePermission(models.TextChoices):
    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"


class AccountState(ColoredChoices):
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"
    LOCKED = "locked", "Locked"


AccountState._colors = {"enabled": "success", "disabled": "secondary", "locked": "danger"}


class ResourceType(models.TextChoices):
    """Resource kinds with per-account and per-domain limits (CloudStack names)."""

    INSTANCE = "user_vm", "Instances"
    CPU = "cpu", "CPU cores"
    MEMORY = "memory", "Memory (MiB)"
    VOLUME = "volume", "Volumes"
    PRIMARY_STORAGE = "primary_storage", "Primary storage (GiB)"
    SECONDARY_STORAGE = "secondary_storage", "Secondary storage (GiB)"
    NETWORK = "network", "Networks"
    PUBLIC_IP = "public_ip", "Public IPs"
    TEMPLATE = "template", "Templates"
    SNAPSHOT = "snapshot", "Snapshots"
    PROJECT = "project", "Projects"


class JobStatus(ColoredChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


JobStatus._colors = {
    "pending": "secondary",
    "running": "info",
    "succeeded": "success",
    "failed": "danger",
}


class EventLevel(models.TextChoices):
    INFO = "INFO", "Info"
    WARN = "WARN", "Warning"
    ERROR = "ERROR", "Error"


class EventState(models.TextChoices):
    CREATED = "Created", "Created"
    SCHEDULED = "Scheduled", "Scheduled"
    STARTED = "Started", "Started"
    COMPLETED = "Completed", "Completed"


class ProjectState(models.TextChoices):
    ACTIVE = "Active", "Active"
    SUSPENDED = "Suspended", "Suspended"
