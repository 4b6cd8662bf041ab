"""Agent tests run without Django (``-p no:django`` works): put the repo root on sys.path.
The lab fixtures come from the ``tests.lab.fixtures`` plugin (see ``tests/conftest.py``)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
