from .base import PortalModel
from .cloud import CertificateAuthority, Region, ResourceDetail
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
    "CertificateAuthority",
    "ConfigurationValue",
    "Domain",
    "Event",
    "ManagementLease",
    "ManagementServer",
    "ManagementServerState",
    "PortalModel",
    "Project",
    "RecoveryCode",
    "Region",
    "ResourceDetail",
    "ResourceLimit",
    "ResourceTag",
    "Role",
    "RolePermission",
    "TOTPDevice",
    "User",
]
