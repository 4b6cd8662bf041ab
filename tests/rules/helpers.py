"""Shared helpers: a running instance on an isolated network with public IPs."""

from networking.models import Nic
from networking.services import allocate_public_ip, create_public_ip_range
from tests.volumes.helpers import deploy, run

__all__ = ["run", "setup_network", "sim_host"]


def sim_host(simulator, host):
    """The simulated host behind a Host row."""
    return simulator.provider.get(host.url.rsplit("/hosts/", 1)[1])


def setup_network(cloud, user, *, ips=2):
    zone = cloud["zone"]
    if not zone.ip_ranges.exists():
        create_public_ip_range(
            acting_user=None,
            zone=zone,
            physical_network=cloud["physical"],
            gateway="198.51.100.1",
            netmask="255.255.255.0",
            start_ip="198.51.100.10",
            end_ip="198.51.100.40",
        )
    instance = deploy(user, cloud)
    nic = Nic.objects.select_related("network").get(instance=instance)
    network = nic.network
    addresses = [
        allocate_public_ip(user.account, zone, network, acting_user=user) for _ in range(ips)
    ]
    return {
        "instance": instance,
        "nic": nic,
        "network": network,
        "ips": addresses,
        "host": instance.host,
    }
