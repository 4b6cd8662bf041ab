"""The console proxy: browsers (noVNC) open ``<CONSOLE_PROXY_URL>?token=...``; the proxy
redeems the token once (:func:`compute.console.redeem_console`), asks the host's agent
where the VM's VNC listens (``get_vnc_port``), authenticates to it with the instance's VNC
password and relays the RFB stream between the WebSocket (binary frames) and TCP.

Refusals close the WebSocket with code 4401 (token unknown, used or expired) or 4502
(the console cannot be reached) and a short reason; nothing about the target is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import close_old_connections
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from compute.console import ConsoleTarget, redeem_console
from compute.console.rfb import RfbError, accept_client, authenticate_server

log = logging.getLogger(__name__)

CLOSE_TOKEN, CLOSE_UNREACHABLE = 4401, 4502
CHUNK = 256 * 1024
CONNECT_TIMEOUT_S = 10


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _db(fn, *args):
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


def vnc_address(target: ConsoleTarget) -> tuple[str, int]:
    """Ask the instance's host agent for the VM's VNC address; a loopback answer means the
    agent's own machine (the host part of its URL)."""
    from agents.protocol import commands as c
    from compute.agent import send
    from compute.lifecycle.specs import vm_name

    host = target.instance.host
    answer = send(host, c.GetVncPortCommand(vm_name=vm_name(target.instance)))
    if answer.port <= 0:
        raise _Refused(CLOSE_UNREACHABLE, "this hypervisor has no VNC console")
    address = answer.address or "127.0.0.1"
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(address).is_loopback and not host.url.startswith("connected:"):
            address = urlsplit(host.url).hostname or address
    return address, answer.port


class ConsoleProxy:
    """The WebSocket server; :meth:`start` binds ``listen`` (port 0: a free one)."""

    def __init__(self, listen: tuple[str, int], *, db_threads: int = 1) -> None:
        self.listen = listen
        self._pool = ThreadPoolExecutor(max_workers=db_threads, thread_name_prefix="console-db")
        self._server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            *self.listen,
            subprotocols=["binary"],
            select_subprotocol=lambda ws, offered: "binary" if "binary" in offered else None,
            max_size=CHUNK,
            compression=None,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._pool.shutdown(wait=False)

    async def serve_forever(self) -> None:
        await self.start()
        log.info("console proxy listening on %s:%s", self.listen[0], self.port)
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    async def _run(self, fn, *args) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _db, fn, *args)

    async def _handle(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        token, extra = (query.get(k, [""])[0] for k in ("token", "extra"))
        try:
            target = await self._run(redeem_console, token, extra)
            if target is None:
                raise _Refused(CLOSE_TOKEN, "console token unknown, used or expired")
            try:
                # the agent call runs beside the database thread(s): a slow agent holds no one up
                address, port = await asyncio.to_thread(_db, vnc_address, target)
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(address, port), CONNECT_TIMEOUT_S
                )
            except _Refused:
                raise
            except Exception as exc:  # agent errors, refused connections, timeouts
                log.warning("console of %s unreachable: %s", target.instance.uuid, exc)
                raise _Refused(CLOSE_UNREACHABLE, "the console cannot be reached") from exc
            await self._relay(ws, reader, writer, target.vnc_password)
        except _Refused as exc:
            await ws.close(exc.code, exc.reason)
        except ConnectionClosed:
            pass

    async def _relay(self, ws: ServerConnection, reader, writer, password: str) -> None:
        inbox = _WsReader(ws)

        async def tcp_write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        try:
            try:
                await authenticate_server(reader.readexactly, tcp_write, password)
                await accept_client(inbox.readexactly, ws.send)
            except (RfbError, asyncio.IncompleteReadError) as exc:
                raise _Refused(CLOSE_UNREACHABLE, str(exc)[:120] or "VNC handshake failed") from exc
            await asyncio.gather(
                self._upstream(inbox, tcp_write, writer), self._downstream(ws, reader)
            )
        finally:
            writer.close()

    @staticmethod
    async def _upstream(inbox: _WsReader, tcp_write, writer) -> None:
        with contextlib.suppress(ConnectionClosed, ConnectionError):
            if inbox.buffer:
                await tcp_write(bytes(inbox.buffer))
                inbox.buffer.clear()
            async for message in inbox.ws:
                await tcp_write(message if isinstance(message, bytes) else message.encode())
        writer.close()  # the browser left: end the VNC connection (and so _downstream)

    @staticmethod
    async def _downstream(ws: ServerConnection, reader) -> None:
        with contextlib.suppress(ConnectionClosed, ConnectionError):
            while data := await reader.read(CHUNK):
                await ws.send(data)
        await ws.close()


class _WsReader:
    """``readexactly`` over a WebSocket's binary messages (the handshake's reads need not
    match message boundaries)."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.buffer = bytearray()

    async def readexactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            message = await self.ws.recv()
            self.buffer += message if isinstance(message, bytes) else message.encode()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


class ConsoleProxyThread:
    """A console proxy on its own event loop in a daemon thread (tests, embedding)."""

    def __init__(self, listen: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.proxy = ConsoleProxy(listen)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="vnc")

    def start(self) -> ConsoleProxyThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.proxy.start(), self.loop).result(10)
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.proxy.port}/console"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.proxy.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
