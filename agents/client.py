"""Management-side client used by Celery tasks to talk to a host agent."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from agents.auth import signed_headers
from agents.errors import (
    AgentAuthError,
    AgentCommandError,
    AgentUnreachable,
    InvalidCommand,
)
from agents.protocol import Answer, Command, decode_answer, encode_request


class AgentClient:
    """Signed JSON-over-HTTP(S) client for one agent (or one simulated host).

    ``timeout`` is ``(connect, read)`` seconds or one number for both; ``verify`` is
    passed to requests (``True``, ``False`` or a CA bundle path). ``host_id`` targets
    ``/v1/hosts/<host_id>/...`` on a simulator serving many hosts.
    """

    def __init__(
        self,
        base_url: str,
        secret: str | bytes,
        timeout: float | tuple[float, float] = (5.0, 120.0),
        verify: bool | str = True,
        host_id: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret.encode() if isinstance(secret, str) else secret
        self.timeout = timeout
        self.verify = verify
        self._prefix = urlsplit(self.base_url).path + (f"/v1/hosts/{host_id}" if host_id else "/v1")
        if session is None:
            session = requests.Session()
            # agent traffic goes straight to the host: no proxy/netrc/CA lookups from the
            # environment (they also cost ~1 ms per request); TLS trust is ``verify``.
            session.trust_env = False
        self._session = session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> AgentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        endpoint: str,
        body: bytes = b"",
        timeout: float | tuple[float, float] | None = None,
    ) -> Any:
        path = f"{self._prefix}/{endpoint}"
        headers = signed_headers(self._secret, method, path, body)
        headers["Content-Type"] = "application/json"
        url = self.base_url[: len(self.base_url) - len(urlsplit(self.base_url).path)] + path
        try:
            resp = self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout or self.timeout,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            raise AgentUnreachable(f"{self.base_url}: {exc}") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code == 401:
            raise AgentAuthError((data or {}).get("details", "unauthorized"))
        if resp.status_code != 200 or not isinstance(data, dict):
            err = data if isinstance(data, dict) else {}
            raise AgentCommandError(
                str(err.get("error", "http_error")),
                str(err.get("details", resp.text[:200])),
                resp.status_code,
            )
        return data

    def health(self) -> dict[str, Any]:
        """``GET /v1/health``: agent version, protocol and resource kind."""
        return self._request("GET", "health")

    def _timeout_for(self, cmds: list[Command]) -> float | tuple[float, float]:
        """Read timeout long enough for commands that take long on purpose: a stop's
        ``timeout_s``, or a command's ``expected_s`` (template copies, migrations)."""
        waits = sum(max(int(getattr(cmd, "timeout_s", 0)), cmd.expected_s) for cmd in cmds)
        if not waits:
            return self.timeout
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
        return connect, max(read, waits + 30.0)

    def send(self, cmd: Command) -> Answer:
        """Send one command and return its typed answer (``result`` may be false)."""
        data = self._request("POST", "commands", encode_request([cmd]), self._timeout_for([cmd]))
        return self._decode(data, cmd.name)

    def send_batch(self, cmds: list[Command]) -> list[Answer]:
        """Send several commands in one request; answers come back in order."""
        body = encode_request(cmds, batch=True)
        data = self._request("POST", "commands", body, self._timeout_for(cmds))
        answers = data.get("answers")
        if not isinstance(answers, list) or len(answers) != len(cmds):
            raise AgentCommandError("bad_answer", json.dumps(data)[:200], 200)
        return [self._decode(a, c.name) for a, c in zip(answers, cmds, strict=True)]

    @staticmethod
    def _decode(data: Any, name: str) -> Answer:
        try:
            return decode_answer(data, name)
        except InvalidCommand as exc:
            raise AgentCommandError("bad_answer", exc.details, 200) from exc
