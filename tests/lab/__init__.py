"""Lab helpers for tests that need real system services (libvirtd, QEMU, Samba).

Everything is started by hand (no systemd), listens on 127.0.0.1 only, is cached under
``var/lab/`` and is stopped by PID at the end of the test session.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAB_DIR = REPO_ROOT / "var" / "lab"
