"""The agent's HTTP server: signed JSON commands in, typed JSON answers out.

Endpoints (all signed, see :mod:`agents.auth`):

* ``POST /v1/commands`` and ``GET /v1/health`` for this host;
* ``POST /v1/hosts/<host-id>/commands`` and ``GET /v1/hosts/<host-id>/health`` when one
  process simulates many hosts (the simulator resource);
* ``POST /v1/enroll`` and ``POST /v1/hosts/<host-id>/enroll``: unsigned challenge-response
  enrollment that issues a host's secret (:mod:`agents.accounts`).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agents import AGENT_VERSION
from agents.accounts import enrollment_from_config
from agents.auth import Verifier
from agents.config import AgentConfig
from agents.errors import AgentError, AuthError, InvalidCommand, NotFound, RateLimited
from agents.protocol import PROTOCOL_VERSION, error_object, parse_request
from agents.protocol.codec import to_dict
from agents.resources.base import Provider

log = logging.getLogger(__name__)

_ROUTE = re.compile(r"^/v1(?:/hosts/(?P<host>[^/]+))?/(?P<endpoint>commands|health|enroll)$")


class AgentRequestHandler(BaseHTTPRequestHandler):
    """One request: authenticate, route, parse, execute, answer."""

    server: AgentHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers + body leave in one send (flushed after each request)
    server_version = f"cloudportal-agent/{AGENT_VERSION}"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.config.request_timeout_s)  # idle/slow clients

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("POST")

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == HTTPStatus.UNAUTHORIZED:
            self.send_header("WWW-Authenticate", "AGENT-HMAC-SHA256")
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            raise InvalidCommand("bad Content-Length")
        if int(length) > self.server.config.max_body_bytes:
            self.close_connection = True
            raise _TooLarge(f"body larger than {self.server.config.max_body_bytes} bytes")
        return self.rfile.read(int(length))

    def _handle(self, method: str) -> None:
        try:
            body = self._read_body()
            match = _ROUTE.match(self.path)
            if match is not None and match["endpoint"] == "enroll":  # unsigned by design
                if method != "POST":
                    raise _BadMethod("enroll takes POST")
                self._send_json(200, self._enroll(match["host"], body))
                return
            issued = self.server.enrollment.store.secrets_for(match["host"] or "") if match else []
            self.server.verifier.verify(method, self.path, self.headers, body, secrets=issued)
            if match is None:
                raise NotFound(f"no endpoint {self.path}")
            endpoint = match["endpoint"]
            if (endpoint == "health") != (method == "GET"):
                raise _BadMethod(f"{method} not allowed on {endpoint}")
            resource = self.server.provider.get(match["host"])
            if endpoint == "health":
                self._send_json(200, self._health(match["host"]))
                return
            commands, batch = parse_request(body)
            answers = [to_dict(resource.execute(cmd)) for cmd in commands]
            self._send_json(200, {"answers": answers} if batch else answers[0])
        except _TooLarge as exc:
            self._send_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error_object("too_large", str(exc))
            )
        except _BadMethod as exc:
            self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, error_object("bad_method", str(exc)))
        except AuthError as exc:
            self._send_json(HTTPStatus.UNAUTHORIZED, error_object(exc.code, exc.details))
        except RateLimited as exc:
            self._send_json(HTTPStatus.TOO_MANY_REQUESTS, error_object(exc.code, exc.details))
        except NotFound as exc:
            self._send_json(HTTPStatus.NOT_FOUND, error_object(exc.code, exc.details))
        except AgentError as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, error_object(exc.code, exc.details))
        except TimeoutError:
            self.close_connection = True
        except Exception:  # noqa: BLE001 - answer 500 rather than drop the connection
            log.exception("unexpected error serving %s", self.path)
            self._send_json(500, error_object("internal_error", "unexpected agent error"))

    def _enroll(self, host_id: str | None, body: bytes) -> dict[str, Any]:
        if host_id is not None:
            self.server.provider.get(host_id)  # 404 on single-host agents, validates the id
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise InvalidCommand("enroll: the body is not JSON") from exc
        if not isinstance(data, dict):
            raise InvalidCommand("enroll: the body must be a JSON object")
        client = self.client_address[0] if self.client_address else ""
        return self.server.enrollment.handle(self.path, host_id or "", data, str(client))

    def _health(self, host_id: str | None) -> dict[str, Any]:
        return {
            "result": True,
            "status": "ok",
            "agent_version": AGENT_VERSION,
            "protocol": PROTOCOL_VERSION,
            "resource": self.server.resource_kind,
            "host_id": host_id or "",
        }


class _TooLarge(Exception):
    pass


class _BadMethod(Exception):
    pass


class AgentHTTPServer(ThreadingHTTPServer):
    """Threading HTTP server holding the provider, config and signature verifier."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        provider: Provider,
        config: AgentConfig,
        resource_kind: str = "",
    ) -> None:
        if not config.secret and not config.accounts and resource_kind != "hyperv":
            raise InvalidCommand("config: give a 'secret' or enrollment 'accounts' (add-account)")
        self.verifier = Verifier(config.secret.encode())
        self.enrollment = enrollment_from_config(
            config.accounts, config.resource, resource_kind, config.state_file
        )
        super().__init__(address, AgentRequestHandler)
        self.provider = provider
        self.config = config
        self.resource_kind = resource_kind
        self._thread: threading.Thread | None = None
        if config.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(config.tls_cert, config.tls_key or None)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8250``."""
        host, port = str(self.server_address[0]), self.server_address[1]
        scheme = "https" if self.config.tls_cert else "http"
        return f"{scheme}://{host}:{port}"

    def start(self) -> AgentHTTPServer:
        """Serve in a daemon thread (tests, embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="agent")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and the resources."""
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.provider.close()


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` → tuple; refuses anything without a numeric port."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen wants HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
