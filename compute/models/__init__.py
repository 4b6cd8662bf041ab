from .infrastructure import Cluster, Host, Pod, Zone
from .instances import Instance, ServiceOffering, SSHKeyPair

__all__ = ["Cluster", "Host", "Instance", "Pod", "SSHKeyPair", "ServiceOffering", "Zone"]
