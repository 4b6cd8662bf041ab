"""`make run` stopped and started again: the demo cloud keeps working (issue 11).

Runs ``manage.py runportal`` as ``make run`` does, on a temporary var/ and free ports: the
banner comes only once the demo hosts are Up; the demo tenant deploys through CloudStack's
API; after a stop (every process gone) and a start, the first instance is still Running
(the simulator kept its state) and a second deploy from the same template succeeds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.services._proc import free_port, log_tail, spawn, wait_until

ROOT = Path(__file__).resolve().parents[1]
BANNER = "The portal is running"


class Portal:
    """One ``runportal`` process on a var/ directory."""

    def __init__(self, var: Path, env: dict[str, str], run: int) -> None:
        self.log = var / f"runportal-{run}.log"
        with open(self.log, "wb") as out:
            self.proc = spawn([sys.executable, "manage.py", "runportal"], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        started = time.monotonic()
        try:
            wait_until(lambda: BANNER in self.output(), timeout=120, what="runportal",
                       proc=self.proc)  # fmt: skip
        except RuntimeError as exc:
            self.proc.kill()
            raise AssertionError(f"{exc}:\n{log_tail(self.log, 60)}") from None
        self.seconds_to_banner = time.monotonic() - started

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int) -> None:
        """Signal the process group (as a terminal's Ctrl-C does); every child must go."""
        started = dict(re.findall(r"started (.+) \(pid (\d+)\)", self.output()))
        try:
            os.killpg(self.proc.pid, sig)
            assert self.proc.wait(60) == 0, self.output()
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        assert {"redis", "celery worker", "celery beat", "simulator agent", "web"} <= set(started)
        for pgid in started.values():
            with pytest.raises(ProcessLookupError):
                os.killpg(int(pgid), 0)
        assert "all processes stopped" in self.output()


class Tenant:
    """The demo user on CloudStack's API (``login`` session, as the UI and CloudMonkey do)."""

    def __init__(self, base: str, password: str) -> None:
        self.url, self.http = f"{base}/client/api", requests.Session()
        login = self.call("login", username="demo", password=password, domain="/Demo")
        self.key = login["sessionkey"]

    def call(self, command: str, **params: str) -> dict:
        if command != "login":
            params["sessionkey"] = self.key
        answer = self.http.post(
            self.url, data={"command": command, "response": "json", **params}, timeout=30
        )
        body = next(iter(answer.json().values()))
        assert "errortext" not in body, body
        return body

    def deploy(self) -> str:
        zone = self.call("listZones")["zone"][0]["id"]
        offering = self.call("listServiceOfferings", name="Small Instance")["serviceoffering"][0]
        template = self.call("listTemplates", templatefilter="executable")["template"][0]
        job = self.call("deployVirtualMachine", zoneid=zone, serviceofferingid=offering["id"],
                        templateid=template["id"])  # fmt: skip
        deadline = time.monotonic() + 60
        while (result := self.call("queryAsyncJobResult", jobid=job["jobid"]))["jobstatus"] == 0:
            assert time.monotonic() < deadline, "deploy job still pending after 60s"
            time.sleep(0.2)
        assert result["jobstatus"] == 1, result
        assert self.state(job["id"]) == "Running"
        return job["id"]

    def state(self, vm_id: str) -> str:
        return self.call("listVirtualMachines", id=vm_id)["virtualmachine"][0]["state"]


@pytest.mark.celery
def test_demo_deploys_before_and_after_a_restart(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    port = free_port()
    env.update(
        PORTAL_VAR_DIR=str(tmp_path), PORT=str(port), PORTAL_REDIS_PORT=str(free_port()),
        PORTAL_DEMO_AGENT_LISTEN=f"127.0.0.1:{free_port()}", DEBUG="1", PYTHONUNBUFFERED="1",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    fresh = Portal(tmp_path, env, 1)
    try:
        assert "demo hosts Up (4)" in fresh.output()  # before the banner, not a minute later
        tenant = Tenant(base, (tmp_path / "demo_password").read_text().strip())
        first = tenant.deploy()
    finally:
        fresh.stop(signal.SIGINT)

    warm = Portal(tmp_path, env, 2)
    try:
        output = warm.output()
        assert "demo hosts Up (4)" in output and "runportal: WARNING" not in output, output
        tenant = Tenant(base, (tmp_path / "demo_password").read_text().strip())
        # The hosts answered a ping of this run before the banner: the simulator still runs
        # the first instance, so the power-state sync left it Running.
        assert tenant.state(first) == "Running"
        second = tenant.deploy()  # the template's copy on the pool is still there
        assert second != first
    finally:
        warm.stop(signal.SIGTERM)
    print(f"fresh start to banner {fresh.seconds_to_banner:.1f}s, "
          f"warm restart to banner {warm.seconds_to_banner:.1f}s")  # fmt: skip
