"""Volume tests run on the simulator cloud of the lifecycle tests."""

from tests.lifecycle.conftest import cloud, no_broker, simulator  # noqa: F401
