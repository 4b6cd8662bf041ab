"""The common resource base: an operation map from command names to methods."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar

from agents.errors import AgentError, InternalError, NotFound, UnsupportedCommand
from agents.protocol import Answer, Command, command_names
from agents.protocol.commands import CheckHostAnswer, CheckHostCommand

log = logging.getLogger(__name__)

Operation = Callable[[Any], Answer]


class Resource:
    """A hypervisor backend. Subclasses implement one method per command name.

    ``execute`` never raises: typed :class:`AgentError` becomes a failed answer with the
    error's code, anything else an ``internal_error`` answer (and a logged traceback).
    """

    hypervisor: ClassVar[str] = ""

    def __init__(self) -> None:
        self._object_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.operations: dict[str, Operation] = {}
        for name in command_names():
            method = getattr(self, name, None)
            if callable(method):
                self.operations[name] = method

    def execute(self, cmd: Command) -> Answer:
        """Run one command and always return its typed answer."""
        try:
            handler = self.operations.get(cmd.name)
            if handler is None:
                raise UnsupportedCommand(f"{self.hypervisor} does not support {cmd.name}")
            with self._object_lock(cmd):
                answer = handler(cmd)
        except AgentError as exc:
            answer = cmd.answer_type(result=False, error=exc.code, details=exc.details)
        except Exception as exc:  # noqa: BLE001 - the agent must answer, not crash
            log.exception("command %s failed", cmd.name)
            err = InternalError(f"{type(exc).__name__}: {exc}")
            answer = cmd.answer_type(result=False, error=err.code, details=err.details)
        answer.command = cmd.name
        return answer

    def check_host(self, cmd: CheckHostCommand) -> CheckHostAnswer:
        """Host HA's neighbour check, the same on every hypervisor: can this host reach the
        peer's agent? (see :class:`CheckHostCommand`)."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(cmd.url, timeout=float(cmd.timeout_s)):  # noqa: S310
                reachable, details = True, "answered"
        except urllib.error.HTTPError as exc:  # an HTTP status: the agent process answers
            reachable, details = True, f"answered HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            reachable, details = False, f"no answer: {exc}"
        return CheckHostAnswer(
            reachable=reachable,
            details=details,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
        )

    def _object_lock(self, cmd: Command) -> contextlib.AbstractContextManager[object]:
        """Serialise commands on the same VM or volume (e.g. a retried start racing the
        first one); commands on different objects run in parallel."""
        vm = getattr(cmd, "vm", None)
        name = getattr(cmd, "vm_name", None) or getattr(vm, "name", None)
        key = f"vm:{name}" if name else ""
        if not key and getattr(cmd, "volume", None):
            key = f"volume:{getattr(cmd, 'pool', '')}/{cmd.volume}"  # type: ignore[attr-defined]
        if not key:
            return contextlib.nullcontext()
        with self._locks_guard:
            return self._object_locks.setdefault(key, threading.Lock())

    def close(self) -> None:
        """Release connections (called when the server stops)."""


class Provider:
    """Hands out the resource serving one host; real hypervisors serve exactly one."""

    def __init__(self, resource: Resource) -> None:
        self._resource = resource

    def get(self, host_id: str | None) -> Resource:
        """The resource for ``host_id`` (``None`` = this host); raises on unknown ids."""
        if host_id is not None:
            raise NotFound("this agent serves a single host; use /v1/commands")
        return self._resource

    def close(self) -> None:
        """Close every resource."""
        self._resource.close()
