"""Console test fixtures (a pytest plugin, see tests/conftest.py): a real TCG QEMU guest with
a password-protected VNC server, instances placed on it, the console proxy."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

QEMU = shutil.which("qemu-system-x86_64")
VNC_PASSWORD = "vnc-pw1"


@dataclass
class QemuVnc:
    port: int
    password: str
    process: subprocess.Popen
    serial_log: Path | None = None


def _free_vnc_port() -> int:
    """A free TCP port above 5900 (QEMU takes a display number: port - 5900)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 5900:
            return port
    raise RuntimeError("no free port above 5900")


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"{proc.args[0]} exited: {err}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s")


def start_qemu(guest=None, password: str = VNC_PASSWORD, serial_log: Path | None = None) -> QemuVnc:
    """QEMU (TCG) with VGA and VNC on 127.0.0.1 requiring ``password``; with ``guest`` it
    boots the tiny guest, whose init writes its markers on the VGA console; without, the
    VM is created paused (``-S``: the VNC server answers at once). The kernel's messages
    also go to ``serial_log`` when given."""
    if QEMU is None:
        pytest.skip("qemu-system-x86_64 is not installed")
    port = _free_vnc_port()
    cmd = [QEMU, "-nodefaults", "-machine", "pc,accel=tcg", "-m", "128", "-vga", "std",
           "-object", f"secret,id=vncpw,data={password}",
           "-vnc", f"127.0.0.1:{port - 5900},password-secret=vncpw",
           "-serial", f"file:{serial_log}" if serial_log else "null",
           "-monitor", "none", "-display", "none"]  # fmt: skip
    if guest is None:
        cmd.append("-S")
    else:
        cmd += ["-kernel", str(guest.kernel), "-initrd", str(guest.initrd),
                "-append", "console=ttyS0 console=tty0 panic=-1 ci_sleep"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_port(port, proc)
    except Exception:
        proc.kill()
        raise
    return QemuVnc(port=port, password=password, process=proc, serial_log=serial_log)


def stop_qemu(vm: QemuVnc) -> None:
    vm.process.kill()
    vm.process.wait(10)
    if vm.process.stderr:
        vm.process.stderr.close()


@pytest.fixture
def paused_qemu():
    vm = start_qemu()
    yield vm
    stop_qemu(vm)


@pytest.fixture
def booting_qemu(tiny_guest, tmp_path):
    vm = start_qemu(tiny_guest, serial_log=tmp_path / "serial.log")
    yield vm
    stop_qemu(vm)


@pytest.fixture
def console_vm(defaults, simulator, tenant):
    """``place(qemu, **instance_fields)``: a Running instance of ``tenant`` on a simulator
    host whose simulated VM reports ``qemu``'s VNC port (the proxy asks the agent)."""
    from agents.protocol import VmSpec
    from agents.resources.simulator import SimVm
    from compute.lifecycle.specs import vm_name
    from tests.cloud_fixtures import SECRET
    from tests.factories import ClusterFactory, HostFactory, InstanceFactory

    def place(qemu: QemuVnc | None, **fields):
        cluster = ClusterFactory()
        host = HostFactory(cluster=cluster, url=f"{simulator.url}/hosts/con-{cluster.pk}",
                           agent_secret=SECRET)  # fmt: skip
        fields.setdefault("account", tenant.account)
        fields.setdefault("state", "Running")
        password = qemu.password if qemu else ""
        instance = InstanceFactory(
            zone=host.zone, host=host, hypervisor="Simulator", vnc_password=password, **fields
        )
        name = vm_name(instance)
        sim = simulator.provider.get(f"con-{cluster.pk}")
        sim.vms[name] = SimVm(spec=VmSpec(name=name, cpus=1, memory_mib=64), state="running",
                              vnc_port=qemu.port if qemu else -1)  # fmt: skip
        return instance

    return place


@pytest.fixture
def console_proxy(settings):
    """The console proxy on a free port (its own event loop thread); settings point at it."""
    from compute.console.proxy import ConsoleProxyThread

    proxy = ConsoleProxyThread().start()
    settings.CONSOLE_PROXY_URL = proxy.url
    yield proxy
    proxy.stop()


def rfb_session(url: str, timeout: float = 10) -> tuple[int, int, str]:
    """What a VNC client sees through the proxy: (width, height, desktop name) from
    ServerInit, after the proxy's security handshake (which must offer only None)."""
    from websockets.sync.client import connect

    with connect(url, subprotocols=["binary"], open_timeout=timeout) as ws:
        buf = bytearray()

        def read(n: int) -> bytes:
            while len(buf) < n:
                buf.extend(ws.recv(timeout))
            data = bytes(buf[:n])
            del buf[:n]
            return data

        assert read(12) == b"RFB 003.008\n"
        ws.send(b"RFB 003.008\n")
        assert read(2) == b"\x01\x01", "the browser must be offered security type None only"
        ws.send(b"\x01")
        assert read(4) == b"\0\0\0\0"
        ws.send(b"\x01")  # ClientInit, shared
        width, height = struct.unpack(">HH", read(4))
        read(16)  # pixel format
        (length,) = struct.unpack(">I", read(4))
        return width, height, read(length).decode()


def refused(url: str) -> tuple[int, str]:
    """The close code and reason of a WebSocket the proxy refuses."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(url, subprotocols=["binary"], open_timeout=10) as ws:
        try:
            message = ws.recv(10)
        except ConnectionClosed as exc:
            return exc.rcvd.code, exc.rcvd.reason
    raise AssertionError(f"the proxy answered {message!r} instead of refusing")
