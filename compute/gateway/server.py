"""The gateway process: one asyncio loop holding every connected agent's WebSocket.

Two listeners:

* the **agent endpoint** (``--listen``, optionally TLS): agents dial ``/v1/connect``,
  register (token or challenge-response, see :mod:`compute.services.enrollment`), then
  receive ``command`` frames and send ``answer`` and ``ping`` frames;
* the **relay endpoint** (always 127.0.0.1): management processes (Celery workers) send
  ``{"id", "host", "request", "timeout"}`` and get ``{"id", "status", "body"}`` or
  ``{"id", "error", "details"}`` back.

Database work runs in a small thread pool (one thread on SQLite). Heartbeats are
collected in memory and written as one UPDATE per ping interval.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import secrets
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any

from django.db import DatabaseError, OperationalError, close_old_connections
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from agents import AGENT_VERSION
from agents.connected import CLOSE_REFUSED, CLOSE_REPLACED, CONNECT_PATH, dumps, loads
from agents.protocol import PROTOCOL_VERSION, encode_command
from compute.services import enrollment

log = logging.getLogger(__name__)

MAX_FRAME = 8 * 1024 * 1024
RELAY_KEY_HEADER = "X-Gateway-Key"
REGISTER_TIMEOUT_S = 30


class NotConnected(Exception):
    """The host has no open connection to this gateway (or it closed mid-command)."""


class Session:
    """One registered agent connection and its commands in flight."""

    def __init__(self, ws: ServerConnection, host, resource: str) -> None:
        self.ws = ws
        self.host_id: int = host.pk
        self.host_uuid = str(host.uuid)
        self.name: str = host.name
        self.resource = resource
        self.pending: dict[int, asyncio.Future] = {}
        #: VMs last reported running; None until the first ping (then reconciled once)
        self.running: frozenset[str] | None = None
        self._ids = itertools.count(1)

    async def request(self, body: Any, timeout: float) -> dict[str, Any]:
        """Send one command (or batch) body and wait for its answer frame."""
        rid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[rid] = future
        try:
            await self.ws.send(dumps({"type": "command", "id": rid, "request": body}))
            return await asyncio.wait_for(future, timeout)
        except ConnectionClosed as exc:
            raise NotConnected(f"connection closed: {exc}") from exc
        finally:
            self.pending.pop(rid, None)

    def answered(self, message: dict[str, Any]) -> None:
        future = self.pending.get(message.get("id"))  # type: ignore[arg-type]
        if future is not None and not future.done():
            future.set_result(message)

    def fail_pending(self) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(NotConnected("the agent disconnected"))


class Gateway:
    """Serve agents on ``listen`` and the relay on ``127.0.0.1:relay_port``."""

    def __init__(
        self,
        *,
        listen: tuple[str, int],
        relay_port: int,
        relay_key: str,
        ping_interval: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        db_threads: int = 1,
    ) -> None:
        self.listen = listen
        self.relay_port = relay_port
        self._relay_key = relay_key
        self.ping_interval = ping_interval
        self.ssl_context = ssl_context
        self.sessions: dict[str, Session] = {}
        self.registered = 0
        self._alive: set[int] = set()
        self._db_pool = ThreadPoolExecutor(max_workers=db_threads, thread_name_prefix="gw-db")
        self._servers: list[Server] = []
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        host, port = self.listen
        self._servers = [
            await serve(
                self._agent, host, port, ssl=self.ssl_context, process_request=self._agent_path,
                ping_interval=self.ping_interval, ping_timeout=self.ping_interval,
                max_size=MAX_FRAME, server_header=f"cloudportal-gateway/{AGENT_VERSION}",
                compression=None,  # small JSON frames; deflate state costs ~64 KiB a connection
            ),
            await serve(
                self._relay, "127.0.0.1", self.relay_port, process_request=self._relay_auth,
                ping_interval=None, max_size=MAX_FRAME, compression=None,
            ),
        ]  # fmt: skip
        self._spawn(self._flush_loop())
        log.info("agent gateway on %s:%s, relay on 127.0.0.1:%s", host, port, self.relay_port)

    async def stop(self) -> None:
        """Close every connection (agents will reconnect to the next gateway) and flush."""
        self._stopping = True
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await self._flush()
        self._db_pool.shutdown(wait=True)

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    # --- helpers -----------------------------------------------------------------------

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _db(self, fn, *args):
        def call():
            for attempt in range(4):
                try:
                    return fn(*args)
                except OperationalError as exc:  # SQLite: another writer holds the lock
                    if "locked" not in str(exc) or attempt == 3:
                        close_old_connections()
                        raise
                    time.sleep(0.05 * (attempt + 1))
                except DatabaseError:
                    # the thread's connection may be broken (database restarted): the next
                    # call opens a new one (a health check per call costs a round trip each)
                    close_old_connections()
                    raise

        return await asyncio.get_running_loop().run_in_executor(self._db_pool, call)

    async def _flush(self) -> None:
        alive, self._alive = self._alive, set()
        if alive:
            await self._db(enrollment.record_heartbeats, alive)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await self._flush()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the gateway
                log.exception("recording heartbeats failed")

    # --- agent endpoint ----------------------------------------------------------------

    def _agent_path(self, connection: ServerConnection, request):
        if request.path != CONNECT_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, f"agents connect to {CONNECT_PATH}\n")
        return None

    async def _register(self, ws: ServerConnection) -> Session:
        challenge = secrets.token_hex(16)
        await ws.send(dumps({"type": "hello", "protocol": PROTOCOL_VERSION,
                             "challenge": challenge}))  # fmt: skip
        try:
            message = loads(await asyncio.wait_for(ws.recv(), REGISTER_TIMEOUT_S))
        except ValueError as exc:
            raise enrollment.EnrollmentRefused("invalid_register", str(exc)) from exc
        if message["type"] != "register" or message.get("protocol") != PROTOCOL_VERSION:
            raise enrollment.EnrollmentRefused(
                "invalid_register", f"expected a register frame of protocol {PROTOCOL_VERSION}"
            )
        resource = str(message.get("resource", ""))
        facts = message.get("facts")
        secret = None
        if message.get("token"):
            host, secret = await self._db(
                enrollment.register_connected_host, str(message["token"]), facts, resource
            )
        elif message.get("host_uuid"):
            host = await self._db(
                enrollment.authenticate_connected_host,
                message["host_uuid"], challenge, message.get("proof"), facts,
            )  # fmt: skip
        else:
            raise enrollment.EnrollmentRefused("invalid_register", "neither token nor host_uuid")
        session = Session(ws, host, resource)
        reply = {"type": "registered", "host_uuid": session.host_uuid, "host_name": host.name,
                 "ping_interval": self.ping_interval}  # fmt: skip
        if secret:
            reply["secret"] = secret
            self.registered += 1
            session.running = frozenset()  # a new host has no instances to reconcile
            self._spawn(self._connect_pools(session, host))
        await ws.send(dumps(reply))
        return session

    async def _agent(self, ws: ServerConnection) -> None:
        peer = ws.remote_address
        try:
            session = await self._register(ws)
        except enrollment.EnrollmentRefused as exc:
            log.warning("refused agent registration from %s: %s", peer, exc)
            await ws.send(dumps({"type": "refused", "error": exc.error, "details": exc.details}))
            await ws.close(CLOSE_REFUSED, exc.error)
            return
        except (TimeoutError, ConnectionClosed):
            return
        old = self.sessions.get(session.host_uuid)
        self.sessions[session.host_uuid] = session
        if old is not None:
            await old.ws.close(CLOSE_REPLACED, "replaced by a newer connection")
        log.info("host %s connected from %s", session.name, peer)
        try:
            async for frame in ws:
                self._on_frame(session, frame)
        except ConnectionClosed:
            pass
        finally:
            session.fail_pending()
            if self.sessions.get(session.host_uuid) is session:
                del self.sessions[session.host_uuid]
                if not self._stopping:
                    log.info("host %s disconnected", session.name)
                    self._alive.discard(session.host_id)
                    self._spawn(self._db(enrollment.mark_disconnected, session.host_id))

    def _on_frame(self, session: Session, frame) -> None:
        try:
            message = loads(frame)
        except ValueError:
            log.warning("host %s sent a malformed frame", session.name)
            return
        kind = message["type"]
        if kind == "answer":
            session.answered(message)
        elif kind == "ping":
            self._alive.add(session.host_id)
            states = message.get("vm_states")
            if isinstance(states, dict):
                running = frozenset(n for n, s in states.items() if s == "running")
                if running != session.running:
                    session.running = running
                    self._spawn(self._db(_reconcile, session.host_id, states))

    async def _connect_pools(self, session: Session, host) -> None:
        """A new host mounts its primary storage pools, as the direct connect job does."""
        for command in await self._db(_pool_commands, host):
            body = {"protocol": PROTOCOL_VERSION, **command}
            try:
                answer = await session.request(body, 300)
            except (NotConnected, TimeoutError) as exc:
                log.warning("host %s: pool setup interrupted: %s", session.name, exc)
                return
            if answer.get("status") != 200 or not answer.get("body", {}).get("result"):
                log.warning("host %s: %s failed: %s", session.name, command["command"],
                            answer.get("body", {}).get("details"))  # fmt: skip

    # --- relay endpoint ----------------------------------------------------------------

    def _relay_auth(self, connection: ServerConnection, request):
        given = request.headers.get(RELAY_KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._relay_key.encode()):
            return connection.respond(HTTPStatus.FORBIDDEN, "bad relay key\n")
        return None

    async def _relay(self, ws: ServerConnection) -> None:
        try:
            async for frame in ws:
                self._spawn(self._relay_one(ws, frame))
        except ConnectionClosed:
            pass

    async def _relay_one(self, ws: ServerConnection, frame) -> None:
        try:
            message = loads(frame)
            rid = message.get("id")
            reply = {"type": "reply", "id": rid, **(await self._forward(message))}
        except ValueError as exc:
            reply = {"type": "reply", "id": None, "error": "bad_request", "details": str(exc)}
        try:
            await ws.send(dumps(reply))
        except ConnectionClosed:
            pass

    async def _forward(self, message: dict[str, Any]) -> dict[str, Any]:
        session = self.sessions.get(str(message.get("host")))
        if session is None:
            return {"error": "not_connected", "details": "the host's agent is not connected"}
        if message.get("health"):
            return {"status": 200, "body": {
                "result": True, "status": "ok", "agent_version": AGENT_VERSION,
                "protocol": PROTOCOL_VERSION, "resource": session.resource,
                "host_id": session.host_uuid,
            }}  # fmt: skip
        timeout = float(message.get("timeout") or 300)
        try:
            answer = await session.request(message.get("request"), timeout)
        except NotConnected as exc:
            return {"error": "not_connected", "details": str(exc)}
        except TimeoutError:
            return {"error": "timeout", "details": f"no answer within {timeout:.0f} s"}
        return {"status": answer.get("status", 200), "body": answer.get("body")}


def _pool_commands(host) -> list[dict[str, Any]]:
    from agents.protocol import commands as c
    from compute.host_handlers import pool_spec, pools_of

    return [
        encode_command(c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
        for pool in pools_of(host)
    ]


def _reconcile(host_id: int, vm_states: dict[str, str]) -> None:
    from compute.host_handlers import reconcile_power_states
    from compute.models import Host

    host = Host.objects.filter(pk=host_id).first()
    if host is not None:
        reconcile_power_states(host, vm_states)


class GatewayThread:
    """A gateway on its own event loop in a daemon thread (tests, embedding)."""

    def __init__(self, **kwargs: Any) -> None:
        self.gateway = Gateway(**kwargs)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="gw")

    def start(self) -> GatewayThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.gateway.start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.gateway.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
