"""Decide between hardware acceleration (libvirt ``kvm``) and TCG (libvirt ``qemu``).

``/dev/kvm`` existing is not enough: nested kvm-pvm hosts (Firecracker CI machines) open
it fine, yet guests hang. ``auto`` therefore also wants vmx/svm in the CPU flags and no
sign of kvm-pvm (``/sys/module/kvm_pvm`` or ``nested_pvm`` on the kernel command line).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

DomainType = Literal["kvm", "qemu"]
Accel = Literal["auto", "kvm", "tcg"]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def kvm_usable(root: Path = Path("/")) -> tuple[bool, str]:
    """Whether hardware virtualisation really works here, and why (not)."""
    if not (root / "dev/kvm").exists():
        return False, "/dev/kvm is missing"
    if (root / "sys/module/kvm_pvm").exists():
        return False, "kvm-pvm (nested paravirtual KVM) does not run normal guests"
    if "nested_pvm" in _read(root / "proc/cmdline"):
        return False, "kernel command line enables nested_pvm"
    flags = set()
    for line in _read(root / "proc/cpuinfo").splitlines():
        if line.startswith("flags"):
            flags.update(re.split(r"\s+", line.partition(":")[2].strip()))
    if not flags & {"vmx", "svm"}:
        return False, "CPU has no vmx/svm flag"
    return True, "vmx/svm present and /dev/kvm available"


def domain_type(accel: str, root: Path = Path("/")) -> DomainType:
    """libvirt ``<domain type=...>`` for the configured ``accel`` option."""
    if accel == "kvm":
        return "kvm"
    if accel == "tcg":
        return "qemu"
    if accel != "auto":
        raise ValueError(f"accel must be auto, kvm or tcg, not {accel!r}")
    ok, _ = kvm_usable(root)
    return "kvm" if ok else "qemu"
