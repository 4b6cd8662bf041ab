"""Hypervisor agent: wire protocol, HTTP server, resources and the management-side client.

This package runs on hypervisor hosts and must never import Django.
"""

AGENT_VERSION = "0.1.0"

__all__ = ["AGENT_VERSION"]
