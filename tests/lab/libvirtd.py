"""Start virtlogd + libvirtd by hand (pid files under var/lab), or reuse running ones."""

from __future__ import annotations

import grp
import os
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab import LAB_DIR
from tests.lab.procs import SharedService

URI = "qemu:///system"


def _ready() -> bool:
    try:
        proc = subprocess.run(
            ["virsh", "-c", URI, "version"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _socket_alive(path: str) -> bool:
    """True if something accepts connections on the unix socket (a stale file does not)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def missing_binaries() -> list[str]:
    """Which of the needed programs are not installed."""
    needed = ["virtlogd", "libvirtd", "virsh", "qemu-system-x86_64", "qemu-img"]
    found = {n: shutil.which(n) or shutil.which(n, path="/usr/sbin:/usr/bin") for n in needed}
    return [n for n, p in found.items() if not p]


@dataclass
class LibvirtDaemons:
    """The daemons; ``owned`` lists those this session started."""

    uri: str
    owned: list[Path]
    startup_s: float
    service: SharedService

    def stop(self) -> None:
        """Leave; the last lab session out stops the daemons the lab started."""
        self.service.release()


def fix_kvm_device() -> None:
    """Give /dev/kvm the group/mode udev would set (root:kvm 0660).

    Without udev (containers, microVMs) it stays root-only 0600. libvirt then probes QEMU
    with KVM (as root) but finds KVM unusable for the qemu user, declares its capability
    cache stale and re-probes on every define: 30 s per ``defineXML`` instead of 2 ms.
    """
    try:
        st = os.stat("/dev/kvm")
        kvm_gid = grp.getgrnam("kvm").gr_gid
    except (OSError, KeyError):
        return
    if st.st_gid == 0 and stat.S_IMODE(st.st_mode) == 0o600:
        os.chown("/dev/kvm", -1, kvm_gid)
        os.chmod("/dev/kvm", 0o660)


def start_libvirtd(lab: Path = LAB_DIR, timeout: float = 90) -> LibvirtDaemons:
    """Reuse a running libvirtd, or start virtlogd and libvirtd with pid files."""
    t0 = time.monotonic()
    fix_kvm_device()
    run_dir = lab / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    service = SharedService(run_dir, "libvirt")
    logd_pid, libvirtd_pid = run_dir / "virtlogd.pid", run_dir / "libvirtd.pid"
    owned: list[Path] = []
    with service.lock():
        service.register()
        try:
            if not _socket_alive("/run/libvirt/virtlogd-sock"):
                cmd = ["/usr/sbin/virtlogd", "-d", "-p", str(logd_pid)]
                subprocess.run(cmd, check=True, timeout=30)
                owned.append(logd_pid)
            if not _ready():
                cmd = ["/usr/sbin/libvirtd", "-d", "-p", str(libvirtd_pid)]
                subprocess.run(cmd, check=True, timeout=30)
                owned.insert(0, libvirtd_pid)
                deadline = time.monotonic() + timeout
                while not _ready():
                    if time.monotonic() > deadline:
                        raise RuntimeError("libvirtd did not become ready")
                    time.sleep(0.2)
        finally:
            service.mark_started(owned)
    return LibvirtDaemons(URI, owned, time.monotonic() - t0, service)
