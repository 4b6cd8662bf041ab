"""A throwaway PostgreSQL server on 127.0.0.1 for the tests marked ``postgres``.

Two ways to use it:

* ``python -m tests.services.postgres_server -- pytest -m postgres`` starts a server, runs the
  command with ``DATABASE_URL`` pointing at it (so Django's default database is PostgreSQL
  and pytest-django creates ``test_portal`` there), and stops the server afterwards.
  ``make test`` does this.
* the session fixture ``postgres_dsn``: a DSN for raw (psycopg) connections to the test
  database when Django already runs on PostgreSQL, otherwise to a server it starts itself.

The cluster lives in a temporary directory with fsync off (fast, disposable). initdb refuses
to run as root, so as root the server runs as the ``postgres`` system user.
"""

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from ._proc import free_port, log_tail

DB_NAME = "portal"
SUPERUSER = "postgres"


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (make test installs Debian's postgresql)")
    return Path(versions[-1]).parent


def _version_key(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PostgresServer:
    """initdb + pg_ctl start in a temporary directory; ``stop()`` removes everything."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.root = Path(tempfile.mkdtemp(prefix="portal-test-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.started = False
        self._as_user: list[str] = []

    @property
    def dsn(self) -> str:
        return dsn(SUPERUSER, self.password, "127.0.0.1", self.port, DB_NAME)

    def _run(self, *args: str) -> None:
        cmd = [*self._as_user, str(self.bindir / args[0]), *args[1:]]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"{log_tail(self.log)}"
            )

    def start(self) -> "PostgresServer":
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            user = _system_user()
            self._as_user = ["runuser", "-u", user, "--"]
            os.mkdir(self.data, 0o700)
            shutil.chown(self.data, user, user)
            self.log.touch()
            shutil.chown(self.log, user, user)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o644)  # read by initdb (maybe as postgres), deleted right after
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
        finally:
            pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# portal test server: loopback only, disposable, fast\n"
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                "unix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 60\n"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True
        import psycopg

        with psycopg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def dsn(user: str, password: str, host: str, port: int | str, name: str) -> str:
    return f"postgres://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{name}"


def django_dsn(request) -> str:
    """DSN of Django's PostgreSQL test database (created first if need be)."""
    from django.db import connection

    request.getfixturevalue("django_db_setup")
    s = connection.settings_dict
    return dsn(s["USER"], s["PASSWORD"], s["HOST"] or "127.0.0.1", s["PORT"] or 5432, s["NAME"])


def _system_user() -> str:
    """The unprivileged user the server runs as when we are root (created if missing)."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return "postgres"


@pytest.fixture(scope="session")
def postgres_dsn(request):
    """DSN of a real PostgreSQL database for raw connections.

    When Django runs on PostgreSQL (``make test``'s second pass), this is Django's test
    database, so rows committed by ``transaction=True`` tests are visible through it.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return django_dsn(request)
    server = PostgresServer()
    request.addfinalizer(server.stop)
    return server.start().dsn


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(f"usage: python -m {__spec__.name} -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    server = PostgresServer()
    try:
        server.start()
        print(f"PostgreSQL {server.bindir.parent.name} on 127.0.0.1:{server.port}", flush=True)
        env = {**os.environ, "DATABASE_URL": server.dsn, "PORTAL_TEST_POSTGRES": "1"}
        command = subprocess.Popen(argv, env=env)
        # The command tears down its own fixtures: Ctrl-C reaches it from the terminal and
        # SIGTERM is passed on; either way we wait for it, then stop the server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda signum, frame: command.send_signal(signum))
        return command.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
