"""A tiny real guest: Debian kernel + busybox initramfs whose init prints serial markers."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.lab import LAB_DIR
from tests.lab.procs import file_lock, run

MARKER_BOOTED = "CI-MARKER-BOOTED"
MARKER_DISK = "CI-MARKER-DISK"
MODULES = [
    "virtio/virtio_ring",
    "virtio/virtio",
    "virtio/virtio_pci_legacy_dev",
    "virtio/virtio_pci_modern_dev",
    "virtio/virtio_pci",
    "block/virtio_blk",
]
INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  insmod /lib/modules/$m.ko 2>/dev/null; done
sleep 0.3
echo "CI-MARKER-BOOTED uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
ls /dev/vd* 2>/dev/null | sed 's/^/CI-MARKER-DISK /'
if grep -q ci_sleep /proc/cmdline; then
  echo "CI-MARKER-SLEEPING"
  while true; do sleep 1; ls /dev/vd* 2>/dev/null | sed 's/^/CI-MARKER-DISK /' > /tmp/d;
    if ! cmp -s /tmp/d /tmp/d.old; then cat /tmp/d; cp /tmp/d /tmp/d.old; fi; done
fi
echo "CI-MARKER-POWEROFF"; poweroff -f
"""


@dataclass(frozen=True)
class TinyGuest:
    """Paths of the guest's kernel and initramfs (readable by libvirt-qemu)."""

    kernel: Path
    initrd: Path
    cmdline: str = "console=ttyS0 quiet panic=-1 ci_sleep"


def _kernel_package() -> str:
    out = run(["apt-cache", "depends", "linux-image-amd64"], timeout=60).stdout.decode()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "Depends:" and parts[1][12:13].isdigit():
            return parts[1]
    raise RuntimeError("cannot find the Debian kernel package behind linux-image-amd64")


def _fetch_kernel(lab: Path) -> Path:
    """Kernel tree under ``lab/kernel`` via ``apt-get download`` + ``dpkg-deb -x``."""
    tree = lab / "kernel"
    found = sorted(tree.glob("boot/vmlinuz-*"))
    if found:
        return tree
    debs = lab / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    pkg = _kernel_package()
    run(["apt-get", "download", pkg], timeout=300, cwd=debs)
    (deb,) = sorted(debs.glob(f"{pkg}_*.deb"))
    tmp = lab / "kernel.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    run(["dpkg-deb", "-x", str(deb), str(tmp)], timeout=300)
    tmp.rename(tree)
    deb.unlink()
    return tree


def _build_initramfs(lab: Path, tree: Path) -> Path:
    target = lab / "initramfs.cpio.gz"
    if target.exists():
        return target
    root = lab / "initramfs"
    shutil.rmtree(root, ignore_errors=True)
    for sub in ("bin", "dev", "proc", "sys", "tmp", "lib/modules"):
        (root / sub).mkdir(parents=True)
    busybox = shutil.which("busybox") or "/bin/busybox"
    shutil.copy2(busybox, root / "bin" / "busybox")
    (drivers,) = sorted(tree.glob("lib/modules/*/kernel/drivers"))
    for mod in MODULES:
        shutil.copy2(drivers / f"{mod}.ko", root / "lib" / "modules")
    (root / "init").write_text(INIT)
    (root / "init").chmod(0o755)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    cpio = subprocess.run(
        ["cpio", "-o", "-H", "newc", "--quiet"],
        input=("\n".join([".", *files]) + "\n").encode(),
        cwd=root,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(cpio, compresslevel=1))
    tmp.rename(target)
    return target


def build_tiny_guest(lab: Path = LAB_DIR) -> TinyGuest:
    """Build (or reuse) the cached guest under ``lab``; takes ~5 s cold, 0 s warm."""
    lab.mkdir(parents=True, exist_ok=True)
    with file_lock(lab / ".guest.lock"):
        tree = _fetch_kernel(lab)
        initrd = _build_initramfs(lab, tree)
    (kernel,) = sorted(tree.glob("boot/vmlinuz-*"))
    return TinyGuest(kernel=kernel, initrd=initrd)
