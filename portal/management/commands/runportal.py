"""Set up and run the whole portal in the foreground (what ``make run`` does).

Setup: migrate, ensure the admin user, collect static files. Then it starts and supervises,
each in its own process group:

* a private Redis under ``var/redis/`` on 127.0.0.1 (``PORTAL_REDIS_PORT``, default 6479),
  unless ``CELERY_BROKER_URL`` is set;
* a Celery worker and Celery beat;
* the simulator agent of the demo hosts (its state kept in ``var/simulator-inventory.json``);
* the gateway of connected agents (``manage.py agent_gateway``, ``AGENT_GATEWAY_URL``);
* the console proxy of browser consoles (``manage.py console_proxy``, ``CONSOLE_PROXY_URL``);
* the web server on 127.0.0.1:``PORT`` (default 8000): Django's ``runserver`` (no reloader)
  by default, gunicorn with ``DEBUG=0`` (production); WhiteNoise serves /static/ in both
  (``var/static`` in production). Django's debug pages are off unless ``DEBUG_PAGES=1``.

Once the broker runs it seeds the demo cloud (when a ``seed_demo`` command exists), so the
demo hosts' connect jobs reach the worker at once, and sends again the jobs an earlier run
left pending (not with ``PORTAL_SEED=0``: a further management node on the same database
and broker, docs/management-ha.md). It prints the URL and the admin login once
everything answers and the demo hosts are Up (``PORTAL_DEMO_WAIT`` seconds at most, then a
warning naming the others).
SIGINT (Ctrl-C), SIGTERM or SIGHUP stop every process it started; so does any of them
exiting. The children also get SIGTERM from the kernel should this process die without
cleaning up (PR_SET_PDEATHSIG).
"""

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from compute.console import proxy_url as console_proxy_url
from compute.gateway import gateway_url, relay_url
from portal import demo
from portal.management.commands.ensure_admin import login_hint

STOP_TIMEOUT = 10  # seconds each process gets to exit on SIGTERM before SIGKILL
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int):
    def preexec() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl
            os._exit(1)

    return preexec


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "") or str(default)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise CommandError(f"{name} must be a TCP port number, not {value!r}")
    return int(value)


def env_seconds(name: str, default: int) -> int:
    value = os.environ.get(name, "") or str(default)
    if not value.isdigit():
        raise CommandError(f"{name} must be a number of seconds, not {value!r}")
    return int(value)


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def worker_answers(name: str) -> bool:
    from portal.celery import app

    try:
        return bool(app.control.ping(destination=[name], timeout=0.5))
    except Exception:  # broker still starting
        return False


class Stopped(Exception):
    """A stop was requested, or a supervised process exited."""


class Supervisor:
    #: Processes that load Django apps: restarted when the marketplace's plugin set changes.
    RELOADABLE = ("web", "celery worker", "celery beat")

    def __init__(self, out):
        self.out = out
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.stop_signal: int | None = None
        self.forced = False

    def on_signal(self, signum, frame) -> None:
        if self.stop_signal is not None:
            self.forced = True  # a second Ctrl-C: no more waiting
        self.stop_signal = signum

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        proc = subprocess.Popen(
            cmd,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        self.procs.append((name, proc))
        self.commands[name] = (cmd, env)
        self.out(f"started {name} (pid {proc.pid})")

    def check(self) -> None:
        if self.stop_signal is not None:
            raise Stopped(f"got {signal.Signals(self.stop_signal).name}")
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise Stopped(f"{name} exited with code {proc.returncode}")

    def wait_for(self, what: str, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.check()
            if time.monotonic() > deadline:
                raise Stopped(f"{what} did not become ready within {timeout:.0f}s")
            time.sleep(0.2)

    def run_forever(self) -> None:
        generation = plugin_generation()
        while True:
            self.check()
            time.sleep(0.5)
            current = plugin_generation()
            if current != generation:
                self.out(f"plugin set changed (generation {generation} -> {current}): reloading")
                for name in self.RELOADABLE:
                    self.restart(name)
                generation = current

    def restart(self, name: str) -> None:
        """Gracefully stop one supervised process and start it again with its command."""
        for index, (proc_name, proc) in enumerate(self.procs):
            if proc_name != name:
                continue
            self._stop(name, proc)
            del self.procs[index]
            self.start(name, *self.commands[name])
            return

    def stop_all(self) -> None:
        """SIGTERM each process (newest first), then SIGKILL whatever is left of its group."""
        for name, proc in reversed(self.procs):
            self._stop(name, proc)

    def _stop(self, name: str, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            deadline = time.monotonic() + STOP_TIMEOUT
            while proc.poll() is None and time.monotonic() < deadline and not self.forced:
                time.sleep(0.1)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # pool children, gunicorn workers...
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        self.out(f"stopped {name}")


def plugin_generation() -> int:
    """The marketplace's plugin-set generation (bumped by every install/enable change that
    needs a reload); 0 when the marketplace is not available."""
    try:
        from marketplace.reload import current_generation

        return current_generation()
    except Exception:  # a broken plugins directory must not stop the supervisor
        return 0


class Command(BaseCommand):
    help = "Set up, then run Redis, the Celery worker and beat, and the web server."
    requires_system_checks = []  # migrate runs them

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-setup", action="store_true",
            help="Do not migrate / ensure the admin / seed / collectstatic before starting.",
        )  # fmt: skip

    def say(self, message: str) -> None:
        self.stdout.write(f"runportal: {message}")
        self.stdout.flush()

    def handle(self, *args, skip_setup=False, **options):
        var = Path(settings.VAR_DIR)
        lock = open(var / "runportal.lock", "a+")  # held (flock) until this process exits
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(f"another runportal is already using {var}") from None

        port = env_port("PORT", 8000)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        redis_port = None
        if not os.environ.get("CELERY_BROKER_URL"):
            redis_port = env_port("PORTAL_REDIS_PORT", 6479)
            env["CELERY_BROKER_URL"] = os.environ["CELERY_BROKER_URL"] = (
                f"redis://127.0.0.1:{redis_port}/0"
            )
        for p, hint in ((port, "PORT"), (redis_port, "PORTAL_REDIS_PORT or CELERY_BROKER_URL")):
            if p is not None and port_in_use(p):
                raise CommandError(f"127.0.0.1:{p} is already in use; stop that or set {hint}")

        started = time.monotonic()
        if not skip_setup:
            self.setup()
        # PORTAL_SEED=0: a further management node of a cloud that is seeded already
        seed = not skip_setup and os.environ.get("PORTAL_SEED", "1") != "0"
        seed = seed and "seed_demo" in get_commands()
        connections.close_all()

        sup = Supervisor(self.say)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, sup.on_signal)
        python = sys.executable
        try:
            if redis_port is not None:
                redis_dir = var / "redis"
                redis_dir.mkdir(mode=0o700, exist_ok=True)
                sup.start("redis", [
                    "redis-server", "--bind", "127.0.0.1", "--port", str(redis_port),
                    "--dir", str(redis_dir), "--save", "", "--appendonly", "yes",
                    "--daemonize", "no", "--loglevel", "warning",
                ], env)  # fmt: skip
                sup.wait_for("redis", lambda: redis_answers(redis_port), timeout=20)
            worker_name = f"portal@{os.environ.get('PORTAL_NODE_NAME') or socket.gethostname()}"
            sup.start("celery worker", [
                python, "-m", "celery", "-A", "portal", "worker", "-l", "info", "-c", "2",
                "--hostname", worker_name,
            ], env)  # fmt: skip
            sup.start("celery beat", [
                python, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                "--schedule", str(var / "celerybeat-schedule"),
            ], env)  # fmt: skip
            if not settings.PRODUCTION:
                web = [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
                       "--skip-checks"]  # fmt: skip
            else:
                web = [python, "-m", "gunicorn", "portal.wsgi:application",
                       "--bind", f"127.0.0.1:{port}",
                       "--workers", os.environ.get("WEB_CONCURRENCY", "3"),
                       "--access-logfile", "-",
                       "--logger-class", "portal.logredact.RedactingGunicornLogger",
                       # addHost waits for its connect job (ADD_HOST_WAIT_SECONDS)
                       "--timeout", str(int(settings.ADD_HOST_WAIT_SECONDS) + 30),
                       "--graceful-timeout", str(STOP_TIMEOUT - 2)]  # fmt: skip
            agent_config = demo.simulator_config_path()
            agent_port = int(demo.DEMO_AGENT_LISTEN.rsplit(":", 1)[1])
            start_agent = seed or agent_config.exists()  # the demo hosts' agent
            if start_agent:
                demo.simulator_config()  # written once; older ones gain the state file
            if start_agent and port_in_use(agent_port):
                self.say(f"{demo.DEMO_AGENT_LISTEN} is in use: not starting the simulator agent")
                start_agent = False
            if start_agent:
                sup.start("simulator agent", [
                    python, "-m", "agents", "serve", "--resource", "simulator",
                    "--listen", demo.DEMO_AGENT_LISTEN, "--config", str(agent_config),
                ], env)  # fmt: skip
            gateway_ports = [urlsplit(u).port or 8260 for u in (gateway_url(), relay_url())]
            if any(port_in_use(p) for p in gateway_ports):  # the gateway connected agents dial
                self.say(f"ports {gateway_ports} not free: not starting the agent gateway")
            else:
                sup.start("agent gateway", [python, "manage.py", "agent_gateway", "--listen",
                                            f"127.0.0.1:{gateway_ports[0]}"], env)  # fmt: skip
            console_port = urlsplit(console_proxy_url()).port or 8262
            if port_in_use(console_port):  # browsers' consoles (noVNC) connect there
                self.say(f"port {console_port} not free: not starting the console proxy")
            else:
                sup.start("console proxy", [python, "manage.py", "console_proxy", "--listen",
                                            f"127.0.0.1:{console_port}"], env)  # fmt: skip
            sup.start("web", web, env)
            since = timezone.now()
            if seed:  # the broker is up: the demo hosts' connect jobs are sent at once
                self.seed()
            sup.wait_for("web server", lambda: port_open(port), timeout=60)
            if start_agent:
                sup.wait_for("simulator agent", lambda: port_open(agent_port), timeout=30)
            sup.wait_for("celery worker", lambda: worker_answers(worker_name), timeout=60)
            if start_agent:
                self.wait_for_demo_hosts(sup, since)
            self.say(f"ready in {time.monotonic() - started:.1f}s")
            self.banner(port)
            sup.run_forever()
        except Stopped as reason:
            self.say(f"stopping: {reason}")
            failed = sup.stop_signal is None
        finally:
            sup.stop_all()  # a second Ctrl-C meanwhile skips the waiting
        if failed:
            raise CommandError("a supervised process exited; see its output above")
        self.say("all processes stopped")

    def setup(self) -> None:
        """Migrate, ensure the admin, collect static files (the demo is seeded later, once
        the broker runs)."""
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=1)
        call_command("ensure_admin", stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.say(f"setup done in {time.monotonic() - started:.1f}s")

    def seed(self) -> None:
        """Seed the demo cloud and send again the jobs an earlier run left pending."""
        from portal.services.jobs import requeue_pending_jobs

        requeued = requeue_pending_jobs(0)
        if requeued:
            self.say(f"sent {requeued} pending job(s) of an earlier run to the worker again")
        call_command("seed_demo", stdout=self.stdout)
        connections.close_all()

    def wait_for_demo_hosts(self, sup: Supervisor, since) -> None:
        """Ping the hosts now, then wait (``PORTAL_DEMO_WAIT`` seconds, default 60) until
        every demo host is Up with a heartbeat of this run; say which are not, if any."""
        from compute.tasks import ping_hosts

        ping_hosts.delay()  # a warm restart: hosts of the last run answer their first ping
        timeout = env_seconds("PORTAL_DEMO_WAIT", 60)
        deadline = time.monotonic() + timeout
        while waiting := demo.hosts_not_ready(since):
            sup.check()
            if time.monotonic() > deadline:
                states = ", ".join(f"{name} {status}" for name, status in waiting.items())
                self.say(
                    f"WARNING: demo hosts not Up after {timeout}s ({states}); deploys on the "
                    "demo cloud may fail: see the host's events and the Jobs page"
                )
                break
            time.sleep(0.2)
        else:
            self.say(f"demo hosts Up ({demo.DEMO_HOSTS})")
        connections.close_all()

    def banner(self, port: int) -> None:
        mode = "gunicorn (DEBUG=0)" if settings.PRODUCTION else "runserver (development)"
        lines = [
            "",
            f"  The portal is running at http://127.0.0.1:{port}/  [{mode}]",
            f"  Log in: {login_hint()}",
        ]
        demo_password = Path(settings.VAR_DIR) / "demo_password"
        if demo_password.exists():
            lines.append(f"  Demo tenant: user demo, password in {demo_password}")
        lines.append(f"  Connected agents: --connect {gateway_url()} (tokens on a cluster's page)")
        lines.append(f"  Browser consoles (noVNC) through {console_proxy_url()}")
        lines += ["  Ctrl-C stops everything.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
