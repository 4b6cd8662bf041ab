"""``python -m tests.bench [--quick] [--large] [--only 1,3]``: run the scale benchmarks.

Starts a throwaway PostgreSQL (``tests.services.postgres_server``), Redis, one simulator
agent process and, for the deploy case, a Celery worker; points Django at them; runs the
cases; writes ``var/bench/report.md`` and ``var/bench/report.json``; stops everything.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.stats import Report

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Context:
    """What the cases share: options, services, the report and objects built so far."""

    quick: bool
    large: bool
    report: Report
    env: dict[str, str]
    workdir: Path
    dsn: str
    services: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def runs(self, full: int, quick: int = 5) -> int:
        return quick if self.quick else full


def _cases():
    from tests.bench import (
        bench_capacity,
        bench_concurrency,
        bench_connected,
        bench_deploy,
        bench_hosts,
        bench_http,
        bench_listing,
        bench_planner,
    )

    # Order matters: hosts (3) builds the 10,000-host zone that 2 and 5 use.
    return [
        ("1", "listing", bench_listing.run),
        ("3", "hosts and heartbeats", bench_hosts.run),
        ("2", "capacity summary", bench_capacity.run),
        ("5", "planner", bench_planner.run),
        ("4", "deploy throughput", bench_deploy.run),
        ("6", "concurrency correctness", bench_concurrency.run),
        ("7", "signed API calls per second over HTTP", bench_http.run),
        ("8", "connected agents (10,000 hosts dialling one gateway)", bench_connected.run),
    ]


def _tune_postgres(server) -> None:
    """More shared buffers than the test server's default, like the reference setup."""
    import psycopg

    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_buffers = '512MB'")
        conn.execute("ALTER SYSTEM SET max_connections = 100")
    server._run(
        "pg_ctl", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60", "restart"
    )  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--quick", action="store_true", help="smaller cases, for development")
    parser.add_argument("--large", action="store_true", help="also list out of 1,000,000")
    parser.add_argument("--only", default="", help="comma-separated case numbers, e.g. 1,5")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "bench"))
    args = parser.parse_args(argv)
    only = {c.strip() for c in args.only.split(",") if c.strip()}

    def interrupted(signum, frame):
        raise KeyboardInterrupt  # SIGTERM: stop the servers and write what was measured

    signal.signal(signal.SIGTERM, interrupted)

    from tests.bench.services import Workdir, start_redis, start_simulator
    from tests.services.postgres_server import PostgresServer

    mode = "quick" if args.quick else ("full + large" if args.large else "full")
    report = Report(mode=mode)
    report.environment = {
        "cpus": os.cpu_count(),
        "argv": argv,
        "loadavg_at_start": os.getloadavg(),
    }
    workdir = Workdir()
    pg = PostgresServer()
    started: list[Any] = []
    t_start = time.monotonic()
    try:
        print("==> starting PostgreSQL, Redis and the simulator agent", flush=True)
        pg.start()
        _tune_postgres(pg)
        report.environment["postgres"] = pg.bindir.parent.name
        redis = start_redis(workdir.path)
        started.append(redis)
        sim = start_simulator(workdir.path)
        started.append(sim)
        env = {
            "DATABASE_URL": pg.dsn,
            "DB_CONN_MAX_AGE": "600",
            "CELERY_BROKER_URL": f"{redis.url}/0",
            "CELERY_RESULT_BACKEND": f"{redis.url}/1",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": _fernet_key(),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "PORTAL_VAR_DIR": str(workdir.path / "var"),
            "LOG_LEVEL": "WARNING",
            "AGENT_PING_INTERVAL": "60",
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        import django

        django.setup()
        from django.core.management import call_command

        print("==> migrating", flush=True)
        call_command("migrate", verbosity=0)
        report.durations["services + migrate"] = time.monotonic() - t_start
        ctx = Context(
            quick=args.quick,
            large=args.large,
            report=report,
            env={**os.environ},
            workdir=workdir.path,
            dsn=pg.dsn,
            services={"redis": redis, "simulator": sim},
        )
        for number, title, run in _cases():
            if only and number not in only:
                continue
            print(f"==> case {number}: {title}", flush=True)
            t0 = time.monotonic()
            try:
                run(ctx)
            except Exception as exc:  # one broken case must not lose the others' numbers
                traceback.print_exc()
                report.note(number, f"FAILED: {type(exc).__name__}: {exc}")
            report.durations[f"case {number} ({title})"] = time.monotonic() - t0
            report.write(Path(args.out))
    finally:
        for service in ctx_services(locals()):
            service.stop()
        for service in reversed(started):
            service.stop()
        pg.stop()
        workdir.remove()
        report.durations["total"] = time.monotonic() - t_start
        report.environment["loadavg_at_end"] = os.getloadavg()
        report.write(Path(args.out))
    print(f"\n==> wrote {args.out}/report.md and report.json\n", flush=True)
    print(report.summary_table())
    print()
    print(report.facts_table())
    failed = [t for _, t in report.notes if t.startswith("FAILED")]
    return 1 if failed else 0


def ctx_services(scope: dict) -> list:
    """Services a case started and left in ``ctx.state['stop']`` (e.g. the worker)."""
    ctx = scope.get("ctx")
    return list(ctx.state.get("stop", [])) if ctx is not None else []


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
