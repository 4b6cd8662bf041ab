"""A real Celery worker process (``celery -A portal worker``) on the test Redis.

Fixture ``celery_worker_process`` yields a :class:`Worker` whose ``app`` is a Celery client
configured like the portal (Django settings, ``CELERY_`` namespace) but pointed at the test
broker, for sending tasks and receiving the worker's events.

The worker is a separate process, so it cannot see an in-memory SQLite test database. It
uses Django's test database when another process can open it: PostgreSQL (``make test``'s
second pass) or SQLite with a file ``DATABASES["default"]["TEST"]["NAME"]``. Otherwise it
gets a scratch ``PORTAL_VAR_DIR`` with its own SQLite file, fine for tasks that do not
touch the database. Tests whose tasks use the database need ``django_db(transaction=True)``
so that their rows are committed.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._proc import log_tail, spawn, stop_process_group, wait_until
from .postgres_server import django_dsn

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    app: object  # celery.Celery
    broker_url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return log_tail(self.log)


def _shared_test_database_url(request) -> str | None:
    """URL of Django's test database if another process can open it (set up first)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return django_dsn(request)
    s = connection.settings_dict
    if connection.vendor == "sqlite" and s.get("TEST", {}).get("NAME"):
        request.getfixturevalue("django_db_setup")
        if not connection.is_in_memory_db():
            return f"sqlite:///{s['NAME']}"
    return None


@pytest.fixture(scope="session")
def celery_worker_process(request, redis_url, tmp_path_factory):
    from celery import Celery
    from django.conf import settings

    database_url = _shared_test_database_url(request)
    workdir = tmp_path_factory.mktemp("celery")
    log = workdir / "worker.log"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": redis_url,
        "PORTAL_VAR_DIR": str(workdir / "var"),
        # same keys as this process: secrets encrypted by a test decrypt in a task
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    cmd = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo",
        "--loglevel", "INFO", "--task-events", "--hostname", "test-worker@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = spawn(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)

    # Celery reads CELERY_BROKER_URL from the environment before its configuration: point this
    # process at the test broker too for the rest of the session.
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    mp.setenv("CELERY_BROKER_URL", redis_url)
    app = Celery("portal-test-client")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.task_always_eager = False

    def answers_ping() -> bool:
        return bool(app.control.ping(timeout=0.5))

    try:
        wait_until(answers_ping, timeout=60, what="celery worker", proc=proc)
    except RuntimeError as exc:
        stop_process_group(proc)
        raise RuntimeError(f"{exc}\n--- worker log ---\n{log_tail(log)}") from None
    yield Worker(app=app, broker_url=redis_url, process=proc, log=log)
    stop_process_group(proc, timeout=15)
    app.close()
