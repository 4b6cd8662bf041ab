"""Agent tests run without Django: put the repo root on sys.path and load lab fixtures."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.lab.fixtures import (  # noqa: E402, F401
    agent_server,
    client_for,
    lab_workdir,
    libvirt_lab,
    samba_server,
    tiny_guest,
)
