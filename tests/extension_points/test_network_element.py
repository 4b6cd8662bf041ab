"""``network.element``: a plugin element named as a service provider of the network's
offering gets the network's rule set on every push (the HAProxy sample, on the simulator)."""

import pytest
from django.db import connection

from networking.services import rules
from tests.rules.helpers import run, setup_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend_table():
    """The sample's own table (the marketplace migrates it after a real install)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS sample_lb_backend (id integer PRIMARY KEY, "
            "rule varchar(100) NOT NULL, address char(39) NOT NULL, port integer NOT NULL)"
        )


@pytest.fixture
def lb(sample_plugin, backend_table):
    return sample_plugin("lb_plugin", stats_password="pw")


def _forward(net, tenant, port):
    rule, job = rules.create_port_forwarding_rule(
        acting_user=tenant,
        ip_address=net["ips"][1],
        protocol="tcp",
        public_start_port=port,
        private_start_port=80,
        instance=net["instance"],
    )
    return run(job)


def test_lb_element_applies_the_networks_rules(lb, cloud, tenant, simulator):
    from sample_lb.models import Backend

    net = setup_network(cloud, tenant)
    offering = net["network"].network_offering
    offering.services = {**(offering.services or {}), "Lb": ["HAProxy"]}
    offering.save(update_fields=["services"])

    job = _forward(net, tenant, 8080)
    assert job.status == "succeeded", job.error_text
    assert job.result["elements"] == ["HAProxy"]
    (backend,) = Backend.objects.all()
    assert (backend.address, backend.port) == (net["nic"].ip_address, 80)

    lb.set_enabled(False)  # a disabled plugin's element is not called
    job = _forward(net, tenant, 8081)
    assert job.status == "succeeded", job.error_text
    assert "elements" not in job.result
    assert Backend.objects.count() == 1


def test_element_not_named_by_the_offering_is_not_called(lb, cloud, tenant, simulator):
    from sample_lb.models import Backend

    net = setup_network(cloud, tenant)
    job = _forward(net, tenant, 8080)
    assert job.status == "succeeded", job.error_text
    assert not Backend.objects.exists()
