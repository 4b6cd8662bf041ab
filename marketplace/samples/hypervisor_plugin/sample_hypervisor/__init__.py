"""Sample hypervisor plugin: registers an agent-backed hypervisor type and a planner."""
