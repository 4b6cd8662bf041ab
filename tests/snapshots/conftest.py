"""Snapshot tests run on the simulator cloud of the lifecycle tests (and the agent labs)."""

from tests.lab.fixtures import (  # noqa: F401 - fixtures
    agent_server,
    client_for,
    lab_workdir,
    libvirt_lab,
)
from tests.lifecycle.conftest import cloud, no_broker, simulator  # noqa: F401
