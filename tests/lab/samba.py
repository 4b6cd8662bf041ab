"""smbd with a private config on 127.0.0.1:445 (state under var/lab/samba)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.lab.procs import SharedService, read_pid, run

USER, PASSWORD = "smbtest", "Test-Pass1!"
# The account of the seed's CloudMonkey flow (cifs://...?user=administrator&password=1pass%40word1);
# its files are written as USER (force user), so both accounts see the same shares.
SEED_USER, SEED_PASSWORD = "administrator", "1pass@word1"
ACCOUNTS = {USER: PASSWORD, SEED_USER: SEED_PASSWORD}
SHARES = ("primary", "secondary")
CONF = """[global]
  server role = standalone server
  workgroup = TESTLAB
  netbios name = TESTSMB
  interfaces = lo 127.0.0.1
  bind interfaces only = yes
  smb ports = {port}
  disable netbios = yes
  server min protocol = SMB2_10
  map to guest = never
  passdb backend = tdbsam:{d}/private/passdb.tdb
  private dir = {d}/private
  lock directory = {d}/lock
  state directory = {d}/state
  cache directory = {d}/cache
  pid directory = {d}/pid
  ncalrpc dir = {d}/ncalrpc
  log file = {d}/log/log.%m
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  server signing = auto
"""
SHARE = """[{name}]
  path = {path}
  read only = no
  valid users = {users}
  force user = {user}
"""


def samba_missing() -> str:
    """Why Samba tests cannot run here ('' if they can)."""
    for prog in ("smbd", "smbpasswd"):
        if not (shutil.which(prog) or shutil.which(prog, path="/usr/sbin:/usr/bin")):
            return f"Samba is not installed ({prog} missing; apt-get install samba)"
    if os.geteuid() != 0:
        return "Samba tests need root (port 445, useradd)"
    return ""


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class SambaServer:
    """Start/stop one smbd by PID; share directories are ``share_dir(name)``."""

    def __init__(self, root: Path, port: int = 445) -> None:
        self.root, self.port = root, port
        self.conf = root / "smb.conf"
        self.pidfile = root / "pid" / "smbd.pid"
        self.user, self.password = USER, PASSWORD
        self.owned = False  # True when this session started smbd
        self.service = SharedService(root / "pid", "smbd")

    def share_dir(self, name: str) -> Path:
        return self.root / "shares" / name

    def unc(self, name: str) -> str:
        return f"\\\\127.0.0.1\\{name}"

    def start(self) -> None:
        """Start smbd (or join one a concurrent lab session started)."""
        for sub in ("private", "lock", "state", "cache", "pid", "log", "ncalrpc"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        with self.service.lock():
            self.service.register()
            changed = self._configure()
            running = read_pid(self.pidfile)
            if running:  # started by another session: make it re-read a changed config
                if changed:
                    os.kill(running, signal.SIGHUP)
                return
            if _port_open(self.port):
                raise RuntimeError(f"port {self.port} is taken by another server")
            smbd = shutil.which("smbd") or "/usr/sbin/smbd"
            subprocess.run([smbd, "-D", "-s", str(self.conf)], check=True, timeout=30)
            self.owned = True
            self.service.mark_started([self.pidfile])
            deadline = time.monotonic() + 20
            while not _port_open(self.port):
                if time.monotonic() > deadline:
                    raise RuntimeError("smbd did not start listening")
                time.sleep(0.1)

    def _configure(self) -> bool:
        """Write smb.conf and the accounts (idempotent); True when smb.conf changed."""
        for user in ACCOUNTS:
            try:
                pwd.getpwnam(user)
            except KeyError:
                run(["useradd", "-M", "-s", "/usr/sbin/nologin", user])
        text = CONF.format(port=self.port, d=self.root)
        for name in SHARES:
            path = self.share_dir(name)
            path.mkdir(parents=True, exist_ok=True)
            shutil.chown(path, USER)
            text += SHARE.format(name=name, path=path, user=USER, users=" ".join(ACCOUNTS))
        changed = not self.conf.exists() or self.conf.read_text() != text
        if changed:
            self.conf.write_text(text)
        for user, password in ACCOUNTS.items():
            run(
                ["smbpasswd", "-c", str(self.conf), "-s", "-a", user],
                input=f"{password}\n{password}\n".encode(),
            )
        return changed

    def stop(self) -> None:
        """Leave; the last lab session out stops smbd if a lab session started it."""
        self.service.release()
