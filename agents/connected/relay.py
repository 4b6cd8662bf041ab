"""Management-side client of a connected host: commands go through the gateway's relay.

:class:`GatewayClient` has :class:`agents.client.AgentClient`'s interface (``send``,
``send_batch``, ``health``) and errors (:class:`AgentUnreachable` when the gateway or the
host's connection is not there or the answer does not come in time,
:class:`AgentCommandError` for a refused request), so job handlers do not care which style
of agent a host runs. One relay connection is kept per thread and reused.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from agents.client import AgentClient
from agents.connected import dumps, loads
from agents.errors import AgentAuthError, AgentCommandError, AgentUnreachable

RELAY_KEY_HEADER = "X-Gateway-Key"
_LOCAL = threading.local()
_IDS = itertools.count(1)


class GatewayClient(AgentClient):
    """Sends to the connected host ``host_uuid`` through the relay at ``relay_url``."""

    def __init__(
        self,
        relay_url: str,
        relay_key: str,
        host_uuid: str,
        timeout: float | tuple[float, float] = (5.0, 120.0),
    ) -> None:
        self.base_url = relay_url
        self.timeout = timeout
        self._key = relay_key
        self.host_uuid = host_uuid

    def close(self) -> None:
        """The per-thread relay connection stays open for the next command."""

    def _connection(self, fresh: bool = False) -> ClientConnection:
        conns: dict[str, ClientConnection] = _LOCAL.__dict__.setdefault("conns", {})
        conn = conns.get(self.base_url)
        if conn is not None and not fresh:
            return conn
        if conn is not None:
            conn.close()
        connect_timeout = self.timeout[0] if isinstance(self.timeout, tuple) else self.timeout
        try:
            conn = connect(
                self.base_url,
                additional_headers={RELAY_KEY_HEADER: self._key},
                open_timeout=connect_timeout,
                max_size=8 * 1024 * 1024,
                ping_interval=None,
                compression=None,
                legacy=True,  # a kept connection, closed when its thread's next dial replaces it
            )
        except InvalidStatus as exc:
            if exc.response.status_code == 403:
                raise AgentAuthError("the agent gateway refused our relay key") from exc
            raise AgentUnreachable(f"agent gateway at {self.base_url}: {exc}") from exc
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise AgentUnreachable(f"agent gateway at {self.base_url} unreachable: {exc}") from exc
        conns[self.base_url] = conn
        return conn

    def _exchange(self, message: dict[str, Any], wait_s: float) -> dict[str, Any]:
        """Send one relay frame and wait for its reply. A kept connection that turns out to
        be closed (the gateway restarted) is dialled again once: protocol commands are
        idempotent, so resending one is safe."""
        kept = _LOCAL.__dict__.get("conns", {}).get(self.base_url) is not None
        for attempt in (1, 2):
            conn = self._connection(fresh=attempt == 2)
            try:
                conn.send(dumps(message))
                while True:
                    reply = loads(conn.recv(timeout=wait_s))
                    if reply.get("id") == message["id"]:
                        return reply
            except TimeoutError as exc:  # a late answer must not be read by the next command
                conn.close()
                _LOCAL.conns.pop(self.base_url, None)
                raise AgentUnreachable(f"no answer from the gateway within {wait_s:.0f} s") from exc
            except ConnectionClosed as exc:
                _LOCAL.conns.pop(self.base_url, None)
                if attempt == 2 or not kept:
                    raise AgentUnreachable(f"the agent gateway closed the relay: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _request(
        self,
        method: str,
        endpoint: str,
        body: bytes = b"",
        timeout: float | tuple[float, float] | None = None,
    ) -> Any:
        timeout = timeout or self.timeout
        read = timeout[1] if isinstance(timeout, tuple) else timeout
        message: dict[str, Any] = {"type": "relay", "id": next(_IDS), "host": self.host_uuid}
        if endpoint == "health":
            message["health"] = True
        else:
            message["request"] = json.loads(body)
            message["timeout"] = read
        reply = self._exchange(message, read + 10)
        error = reply.get("error")
        if error in ("not_connected", "timeout"):
            raise AgentUnreachable(f"connected agent: {reply.get('details', error)}")
        if error:
            raise AgentCommandError(str(error), str(reply.get("details", "")), 400)
        data, status = reply.get("body"), int(reply.get("status", 200))
        if status != 200 or not isinstance(data, dict):
            err = data if isinstance(data, dict) else {}
            raise AgentCommandError(
                str(err.get("error", "relay_error")), str(err.get("details", "")), status
            )
        return data
