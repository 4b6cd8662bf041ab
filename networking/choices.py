"""Choice sets for networking objects."""

from django.db import models

from portal.choices import ColoredChoices


class IsolationMethod(models.TextChoices):
    VLAN = "VLAN", "VLAN"
    VXLAN = "VXLAN", "VXLAN"
    L3 = "L3", "L3"


class PhysicalNetworkState(ColoredChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"


PhysicalNetworkState._colors = {"Enabled": "success", "Disabled": "secondary"}


class TrafficKind(models.TextChoices):
    GUEST = "Guest", "Guest"
    PUBLIC = "Public", "Public"
    MANAGEMENT = "Management", "Management"
    STORAGE = "Storage", "Storage"


class GuestIpType(models.TextChoices):
    ISOLATED = "Isolated", "Isolated"
    SHARED = "Shared", "Shared"
    L2 = "L2", "L2"


class OfferingState(models.TextChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"


class Availability(models.TextChoices):
    OPTIONAL = "Optional", "Optional"
    REQUIRED = "Required", "Required"


class NetworkState(ColoredChoices):
    ALLOCATED = "Allocated", "Allocated"
    IMPLEMENTING = "Implementing", "Implementing"
    IMPLEMENTED = "Implemented", "Implemented"
    SETUP = "Setup", "Setup"
    SHUTDOWN = "Shutdown", "Shutdown"
    DESTROY = "Destroy", "Destroyed"


NetworkState._colors = {
    "Allocated": "secondary",
    "Implementing": "info",
    "Implemented": "success",
    "Setup": "success",
    "Shutdown": "warning",
    "Destroy": "danger",
}


class AclType(models.TextChoices):
    ACCOUNT = "Account", "Account"
    DOMAIN = "Domain", "Domain"


class IpState(ColoredChoices):
    FREE = "Free", "Free"
    ALLOCATING = "Allocating", "Allocating"
    ALLOCATED = "Allocated", "Allocated"
    RELEASING = "Releasing", "Releasing"


IpState._colors = {
    "Free": "secondary",
    "Allocating": "info",
    "Allocated": "success",
    "Releasing": "warning",
}


class NicState(models.TextChoices):
    ALLOCATED = "Allocated", "Allocated"
    RESERVED = "Reserved", "Reserved"
    RELEASING = "Releasing", "Releasing"
    DEALLOCATING = "Deallocating", "Deallocating"
