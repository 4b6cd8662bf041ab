"""The test infrastructure itself: real PostgreSQL, Redis and Celery, and the admin bootstrap."""

import os
import queue
import stat
import threading
import time

import pytest
from django.core.management import call_command


def test_redis_fixture_is_a_real_server(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("infra-probe", "42")
        assert client.get("infra-probe") == b"42"
        assert client.info("server")["tcp_port"] == int(redis_url.rsplit(":", 1)[1].split("/")[0])
    finally:
        client.close()


@pytest.mark.celery
def test_celery_worker_runs_a_task_sent_through_the_broker(celery_worker_process):
    """portal.tasks.ping goes through Redis to the worker process, which runs it."""
    app = celery_worker_process.app
    events: queue.Queue = queue.Queue()
    with app.connection_for_read() as conn:
        receiver = app.events.Receiver(conn, handlers={"*": events.put})
        listener = threading.Thread(target=receiver.capture, kwargs={"wakeup": True}, daemon=True)
        listener.start()
        try:
            # wakeup=True asks every worker for a heartbeat: once one arrives we are listening.
            _next_event(events, lambda e: e["type"] == "worker-heartbeat", celery_worker_process)
            sent = app.send_task("portal.tasks.ping", args=["infra-probe"])
            done = _next_event(
                events,
                lambda e: (
                    e.get("uuid") == sent.id and e["type"] in ("task-succeeded", "task-failed")
                ),
                celery_worker_process,
            )
        finally:
            receiver.should_stop = True
            listener.join(5)
    assert done["type"] == "task-succeeded", done
    assert done["result"] == "'infra-probe'"
    assert done["hostname"].startswith("test-worker@")


def _next_event(events, wanted, worker, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.5)
        except queue.Empty:
            continue
        if wanted(event):
            return event
    pytest.fail(f"no matching Celery event within {timeout}s; worker log:\n{worker.log_tail()}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_row_lock_blocks_concurrent_writer(postgres_dsn):
    """Django runs on a real PostgreSQL: a row lock held by Django blocks another connection."""
    import psycopg
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    assert connection.vendor == "postgresql"
    group = Group.objects.create(name="lock-probe")
    lock_sql = "SELECT id FROM auth_group WHERE id = %s FOR UPDATE NOWAIT"
    with psycopg.connect(postgres_dsn, autocommit=True) as other:
        with transaction.atomic():
            Group.objects.select_for_update().get(pk=group.pk)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(lock_sql, [group.pk])
        # Committed: the lock is gone and the other connection gets the row.
        assert other.execute(lock_sql, [group.pk]).fetchone() == (group.pk,)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_ensure_admin_generates_and_keeps_the_password(var_dir, monkeypatch, capsys):
    from django.contrib.auth import get_user_model

    monkeypatch.delenv("PORTAL_ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    password_file = var_dir / "admin_password"
    password = password_file.read_text().strip()
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    assert password in capsys.readouterr().out
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(password)
    assert admin.account.name == "admin" and admin.account.domain.parent is None

    # A second run, even with PORTAL_ADMIN_PASSWORD set, changes nothing.
    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "Another-pass-2")
    call_command("ensure_admin")
    admin.refresh_from_db()
    assert admin.check_password(password)
    assert password_file.read_text().strip() == password

    # --reset-password takes PORTAL_ADMIN_PASSWORD and drops the stale generated one.
    call_command("ensure_admin", reset_password=True)
    admin.refresh_from_db()
    assert admin.check_password("Another-pass-2")
    assert not password_file.exists()


@pytest.mark.django_db
def test_ensure_admin_uses_portal_admin_password(var_dir, monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "Chosen-pass-1")
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="admin").check_password("Chosen-pass-1")
    assert not (var_dir / "admin_password").exists()


@pytest.mark.celery
def test_runportal_serves_and_stops_everything_it_started(tmp_path):
    """`make run`'s supervisor: sets up a fresh var/, serves HTTP, SIGTERM leaves nothing."""
    import re
    import signal
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    from tests.services._proc import free_port, spawn, wait_until

    port, redis_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        PORTAL_VAR_DIR=str(tmp_path), PORT=str(port), PORTAL_REDIS_PORT=str(redis_port),
        PORTAL_DEMO_AGENT_LISTEN=f"127.0.0.1:{free_port()}", DEBUG="1", PYTHONUNBUFFERED="1",
        AGENT_GATEWAY_URL=f"http://127.0.0.1:{free_port()}",
        AGENT_GATEWAY_RELAY_URL=f"ws://127.0.0.1:{free_port()}",
        CONSOLE_PROXY_URL=f"ws://127.0.0.1:{free_port()}/console",
    )  # fmt: skip
    log = tmp_path / "runportal.log"
    with open(log, "wb") as out:
        proc = spawn(
            [sys.executable, "manage.py", "runportal"],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: b"The portal is running" in log.read_bytes(), timeout=120,
                   what="runportal", proc=proc)  # fmt: skip
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as r:
            assert r.status == 200
        output = log.read_text()
        password = (tmp_path / "admin_password").read_text().strip()
        assert f"password in {tmp_path / 'admin_password'}: {password}" in output
        started = dict(re.findall(r"started (.+) \(pid (\d+)\)", output))
        assert {
            "redis",
            "celery worker",
            "celery beat",
            "web",
            "agent gateway",
            "console proxy",
        } <= set(started)
        assert f"Connected agents: --connect {env['AGENT_GATEWAY_URL']}" in output
        assert f"Browser consoles (noVNC) through {env['CONSOLE_PROXY_URL']}" in output
        from tests.console.fixtures import refused, wait_port

        wait_port(int(env["CONSOLE_PROXY_URL"].split(":")[2].split("/")[0]), proc)
        assert refused(env["CONSOLE_PROXY_URL"] + "?token=unknown")[0] == 4401  # reads the DB
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(60) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    for pgid in started.values():  # every process group it started is empty
        with pytest.raises(ProcessLookupError):
            os.killpg(int(pgid), 0)
    assert "all processes stopped" in log.read_text()


def _requirement_closure(root: str, extras: set[str]) -> set[str]:
    """Distribution names installed by ``pip install root[extras]``, from installed metadata."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    todo = [(canonicalize_name(root), extra) for extra in extras | {""}]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        names.add(name)
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        for line in reqs:
            req = Requirement(line)
            env = {"extra": extra}
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            if req.marker is None and extra:
                continue  # unconditional requirements were taken with extra ""
            child = canonicalize_name(req.name)
            todo += [(child, e) for e in req.extras | {""}]
    return names


def test_make_run_dependencies_include_the_redis_broker_transport():
    """`make run` installs only .[agents]: that must bring all of kombu's Redis transport.

    (kombu's redis transport imports ``packaging``, which only kombu's ``redis`` extra
    declares; the test extras would hide a missing one.)
    """
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    closure = _requirement_closure("cloudportal", {"agents"})
    redis_transport = {
        canonicalize_name(r.name)
        for r in map(Requirement, requires("kombu") or [])
        if r.marker is not None and r.marker.evaluate({"extra": "redis"})
        and not r.marker.evaluate({"extra": ""})
    }  # fmt: skip
    assert redis_transport, "kombu no longer has a redis extra: update this test"
    missing = redis_transport - closure
    assert not missing, f"add to pyproject.toml (e.g. celery[redis]): {sorted(missing)}"
