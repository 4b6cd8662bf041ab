from .base import PortalModel
from .configuration import ConfigurationValue
from .jobs import AsyncJob, Event
from .management import ManagementLease, ManagementServer, ManagementServerState
from .mfa import RecoveryCode, TOTPDevice
from .roles import ApiKeyPair, ResourceLimit, Role, RolePermission
from .tags import ResourceTag
from .tenancy import Account, Domain, Project, User

__all__ = [
    "Account",
    "ApiKeyPair",
    "AsyncJob",
    "ConfigurationValue",
    "Domain",
    "Event",
    "ManagementLease",
    "ManagementServer",
    "ManagementServerState",
    "PortalModel",
    "Project",
    "RecoveryCode",
    "ResourceLimit",
    "ResourceTag",
    "Role",
    "RolePermission",
    "TOTPDevice",
    "User",
]
