"""The agent gateway: connected agents dial in over WebSockets, commands are relayed to them.

``manage.py agent_gateway`` runs :class:`compute.gateway.server.Gateway`. Job handlers reach
a connected host through :func:`compute.agent.client_for`, which returns a
:class:`agents.connected.relay.GatewayClient` speaking to the gateway's loopback-only relay
endpoint, authenticated with :func:`relay_key`.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings

#: What agents are told to ``--connect`` to (settings ``AGENT_GATEWAY_URL``).
DEFAULT_URL = "http://127.0.0.1:8260"
#: Where management processes reach the gateway's loopback relay endpoint.
DEFAULT_RELAY_URL = "ws://127.0.0.1:8261"


def gateway_url() -> str:
    """The gateway's URL for agents: setting or environment ``AGENT_GATEWAY_URL``."""
    return getattr(settings, "AGENT_GATEWAY_URL", None) or os.environ.get(
        "AGENT_GATEWAY_URL", DEFAULT_URL
    )


def relay_url() -> str:
    """The relay endpoint: setting or environment ``AGENT_GATEWAY_RELAY_URL``."""
    return getattr(settings, "AGENT_GATEWAY_RELAY_URL", None) or os.environ.get(
        "AGENT_GATEWAY_RELAY_URL", DEFAULT_RELAY_URL
    )


def relay_key() -> str:
    """The key management processes present to the gateway's relay endpoint (derived from
    ``SECRET_KEY``, so every process of one installation knows it and nothing else does)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"cloudportal-agent-gateway-relay", hashlib.sha256
    ).hexdigest()
