from .console import ConsoleSession
from .enrollment import HostEnrollmentToken
from .infrastructure import Cluster, Host, OutOfBandManagement, Pod, Zone
from .instances import Instance, ServiceOffering, SSHKeyPair

__all__ = [
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
