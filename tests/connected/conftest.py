"""Connected agents: a real gateway (its own event loop thread, the test database) and real
agent processes (``python -m agents serve --connect``) on loopback."""

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.services._proc import free_port, log_tail, spawn, stop_process_group

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningGateway:
    thread: object
    port: int
    relay_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway(self):
        return self.thread.gateway


def start_gateway(
    port: int, relay_port: int, ping_interval: float = 1.0, ssl_context=None
) -> RunningGateway:
    from compute.gateway import relay_key
    from compute.gateway.server import GatewayThread

    thread = GatewayThread(
        listen=("127.0.0.1", port),
        relay_port=relay_port,
        relay_key=relay_key(),
        ping_interval=ping_interval,
        ssl_context=ssl_context,
    ).start()
    return RunningGateway(thread, port, relay_port)


@pytest.fixture
def gateway(settings):
    """A gateway on free ports; job code reaches it through AGENT_GATEWAY_RELAY_URL."""
    running = start_gateway(free_port(), free_port())
    settings.AGENT_GATEWAY_RELAY_URL = f"ws://127.0.0.1:{running.relay_port}"
    holder = {"gw": running}
    yield holder
    holder["gw"].thread.stop()


@pytest.fixture
def agents(tmp_path):
    """Start connected simulator agents; all are stopped at the end."""
    procs = []

    def start(url: str, *, token: str = "", host_id: str = "conn-host", state: str = "state.json",
              fleet: int = 0, extra: tuple[str, ...] = ()) -> subprocess.Popen:  # fmt: skip
        log = tmp_path / f"{host_id}-{len(procs)}.log"
        cmd = [
            sys.executable, "-m", "agents", "serve", "--resource", "simulator",
            "--connect", url, "--state", str(tmp_path / state), "--host-id", host_id,
        ]  # fmt: skip
        if token:
            cmd += ["--token", token]
        if fleet:
            cmd += ["--fleet", str(fleet)]
        cmd += list(extra)
        out = open(log, "wb")  # noqa: SIM115 - closed with the process
        proc = spawn(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        proc.log = log
        procs.append((proc, out))
        return proc

    yield start
    for proc, out in procs:
        stop_process_group(proc, timeout=10)
        out.close()


def wait_for(check, timeout: float = 60.0, what: str = "condition", proc=None):
    """Poll ``check`` (a callable returning a truthy value) and return its value."""
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except OperationalError as exc:
            # the in-memory test database is SQLite in shared-cache mode: table locks and no
            # busy timeout, so a read racing the gateway thread's UPDATE fails; poll again
            if "locked" not in str(exc):
                raise
            value = None
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.1)
    tail = log_tail(proc.log) if proc is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")
