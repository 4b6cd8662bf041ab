from .affinity import AffinityGroup, AffinityGroupType
from .console import ConsoleSession
from .enrollment import HostEnrollmentToken
from .ha import Alert, HAState, HAWorkItem, HAWorkState, HostHAConfig, ResourceHASwitch
from .infrastructure import Cluster, Host, OutOfBandManagement, Pod, Zone
from .instances import Instance, ServiceOffering, SSHKeyPair

__all__ = [
    "AffinityGroup",
    "AffinityGroupType",
    "Alert",
    "HAState",
    "HAWorkItem",
    "HAWorkState",
    "HostHAConfig",
    "ResourceHASwitch",
    "Cluster",
    "ConsoleSession",
    "Host",
    "HostEnrollmentToken",
    "Instance",
    "OutOfBandManagement",
    "Pod",
    "SSHKeyPair",
    "ServiceOffering",
    "Zone",
]
