"""Rules tests run on the simulator cloud of the lifecycle tests."""

import pytest

from tests.cloudstack.conftest import cs_client  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_simulated_hosts(request):
    """Database ids repeat between tests: start with empty simulated hosts."""
    if "simulator" in request.fixturenames:
        request.getfixturevalue("simulator").provider.reset()


@pytest.fixture
def net(cloud, tenant, no_broker):
    """A running instance of ``tenant`` on its isolated network, with two public IPs of
    that network (one is not source NAT) and the simulated host it runs on."""
    from tests.rules.helpers import setup_network

    return setup_network(cloud, tenant)
