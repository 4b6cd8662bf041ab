"""The agent side of a connected agent: dial the gateway, register, serve commands, ping.

One :class:`ConnectedAgent` keeps one WebSocket per served host: one for a KVM or Hyper-V
host, or ``--fleet N`` for N simulated hosts in one process. Each connection registers
with the enrollment token the first time and with a challenge-response proof of its issued
secret afterwards; the identities live in a JSON state file (mode 0600). A dropped
connection is re-dialled with exponential backoff (0.5 s doubling to 30 s, with jitter).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import ssl
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from agents import AGENT_VERSION
from agents.connected import CLOSE_REFUSED, dumps, gateway_url, loads, proof
from agents.errors import AgentError
from agents.protocol import PROTOCOL_VERSION, error_object, parse_request
from agents.protocol import commands as c
from agents.protocol.codec import to_dict
from agents.resources.base import Provider, Resource

log = logging.getLogger(__name__)

MAX_FRAME = 8 * 1024 * 1024
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0


class Refused(Exception):
    """The gateway refused this registration for good (retrying would not help)."""

    def __init__(self, error: str, details: str) -> None:
        super().__init__(f"{error}: {details}")
        self.error = error
        self.details = details


@dataclass
class Identity:
    """What the gateway issued for one served host."""

    host_uuid: str = ""
    secret: str = ""
    name: str = ""


class StateFile:
    """Identities by host key (``""`` for a single-host agent), kept in a 0600 JSON file.
    Writes are debounced so that a fleet registering thousands of hosts rewrites it a few
    times, not thousands."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ids: dict[str, Identity] = {}
        self._dirty = False
        if self.path.exists():
            data = json.loads(self.path.read_text())
            for key, value in data.get("hosts", {}).items():
                self._ids[key] = Identity(**value)

    def get(self, key: str) -> Identity:
        return self._ids.get(key) or Identity()

    def put(self, key: str, identity: Identity) -> None:
        self._ids[key] = identity
        self._dirty = True

    def write(self) -> None:
        """Write atomically (temp file + rename), readable by the owner only."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"hosts": {k: asdict(v) for k, v in self._ids.items()}}, out)
        os.replace(tmp, self.path)
        self._dirty = False

    async def flush_loop(self, every_s: float = 1.0) -> None:
        while True:
            await asyncio.sleep(every_s)
            self.write()


def load_options(path: str | None) -> dict[str, Any]:
    """The ``[resource]`` table of an agent config file (TOML, or JSON for any other
    extension); the direct-connect keys (``secret``, ``tls_cert``...) are not needed."""
    if not path:
        return {}
    p = Path(path)
    raw = p.read_bytes()
    data = tomllib.loads(raw.decode()) if p.suffix == ".toml" else json.loads(raw)
    resource = data.get("resource", {}) if isinstance(data, dict) else None
    if not isinstance(resource, dict):
        raise ValueError("config: 'resource' must be a table/object")
    return resource


def run_request(resource: Resource, request: Any) -> tuple[int, dict[str, Any]]:
    """Execute one relayed request body (a command or a batch) like ``POST /v1/commands``;
    returns the HTTP-equivalent status and the answer body."""
    try:
        commands, batch = parse_request(json.dumps(request).encode())
    except AgentError as exc:
        return 400, error_object(exc.code, exc.details)
    answers = [to_dict(resource.execute(cmd)) for cmd in commands]
    return 200, ({"answers": answers} if batch else answers[0])


class ConnectedAgent:
    """Serves ``keys`` (host keys of ``provider``; ``None`` = its only host) over the gateway."""

    def __init__(
        self,
        management_url: str,
        provider: Provider,
        resource_kind: str,
        *,
        token: str = "",
        state: StateFile,
        keys: list[str | None],
        ssl_context: ssl.SSLContext | None = None,
        threads: int = 8,
        parallel_registrations: int = 64,
    ) -> None:
        self.url = gateway_url(management_url)
        self.provider = provider
        self.resource_kind = resource_kind
        self.token = token
        self.state = state
        self.keys = keys
        self.ssl_context = ssl_context
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="command")
        self.refused: dict[str, Refused] = {}
        self.connected: set[str] = set()
        self._registering = asyncio.Semaphore(parallel_registrations)

    async def run(self) -> int:
        """Serve until cancelled; returns 3 when every host was refused for good."""
        flusher = asyncio.create_task(self.state.flush_loop())
        try:
            await asyncio.gather(*(self._host_loop(k) for k in self.keys))
        finally:
            flusher.cancel()
            self.state.write()
            self.executor.shutdown(wait=False, cancel_futures=True)
        return 3 if self.refused else 0

    async def _host_loop(self, key: str | None) -> None:
        name = key or ""
        delay = BACKOFF_FIRST_S
        while True:
            try:
                await self._session(key)
                delay = BACKOFF_FIRST_S
            except Refused as exc:
                log.error("gateway refused host %s: %s", name or "(this host)", exc)
                self.refused[name] = exc
                return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, ValueError) as exc:
                if isinstance(exc, InvalidURI):
                    raise
                log.info("gateway connection for %s lost: %s", name or "this host", exc)
            finally:
                self.connected.discard(name)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _register(self, ws: ClientConnection, key: str | None, resource: Resource) -> float:
        name = key or ""
        hello = loads(await asyncio.wait_for(ws.recv(), 30))
        if hello.get("type") != "hello" or not isinstance(hello.get("challenge"), str):
            raise ValueError(f"unexpected first frame {hello.get('type')!r}")
        facts = to_dict(await self._call(resource.execute, c.StartupCommand(host_id=name)))
        identity = self.state.get(name)
        message: dict[str, Any] = {
            "type": "register",
            "protocol": PROTOCOL_VERSION,
            "agent_version": AGENT_VERSION,
            "resource": self.resource_kind,
            "facts": facts,
        }
        if identity.host_uuid:
            message["host_uuid"] = identity.host_uuid
            message["proof"] = proof(identity.secret, hello["challenge"], identity.host_uuid)
        elif self.token:
            message["token"] = self.token
        else:
            raise Refused("no_credentials", "no saved identity and no --token")
        await ws.send(dumps(message))
        try:
            reply = loads(await asyncio.wait_for(ws.recv(), 300))
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == CLOSE_REFUSED:
                raise Refused("refused", exc.rcvd.reason) from exc
            raise
        if reply.get("type") == "refused":
            raise Refused(str(reply.get("error")), str(reply.get("details", "")))
        if reply.get("type") != "registered":
            raise ValueError(f"unexpected answer to register: {reply.get('type')!r}")
        if reply.get("secret"):
            identity = Identity(reply["host_uuid"], reply["secret"], reply.get("host_name", ""))
            self.state.put(name, identity)
            if len(self.keys) == 1:  # the secret is issued once: keep it before anything else
                self.state.write()  # (a simulated fleet's file is rewritten once a second)
            log.info("registered as host %s (%s)", identity.name, identity.host_uuid)
        return float(reply.get("ping_interval", 60))

    async def _session(self, key: str | None) -> None:
        resource = self.provider.get(key)
        # Dial and register inside the semaphore: a fleet must not open thousands of
        # connections that then idle past the gateway's register timeout and are re-dialled.
        await self._registering.acquire()
        held = True
        try:
            async with connect(
                self.url,
                ssl=self.ssl_context,
                max_size=MAX_FRAME,
                open_timeout=60,
                ping_interval=None,  # the gateway pings; our heartbeats carry VM states
                close_timeout=5,
                compression=None,
                user_agent_header=f"cloudportal-agent/{AGENT_VERSION}",
            ) as ws:
                interval = await self._register(ws, key, resource)
                self._registering.release()
                held = False
                await self._serve(ws, resource, key or "", interval)
        finally:
            if held:
                self._registering.release()

    async def _serve(self, ws: ClientConnection, resource: Resource, key: str, interval: float):
        self.connected.add(key)
        pinger = asyncio.create_task(self._pinger(ws, resource, key, interval))
        tasks: set[asyncio.Task] = set()
        try:
            async for frame in ws:
                message = loads(frame)
                if message["type"] == "command":
                    task = asyncio.create_task(self._command(ws, resource, message))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            pinger.cancel()

    async def _command(self, ws: ClientConnection, resource: Resource, message: dict) -> None:
        status, body = await self._call(run_request, resource, message.get("request"))
        try:
            await ws.send(dumps({"type": "answer", "id": message.get("id"), "status": status,
                                 "body": body}))  # fmt: skip
        except ConnectionClosed:
            log.info("answer to command %s lost: connection closed", message.get("id"))

    async def _pinger(self, ws: ClientConnection, resource: Resource, key: str, interval: float):
        # spread a fleet's heartbeats over the interval instead of sending them together
        await asyncio.sleep(random.uniform(0, interval))
        while True:
            answer = await self._call(resource.execute, c.PingCommand(host_id=key))
            await ws.send(dumps({"type": "ping", "vm_states": answer.vm_states}))
            await asyncio.sleep(interval)


def client_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """TLS for ``https://`` management URLs: system trust, or only ``ca_file``."""
    ctx = ssl.create_default_context(cafile=ca_file or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
