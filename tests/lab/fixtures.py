"""pytest fixtures for agent tests: in-process agent servers and real lab services."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.client import AgentClient
from agents.config import AgentConfig
from agents.resources import create_provider
from agents.resources.base import Provider
from agents.server import AgentHTTPServer
from tests.lab import LAB_DIR

SECRET = "test-secret-0123456789abcdef"

ServerFactory = Callable[..., AgentHTTPServer]


@pytest.fixture
def agent_server() -> Iterator[ServerFactory]:
    """Factory starting agent servers on 127.0.0.1:0; all are stopped at teardown."""
    servers: list[AgentHTTPServer] = []

    def start(
        kind: str = "simulator",
        options: dict[str, Any] | None = None,
        provider: Provider | None = None,
        **config: Any,
    ) -> AgentHTTPServer:
        cfg = AgentConfig(secret=SECRET, resource=options or {}, **config)
        prov = provider or create_provider(kind, cfg.resource)
        server = AgentHTTPServer(("127.0.0.1", 0), prov, cfg, resource_kind=kind).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def client_for() -> Iterator[Callable[..., AgentClient]]:
    """Factory of AgentClients with the test secret, closed at teardown."""
    clients: list[AgentClient] = []

    def make(server: AgentHTTPServer, **kwargs: Any) -> AgentClient:
        kwargs.setdefault("timeout", (2.0, 60.0))
        client = AgentClient(server.url, kwargs.pop("secret", SECRET), **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def libvirt_lab() -> Iterator[Any]:
    """virtlogd + libvirtd started by hand (or reused) for the whole session."""
    from tests.lab.libvirtd import missing_binaries, start_libvirtd

    missing = missing_binaries()
    if missing:
        pytest.skip(f"libvirt/QEMU not installed (missing {', '.join(missing)})")
    if os.geteuid() != 0:
        pytest.skip("starting libvirtd by hand needs root")
    daemons = start_libvirtd()
    yield daemons
    daemons.stop()


@pytest.fixture(scope="session")
def tiny_guest() -> Any:
    """Debian kernel + busybox initramfs, cached under var/lab/."""
    from tests.lab.guest import build_tiny_guest

    if not shutil.which("busybox") or not shutil.which("cpio"):
        pytest.skip("busybox-static and cpio are needed for the tiny guest")
    return build_tiny_guest()


@pytest.fixture
def lab_workdir() -> Iterator[Path]:
    """A scratch directory under var/lab/ (0755, so libvirt-qemu can read it)."""
    path = LAB_DIR / "work" / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    path.chmod(0o755)
    path.parent.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def samba_server() -> Iterator[Any]:
    """smbd with a private config on 127.0.0.1:445, stopped at session end."""
    from tests.lab.samba import SambaServer, samba_missing

    reason = samba_missing()
    if reason:
        pytest.skip(reason)
    server = SambaServer(LAB_DIR / "samba")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ipmi_bmc(tmp_path: Path) -> Iterator[Any]:
    """A real IPMI BMC (OpenIPMI's ipmi_sim) on 127.0.0.1, a free UDP port, for one test."""
    from tests.lab.ipmi import IpmiSim, ipmi_missing

    reason = ipmi_missing()
    if reason:
        pytest.skip(reason)
    bmc = IpmiSim(tmp_path / "bmc").start()
    yield bmc
    bmc.stop()
