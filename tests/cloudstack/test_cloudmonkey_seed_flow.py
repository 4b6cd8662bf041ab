"""The seed's CloudMonkey flow (issue 11) with Apache CloudStack's real CLI, cloudmonkey
5.3.3.1 on Python 2.7, against the portal started the way ``make run`` starts it
(``manage.py runportal``: Redis, Celery worker and beat, web server) in a temporary
``PORTAL_VAR_DIR`` on free ports. Hyper-V is the real agent (``python -m agents serve
--resource hyperv``) talking WinRM to the WS-Man double, with the shares on a real Samba
server. The flow itself is ``tests/cloudstack/seed_flow.sh``, a script an operator could run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fakes.hyperv import start_hyperv_double
from tests.lab.samba import SEED_PASSWORD, SEED_USER
from tests.lifecycle.test_hyperv_e2e import Image  # serves a small VHDX image

pytestmark = pytest.mark.samba
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("seed_flow.sh")
# addHost's username/password in the seed: the Windows account the agent uses for WinRM.
WINRM_USER, WINRM_PASSWORD = "root", "1pass@word1"
ADMIN_PASSWORD, TENANT_PASSWORD = "Seed-Admin-Pass1", "Seed-Tenant-Pass1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(0.2)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="session")
def cloudmonkey() -> str:
    """The cloudmonkey 5.3.3.1 launcher (installed by scripts/ensure-cloudmonkey.sh)."""
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ensure-cloudmonkey.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode == 3:
        pytest.skip(f"cloudmonkey needs Python 2.7: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def hyperv_host(samba_server, tmp_path, monkeypatch):
    """A Hyper-V host: WS-Man double + fake Hyper-V, and the real agent in a subprocess. Its
    config holds no secret: the Windows account it uses for WinRM (TESTLAB\\root) is what
    addHost's username/password enroll with."""
    monkeypatch.setenv("NTLM_USER_FILE", str(tmp_path / "ntlm-users"))
    fake, wsman = start_hyperv_double(
        samba_server, tmp_path / "ntlm-users", WINRM_USER, WINRM_PASSWORD
    )
    config = tmp_path / "hyperv-agent.json"
    config.write_text(
        json.dumps(
            {
                "state_file": str(tmp_path / "hyperv-agent-state.json"),
                "resource": {
                    "winrm_url": wsman.url,
                    "username": f"TESTLAB\\{WINRM_USER}",
                    "password": WINRM_PASSWORD,
                    "transport": "ntlm",
                    "default_switch": "vSwitch0",
                    "smb": {"username": SEED_USER, "password": SEED_PASSWORD},
                },
            }
        )
    )
    port = free_port()
    log = open(tmp_path / "hyperv-agent.log", "w")
    agent = subprocess.Popen(
        [sys.executable, "-m", "agents", "serve", "--resource", "hyperv"]
        + ["--listen", f"127.0.0.1:{port}", "--config", str(config)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    web = ThreadingHTTPServer(("127.0.0.1", 0), Image)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        wait_for("Hyper-V agent", lambda: port_open(port), 30, agent)
        yield {
            "port": port,
            "fake": fake,
            "samba": samba_server,
            "template_url": f"http://127.0.0.1:{web.server_address[1]}/winsrv2022.vhdx",
            "log": tmp_path / "hyperv-agent.log",
        }
    finally:
        stop_group(agent)
        log.close()
        web.shutdown()
        wsman.stop()


@pytest.fixture
def portal(tmp_path):
    """``manage.py runportal`` (what ``make run`` starts) in a temporary var dir."""
    var = tmp_path / "var"
    var.mkdir()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "PORTAL_", "DATABASE_"))
    }
    env |= {
        "PORTAL_VAR_DIR": str(var),
        "PORT": str(port),
        "PORTAL_REDIS_PORT": str(free_port()),
        "PORTAL_DEMO_AGENT_LISTEN": f"127.0.0.1:{free_port()}",
        "PORTAL_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TEMPLATE_URL_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    log_path = tmp_path / "runportal.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runportal"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(
            "runportal banner",
            lambda: "The portal is running" in log_path.read_text(errors="replace"),
            240,
            proc,
        )
        yield {"url": f"http://127.0.0.1:{port}", "log": log_path}
    finally:
        stop_group(proc)
        log.close()


def test_seed_flow_verbatim_with_cloudmonkey(cloudmonkey, portal, hyperv_host, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        "HOME": str(home),
        "CLOUDMONKEY": cloudmonkey,
        "PORTAL_URL": portal["url"],
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TENANT_PASSWORD": TENANT_PASSWORD,
        "AGENT_PORT": str(hyperv_host["port"]),
        "TEMPLATE_URL": hyperv_host["template_url"],
    }
    flow = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600
    )
    logs = (
        f"\n--- flow:\n{flow.stderr[-6000:]}\n--- runportal:\n"
        + portal["log"].read_text()[-4000:]
        + "\n--- agent:\n"
        + hyperv_host["log"].read_text()[-2000:]
    )
    assert flow.returncode == 0, logs
    ids = dict(pair.split("=", 1) for pair in flow.stdout.split()[-5:])

    def cm(*args: str) -> dict:
        out = subprocess.run(
            [cloudmonkey, "-d", "json", "api", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return json.loads(out.stdout)

    (host,) = cm("listHosts", f"zoneid={ids['zone']}")["host"]
    assert (host["id"], host["state"], host["hypervisor"]) == (ids["host"], "Up", "Hyperv")
    # Wrong credentials: cloudmonkey shows CloudStack's 530 and exits 1; no host is added.
    wrong = subprocess.run(
        [cloudmonkey, "-d", "json", "api", "addHost", f"zoneid={ids['zone']}"]
        + [f"podid={host['podid']}", f"clusterid={host['clusterid']}", "hypervisor=Hyperv"]
        + [f"url=http://localhost:{hyperv_host['port']}", "username=root", "password=wrong"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1 and "Error 530" in wrong.stderr + wrong.stdout, wrong
    assert [h["id"] for h in cm("listHosts", f"zoneid={ids['zone']}")["host"]] == [ids["host"]]
    (network,) = cm("listNetworks", f"id={ids['network']}", "listall=true")["network"]
    assert network["name"] == "QuickCloudNetName"
    assert network["networkofferingname"] == "QuickCloudNoServices"
    assert (network["gateway"], network["netmask"]) == ("127.0.2.1", "255.255.255.0")
    (vm,) = cm("listVirtualMachines", f"id={ids['vm']}", "listall=true")["virtualmachine"]
    assert (vm["state"], vm["hostid"], vm["account"]) == ("Running", ids["host"], "hybrid")
    (nic,) = vm["nic"]
    assert nic["networkid"] == ids["network"]
    assert 124 <= int(nic["ipaddress"].rsplit(".", 1)[1]) <= 144  # from startip..endip

    # cloudmonkey sends every password in a query string: none reaches a server's log.
    for log in (portal["log"], hyperv_host["log"]):
        text = log.read_text(errors="replace")
        assert "GET /client/api?" in text or log == hyperv_host["log"]
        for secret in ("1pass", ADMIN_PASSWORD, TENANT_PASSWORD):
            assert secret not in text, f"{secret} in {log.name}"

    # The instance really runs on the Hyper-V host, its disk on the Samba primary share.
    samba = hyperv_host["samba"]
    running = [v for v in hyperv_host["fake"].vms.values() if v.get("state") == "Running"]
    assert len(running) == 1
    assert list(samba.share_dir("secondary").rglob("*.vhdx"))
    assert any(p.name.startswith("vol-") for p in samba.share_dir("primary").iterdir())
