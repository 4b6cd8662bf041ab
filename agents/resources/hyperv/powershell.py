"""Run the constant PowerShell scripts over WinRM and map failures to typed errors."""

from __future__ import annotations

import json
import re
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
    """One WinRM session; every call is one ``run_ps`` of one constant script.

    Options: ``winrm_url``, ``username``, ``password``, ``transport`` (default ntlm),
    ``server_cert_validation`` (validate|ignore), ``ca_trust_path``,
    ``message_encryption`` (auto|always|never), ``read_timeout_s``, ``operation_timeout_s``.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {
            "transport": options.get("transport", "ntlm"),
            "server_cert_validation": options.get("server_cert_validation", "validate"),
            "message_encryption": options.get("message_encryption", "auto"),
            "read_timeout_sec": int(options.get("read_timeout_s", 60)),
            "operation_timeout_sec": int(options.get("operation_timeout_s", 20)),
        }
        if options.get("ca_trust_path"):
            kwargs["ca_trust_path"] = options["ca_trust_path"]
        self.url = options.get("winrm_url", "https://127.0.0.1:5986/wsman")
        auth = (options.get("username", ""), options.get("password", ""))
        self._session = winrm.Session(self.url, auth=auth, **kwargs)

    def run(self, op: str, params: dict[str, Any]) -> Any:
        """Run script ``op`` with ``params``; return its parsed JSON output (or None)."""
        script = build_script(op, params)
        try:
            response = self._session.run_ps(script)
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
