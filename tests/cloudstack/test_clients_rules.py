"""Apache Libcloud's CloudStack driver against a live server: public IP, port forwarding and
firewall rules as a tenant; the rules reach the simulated host that runs the VM."""

import pytest
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider

from tests.cloudstack.test_clients import (  # noqa: F401
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _host_rules(simulator, instance):
    from networking.models import Nic

    instance.refresh_from_db()
    host = simulator.provider.get(instance.host.url.rsplit("/hosts/", 1)[1])
    network = Nic.objects.get(instance=instance).network
    return host.network_rules[f"net-{network.pk}"]


def test_libcloud_port_forwarding_and_firewall(live_server, live_cloud, keys, simulator):  # noqa: F811
    from compute.models import Instance

    driver = get_driver(Provider.CLOUDSTACK)(
        key=keys[0], secret=keys[1], url=f"{live_server.url}/client/api", secure=False
    )
    location = driver.list_locations()[0]
    size = next(s for s in driver.list_sizes() if s.id == str(live_cloud["offering"].uuid))
    image = next(i for i in driver.list_images() if i.id == str(live_cloud["template"].uuid))
    node = driver.create_node(name="web1", size=size, image=image, location=location)
    assert driver.ex_start(node) == "Running"
    node = next(n for n in driver.list_nodes() if n.id == node.id)
    instance = Instance.objects.get(uuid=node.id)
    (network,) = driver.ex_list_networks()

    ip = driver.ex_allocate_public_ip(network_id=network.id, location=location)
    assert ip.address.startswith("203.0.113.")

    # port forwarding (with the firewall opening libcloud asks for by default)
    rule = driver.ex_create_port_forwarding_rule(
        node, ip, private_port=22, public_port=2222, protocol="TCP"
    )
    (listed,) = driver.ex_list_port_forwarding_rules()
    assert listed.id == rule.id
    assert (listed.public_port, listed.private_port) == ("2222", "22")
    assert listed.node.id == node.id and listed.address.address == ip.address
    assert driver.ex_list_port_forwarding_rules(ipaddress_id=ip.id)[0].id == rule.id
    (forward,) = _host_rules(simulator, instance).public_ips[0].port_forwards
    assert (forward.public_start, forward.private_start) == (2222, 22)

    # a firewall rule of its own on the same IP
    firewall = driver.ex_create_firewall_rule(
        ip, "198.51.100.0/24", "TCP", start_port=80, end_port=81
    )
    rules = {r.id: r for r in driver.ex_list_firewall_rules()}
    assert set(rules) >= {firewall.id}
    assert rules[firewall.id].cidr_list == "198.51.100.0/24"
    assert (rules[firewall.id].start_port, rules[firewall.id].end_port) == (80, 81)
    assert len(rules) == 2  # plus the one the port forwarding opened
    pushed = _host_rules(simulator, instance).public_ips[0]
    assert sorted((r.start_port, tuple(r.cidrs)) for r in pushed.firewall) == [
        (80, ("198.51.100.0/24",)),
        (2222, ("0.0.0.0/0",)),
    ]

    assert driver.ex_delete_firewall_rule(rules[firewall.id]) is True
    assert [r.start_port for r in driver.ex_list_firewall_rules()] == [2222]
    assert driver.ex_delete_port_forwarding_rule(node, rule) is True
    assert driver.ex_list_port_forwarding_rules() == []
    assert driver.ex_list_firewall_rules() == []
    assert _host_rules(simulator, instance).public_ips == []
