"""Tag tests use the simulator cloud of the lifecycle tests for real instances."""

from tests.lifecycle.conftest import cloud, no_broker, simulator  # noqa: F401
