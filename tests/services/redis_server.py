"""A real Redis server on a free 127.0.0.1 port for the test session (fixture ``redis_url``)."""

import shutil
import socket

import pytest

from ._proc import free_port, log_tail, spawn, stop_process_group, wait_until


def redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """``redis://127.0.0.1:<port>/0`` of a private, non-persistent redis-server."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    port = free_port()
    proc = spawn([
        binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(log),
    ])  # fmt: skip
    try:
        wait_until(lambda: redis_ping(port), timeout=15, what="redis-server", proc=proc)
    except RuntimeError as exc:
        stop_process_group(proc)
        raise RuntimeError(f"{exc}\n{log_tail(log)}") from None
    yield f"redis://127.0.0.1:{port}/0"
    stop_process_group(proc)
