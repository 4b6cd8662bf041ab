"""The demo cloud: a simulator agent's config and the objects ``seed_demo`` creates.

Everything is created through the services, idempotently (found by name when present).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings

DEMO_AGENT_LISTEN = os.environ.get("PORTAL_DEMO_AGENT_LISTEN", "127.0.0.1:8250")
DEMO_HOSTS = 4


def simulator_config_path() -> Path:
    return Path(settings.VAR_DIR) / "simulator-agent.json"


def simulator_secret() -> str:
    """The demo simulator's shared secret, generated once and kept under var/ (0600)."""
    path = simulator_config_path()
    if path.exists():
        return json.loads(path.read_text())["secret"]
    secret = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(
        json.dumps(
            {
                "secret": secret,
                "resource": {"cpus": 16, "cpu_speed_mhz": 2400, "memory_bytes": 64 * 1024**3},
            }
        )
    )
    return secret


def simulator_url() -> str:
    return f"http://{DEMO_AGENT_LISTEN}"
