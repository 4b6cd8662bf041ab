from .base import PortalModel
from .jobs import AsyncJob, Event
from .roles import ApiKeyPair, ResourceLimit, Role, RolePermission
from .tenancy import Account, Domain, Project, User

__all__ = [
    "Account",
    "ApiKeyPair",
    "AsyncJob",
    "Domain",
    "Event",
    "PortalModel",
    "Project",
    "ResourceLimit",
    "Role",
    "RolePermission",
    "User",
]
