from .infrastructure import Cluster, Host, OutOfBandManagement, Pod, Zone
from .instances import Instance, ServiceOffering, SSHKeyPair

__all__ = [
    "Cluster",
    "Host",
    "Instance",
    "OutOfBandManagement",
    "Pod",
    "SSHKeyPair",
    "ServiceOffering",
    "Zone",
]
