"""Run the constant PowerShell scripts over WinRM and map failures to typed errors."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import requests
import winrm
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)

from agents.errors import HypervisorError, OperationTimeout, VmNotFound
from agents.resources.hyperv.scripts import build_script

_VM_NOT_FOUND = re.compile(r"unable to find a virtual machine with name", re.IGNORECASE)


class PowerShell:
    """Runs each call as one ``run_ps`` of one constant script, with a hard deadline.

    Options: ``winrm_url``, ``username``, ``password``, ``transport`` (default ntlm),
    ``server_cert_validation`` (validate|ignore), ``ca_trust_path``,
    ``message_encryption`` (auto|always|never), ``read_timeout_s``, ``operation_timeout_s``,
    ``command_timeout_s`` (overall deadline per script, default 300), ``max_parallel`` (4).

    pywinrm sessions are not thread-safe (NTLM sealing keeps sequence numbers), so every
    worker thread has its own session; scripts run on a small pool so that a deadline can
    be enforced even while pywinrm keeps polling a command that never finishes.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self._kwargs: dict[str, Any] = {
            "transport": options.get("transport", "ntlm"),
            "server_cert_validation": options.get("server_cert_validation", "validate"),
            "message_encryption": options.get("message_encryption", "auto"),
            "read_timeout_sec": int(options.get("read_timeout_s", 60)),
            "operation_timeout_sec": int(options.get("operation_timeout_s", 20)),
        }
        if options.get("ca_trust_path"):
            self._kwargs["ca_trust_path"] = options["ca_trust_path"]
        self.url = options.get("winrm_url", "https://127.0.0.1:5986/wsman")
        self._auth = (options.get("username", ""), options.get("password", ""))
        self.command_timeout_s = float(options.get("command_timeout_s", 300))
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(
            max_workers=int(options.get("max_parallel", 4)), thread_name_prefix="winrm"
        )

    def close(self) -> None:
        """Stop the worker pool (running scripts are abandoned)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run_ps(self, script: str) -> winrm.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = winrm.Session(self.url, auth=self._auth, **self._kwargs)
        return session.run_ps(script)

    def run(self, op: str, params: dict[str, Any]) -> Any:
        """Run script ``op`` with ``params``; return its parsed JSON output (or None)."""
        script = build_script(op, params)
        try:
            response = self._pool.submit(self._run_ps, script).result(self.command_timeout_s)
        except FutureTimeout as exc:
            raise OperationTimeout(
                f"{op}: no result from {self.url} within {self.command_timeout_s:g}s"
            ) from exc
        except InvalidCredentialsError as exc:
            raise HypervisorError(f"WinRM at {self.url} rejected the credentials") from exc
        except WinRMOperationTimeoutError as exc:
            raise OperationTimeout(f"{op}: WinRM operation timed out") from exc
        except (WSManFaultError, WinRMTransportError, WinRMError) as exc:
            raise HypervisorError(f"{op}: WinRM error: {exc}") from exc
        except requests.RequestException as exc:
            raise HypervisorError(f"{op}: cannot reach {self.url}: {exc}") from exc
        if response.status_code != 0:
            message = response.std_err.decode("utf-8", errors="replace").strip()
            if _VM_NOT_FOUND.search(message):
                raise VmNotFound(message)
            raise HypervisorError(f"{op} failed: {message or 'exit ' + str(response.status_code)}")
        out = response.std_out.decode("utf-8", errors="replace").strip()
        if not out:
            return None
        try:
            return json.loads(out)
        except ValueError as exc:
            raise HypervisorError(f"{op}: output is not JSON: {out[:200]!r}") from exc
