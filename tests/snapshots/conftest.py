"""Snapshot tests run on the simulator cloud of the lifecycle tests (and the agent labs)."""

import pytest

from tests.cloudstack.conftest import cs_client  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_simulated_hosts(request):
    """Database ids (and so VM names) repeat between tests: start every test with empty
    simulated hosts so no VM or disk of an earlier test is found."""
    if "simulator" in request.fixturenames:
        request.getfixturevalue("simulator").provider.reset()
