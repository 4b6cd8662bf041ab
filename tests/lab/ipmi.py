"""A real IPMI BMC on loopback: OpenIPMI's ``ipmi_sim`` with a LAN channel on 127.0.0.1.

The chassis power state is a file (``ipmi_chassis.py``, ipmi_sim's ``chassis_control``
program), so a test can read what the BMC did and make it refuse power control.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

CHASSIS = Path(__file__).with_name("ipmi_chassis.py")
USERNAME, PASSWORD = "admin", "Bmc-Secret-42"
LAN_CONF = """name "portalbmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 {port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "{python} {chassis} {state} 0x20"
  user 2 true "{username}" "{password}" admin 10 none md2 md5 straight
"""
EMU = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
"""


def ipmi_missing() -> str:
    """Why the IPMI lab cannot run here ('' if it can)."""
    for prog in ("ipmi_sim", "ipmitool"):
        if not shutil.which(prog):
            return f"{prog} is not installed (apt-get install openipmi ipmitool)"
    return ""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class IpmiSim:
    """One ``ipmi_sim`` process (started and stopped by PID) with its state under ``root``."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_udp_port()
        self.address, self.username, self.password = "127.0.0.1", USERNAME, PASSWORD
        self.state = root / "chassis"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> IpmiSim:
        """Write the configs, start ipmi_sim and wait until it answers a power status."""
        self.state.mkdir(parents=True, exist_ok=True)
        (self.root / "persist").mkdir(exist_ok=True)
        conf = self.root / "lan.conf"
        conf.write_text(
            LAN_CONF.format(
                port=self.port,
                python=sys.executable,
                chassis=CHASSIS,
                state=self.state,
                username=self.username,
                password=self.password,
            )
        )
        (self.root / "sim.emu").write_text(EMU)
        argv = ["ipmi_sim", "-c", str(conf), "-f", str(self.root / "sim.emu")]
        argv += ["-s", str(self.root / "persist"), "-n"]
        self.proc = subprocess.Popen(  # noqa: S603 (an argument list)
            argv,
            stdin=subprocess.DEVNULL,
            stdout=open(self.root / "ipmi_sim.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )
        deadline = time.monotonic() + timeout
        while self.ipmitool("status").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = (self.root / "ipmi_sim.log").read_text(errors="replace")
                raise RuntimeError(f"ipmi_sim did not answer on 127.0.0.1:{self.port}: {log}")
            time.sleep(0.2)
        self.actions_log.write_text("")
        return self

    def ipmitool(self, action: str) -> subprocess.CompletedProcess:
        """``ipmitool chassis power <action>`` against this BMC (for the fixture itself)."""
        argv = ["ipmitool", "-I", "lanplus", "-H", self.address, "-p", str(self.port)]
        argv += [
            "-U",
            self.username,
            "-E",
            "-C",
            "3",
            "-R",
            "1",
            "-N",
            "1",
            "chassis",
            "power",
            action,
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "IPMI_PASSWORD": self.password}
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10)

    @property
    def actions_log(self) -> Path:
        return self.state / "actions.log"

    def actions(self) -> list[str]:
        """The ``set ...`` calls the BMC made to its chassis (status reads left out)."""
        text = self.actions_log.read_text() if self.actions_log.exists() else ""
        return [line for line in text.splitlines() if line.startswith("set ")]

    def power(self) -> str:
        """The chassis power state: ``On`` or ``Off``."""
        path = self.state / "power"
        return "Off" if path.exists() and path.read_text().strip() == "0" else "On"

    def wait_power(self, state: str, timeout: float = 10) -> str:
        """The power state once it is ``state`` (ipmi_sim powers a cycled host back on a
        moment later), or whatever it is after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.power() != state and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.power()

    def refuse_power_control(self, refuse: bool = True) -> None:
        """Make the chassis refuse (or accept again) every power change."""
        flag = self.state / "refuse"
        if refuse:
            flag.write_text("1")
        else:
            flag.unlink(missing_ok=True)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
