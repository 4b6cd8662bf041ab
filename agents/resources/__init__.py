"""Resource registry: ``kvm``, ``hyperv`` and ``simulator``."""

from __future__ import annotations

from typing import Any

from agents.errors import InvalidCommand
from agents.resources.base import Provider, Resource

KINDS = ("kvm", "hyperv", "simulator")


def create_provider(kind: str, options: dict[str, Any]) -> Provider:
    """Build the provider for ``kind``; heavy imports (libvirt, winrm) happen lazily."""
    if kind == "simulator":
        from agents.resources.simulator import SimulatorFleet

        return SimulatorFleet(options)
    if kind == "kvm":
        from agents.resources.kvm.resource import KvmResource

        return Provider(KvmResource(options))
    if kind == "hyperv":
        from agents.resources.hyperv.resource import HypervResource

        return Provider(HypervResource(options))
    raise InvalidCommand(f"unknown resource {kind!r}; choose one of {', '.join(KINDS)}")


__all__ = ["KINDS", "Provider", "Resource", "create_provider"]
