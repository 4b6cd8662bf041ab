"""Case 7: signed /client/api calls per second over real HTTP (gunicorn, 3 workers).

Client threads on keep-alive connections send the same signed URL for a fixed time (a v3
signature with a far ``expires`` stays valid, as in CloudStack). Cases: a trivial signed
call (``listCapabilities``), a signed ``listVirtualMachines`` page of 20 as a tenant with
100 instances, and the floor: ``/healthz`` through the same gunicorn (Django, no auth, no
database). Client and server share the machine's two cores.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from tests.bench.stats import Timing

SECONDS = 10
THREADS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(ctx, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "3", "--log-level", "warning"],
        env={**ctx.env, "DEBUG": "0"}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /healthz")


def _hammer(port: int, path: str, seconds: float, threads: int) -> tuple[float, Timing, int]:
    """(requests/s, latency timing, errors) for ``threads`` keep-alive clients."""
    samples: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                errors[0] += 1
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(samples) / (time.monotonic() - started), Timing(samples), errors[0]


def _signed(pair, **params) -> str:
    from portal.cloudstack.signing import sign

    query = {"response": "json", "apiKey": pair.api_key, "signatureVersion": "3",
             "expires": "2099-01-01T00:00:00+0000", **params}  # fmt: skip
    query["signature"] = sign(query, pair.secret_key)
    return "/client/api?" + urlencode(query)


def run(ctx) -> None:
    from compute.models import Instance
    from portal.services.apikeys import create_api_key
    from tests.bench.infra import ensure_sim_zone, make_tenant

    sim_zone = ensure_sim_zone(ctx)
    tenant = make_tenant(sim_zone, f"http{os.getpid()}")
    Instance.objects.bulk_create(
        Instance(
            name=f"h{i}", display_name=f"h{i}", account=tenant.account,
            domain=tenant.account.domain, zone=sim_zone.zone, template=tenant.template,
            service_offering=tenant.offering, cpu_number=1, cpu_speed=1000, memory=512,
            state="Stopped",
        )
        for i in range(100)
    )  # fmt: skip
    pair = create_api_key(acting_user=tenant.user)
    port = _free_port()
    server = _start_gunicorn(ctx, port)
    seconds = 3 if ctx.quick else SECONDS
    try:
        floor_rate, floor, _ = _hammer(port, "/healthz", seconds, THREADS)
        ctx.report.add("7", "GET /healthz (floor: Django, no auth, no DB)", floor,
                       notes=f"{floor_rate:,.0f} req/s")  # fmt: skip
        for label, path in (
            ("signed listCapabilities", _signed(pair, command="listCapabilities")),
            ("signed listVirtualMachines pagesize=20, tenant with 100 VMs",
             _signed(pair, command="listVirtualMachines", page="1", pagesize="20")),
        ):  # fmt: skip
            rate, timing, errors = _hammer(port, path, seconds, THREADS)
            ctx.report.add("7", label, timing, floor_name="GET /healthz", floor=floor,
                           notes=f"{rate:,.0f} req/s, {errors} errors")  # fmt: skip
            ctx.report.fact("7", f"{label}: requests per second", round(rate, 1), "req/s",
                            f"gunicorn 3 workers, {THREADS} keep-alive client threads, "
                            f"{seconds} s; floor /healthz {floor_rate:,.0f} req/s")  # fmt: skip
    finally:
        server.terminate()
        server.wait(15)
