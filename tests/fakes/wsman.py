"""A WS-Management (WinRM) server double that pywinrm's real client can talk to.

Serves Basic and NTLM over HTTP (with MS-WSMV message sealing) and HTTPS; runs each
``powershell -encodedcommand`` through a Python ``handler(script) -> (out, err, rc)``.
"""

from __future__ import annotations

import base64
import os
import re
import ssl
import struct
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import spnego

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

SHELL = NS["rsp"]
ACTIONS = {
    f"{NS['x']}/Create": "Create",
    f"{SHELL}/Command": "Command",
    f"{SHELL}/Receive": "Receive",
    f"{SHELL}/Signal": "Signal",
    f"{NS['x']}/Delete": "Delete",
}
FAULT_TIMEOUT, FAULT_NO_SHELL, FAULT_ACTION = "2150858793", "2150858843", "2150858770"
BOUNDARY = b"--Encrypted Boundary"
SEALED_TYPE = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'  # noqa: E501
_ENC_RE = re.compile(
    r"""^"?powershell(?:\.exe)?"?\s+(?:-noprofile\s+)?-(?:encodedcommand|enc|e)\s+"?([A-Za-z0-9+/=]+)"?""",
    re.I,
)  # noqa: E501

Handler = Callable[[str], tuple[bytes, bytes, int]]


def q(prefix: str, tag: str) -> str:
    """Clark notation ``{uri}tag``."""
    return f"{{{NS[prefix]}}}{tag}"


def clixml_error(message: str) -> bytes:
    """PowerShell's CLIXML stderr for one error record."""
    text = message.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "_x000D__x000A_")
    return (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        f'<S S="Error">{text}</S></Objs>'
    ).encode()


class WsmanFault(Exception):
    """A SOAP fault to send back (HTTP 500)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class WsmanServer(ThreadingHTTPServer):
    """The double. ``users`` maps user → password (Basic; NTLM reads NTLM_USER_FILE)."""

    daemon_threads = True

    def __init__(self, handler: Handler, users: dict[str, str], certfile: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.handler, self.users = handler, users
        self.shells: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.receive_timeouts = 0
        self.sealed_requests = 0
        self.lock = threading.Lock()
        self.scheme = "https" if certfile else "http"
        if certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Endpoint URL for pywinrm."""
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}/wsman"

    def start(self) -> WsmanServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def actions(self) -> list[str]:
        """The action names seen so far, e.g. ['Create', 'Command', 'Receive', ...]."""
        return [a for a, _ in self.requests]

    # -- SOAP ------------------------------------------------------------------
    def dispatch(self, body: bytes) -> tuple[int, bytes]:
        """Handle one SOAP request; returns (HTTP status, SOAP reply)."""
        env = ET.fromstring(body)
        header = env.find(q("s", "Header"))
        action = header.findtext(q("a", "Action"), "")
        message_id = header.findtext(q("a", "MessageID"), "")
        selector = header.find(f"{q('w', 'SelectorSet')}/{q('w', 'Selector')}[@Name='ShellId']")
        shell_id = selector.text if selector is not None else ""
        name = ACTIONS.get(action, action)
        req_body = env.find(q("s", "Body"))
        try:
            with self.lock:
                reply = getattr(self, f"_op_{name}".lower(), self._op_unknown)(shell_id, req_body)
            self.requests.append((name, shell_id))
            return 200, self._envelope(f"{action}Response", message_id, reply)
        except WsmanFault as fault:
            self.requests.append((f"Fault:{fault.code}", name))
            return 500, self._envelope(
                f"{NS['w'].rsplit('/', 1)[0]}/wsman/fault", message_id, self._fault(fault)
            )

    def _envelope(self, action: str, relates_to: str, body: ET.Element | None) -> bytes:
        env = ET.Element(q("s", "Envelope"))
        head = ET.SubElement(env, q("s", "Header"))
        ET.SubElement(head, q("a", "Action")).text = action
        ET.SubElement(head, q("a", "MessageID")).text = f"uuid:{uuid.uuid4()}"
        ET.SubElement(head, q("a", "RelatesTo")).text = relates_to
        body_el = ET.SubElement(env, q("s", "Body"))
        if body is not None:
            body_el.append(body)
        return ET.tostring(env, encoding="utf-8", xml_declaration=False)

    @staticmethod
    def _fault(fault: WsmanFault) -> ET.Element:
        el = ET.Element(q("s", "Fault"))
        code = ET.SubElement(el, q("s", "Code"))
        ET.SubElement(code, q("s", "Value")).text = "s:Receiver"
        sub = ET.SubElement(code, q("s", "Subcode"))
        ET.SubElement(sub, q("s", "Value")).text = "w:InternalError"
        reason = ET.SubElement(el, q("s", "Reason"))
        text = ET.SubElement(reason, q("s", "Text"))
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
        text.text = fault.reason
        detail = ET.SubElement(el, q("s", "Detail"))
        wf = ET.SubElement(detail, q("f", "WSManFault"), Code=fault.code, Machine="127.0.0.1")
        ET.SubElement(wf, q("f", "Message")).text = fault.reason
        return el

    def _shell(self, shell_id: str) -> dict[str, dict[str, Any]]:
        if shell_id not in self.shells:
            raise WsmanFault(
                FAULT_NO_SHELL,
                "The request for the Windows Remote Shell with "
                f"ShellId {shell_id} failed because the shell was not found.",
            )
        return self.shells[shell_id]

    def _op_create(self, _shell_id: str, _body: ET.Element) -> ET.Element:
        shell_id = str(uuid.uuid4()).upper()
        self.shells[shell_id] = {}
        created = ET.Element(q("x", "ResourceCreated"))
        ET.SubElement(created, q("a", "Address")).text = self.url
        ref = ET.SubElement(created, q("a", "ReferenceParameters"))
        ET.SubElement(ref, q("w", "ResourceURI")).text = f"{SHELL}/cmd"
        sel = ET.SubElement(ET.SubElement(ref, q("w", "SelectorSet")), q("w", "Selector"))
        sel.set("Name", "ShellId")
        sel.text = shell_id
        return created

    def _op_command(self, shell_id: str, body: ET.Element) -> ET.Element:
        commands = self._shell(shell_id)
        line = body.findtext(f".//{q('rsp', 'Command')}", "").strip()
        match = _ENC_RE.match(line)
        if match:
            script = base64.b64decode(match.group(1)).decode("utf-16-le")
            out, err, rc = self.handler(script)
        else:
            out, err, rc = b"", f"'{line}' is not recognized as a command".encode(), 1
        command_id = str(uuid.uuid4()).upper()
        commands[command_id] = {"stdout": out, "stderr": err, "rc": rc}
        resp = ET.Element(q("rsp", "CommandResponse"))
        ET.SubElement(resp, q("rsp", "CommandId")).text = command_id
        return resp

    def _op_receive(self, shell_id: str, body: ET.Element) -> ET.Element:
        commands = self._shell(shell_id)
        desired = body.find(f".//{q('rsp', 'DesiredStream')}")
        command_id = desired.get("CommandId", "") if desired is not None else ""
        if command_id not in commands:
            raise WsmanFault(FAULT_NO_SHELL, f"unknown CommandId {command_id}")
        if self.receive_timeouts > 0:
            self.receive_timeouts -= 1
            raise WsmanFault(
                FAULT_TIMEOUT,
                "The WS-Management service cannot complete the "
                "operation within the time specified in OperationTimeout.",
            )
        result = commands[command_id]
        resp = ET.Element(q("rsp", "ReceiveResponse"))
        for stream in ("stdout", "stderr"):
            if result[stream]:
                el = ET.SubElement(resp, q("rsp", "Stream"), Name=stream, CommandId=command_id)
                el.text = base64.b64encode(result[stream]).decode()
            ET.SubElement(resp, q("rsp", "Stream"), Name=stream, CommandId=command_id, End="true")
        state = ET.SubElement(
            resp, q("rsp", "CommandState"), CommandId=command_id, State=f"{SHELL}/CommandState/Done"
        )
        ET.SubElement(state, q("rsp", "ExitCode")).text = str(result["rc"])
        return resp

    def _op_signal(self, shell_id: str, body: ET.Element) -> ET.Element:
        commands = self._shell(shell_id)
        signal = body.find(q("rsp", "Signal"))
        commands.pop(signal.get("CommandId", "") if signal is not None else "", None)
        return ET.Element(q("rsp", "SignalResponse"))

    def _op_delete(self, shell_id: str, _body: ET.Element) -> None:
        self._shell(shell_id)
        del self.shells[shell_id]
        return None

    def _op_unknown(self, _shell_id: str, _body: ET.Element) -> None:
        raise WsmanFault(FAULT_ACTION, "The action is not supported by the service.")


class _RequestHandler(BaseHTTPRequestHandler):
    server: WsmanServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # otherwise each POST waits ~40 ms (Nagle + delayed ACK)
    ntlm: Any = None
    authed = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _reply(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _challenge(self, token: bytes | None = None) -> None:
        headers = [("WWW-Authenticate", 'Basic realm="WSMAN"'), ("WWW-Authenticate", "Negotiate")]
        if token is not None:
            headers = [("WWW-Authenticate", "Negotiate " + base64.b64encode(token).decode())]
        self._reply(401, headers=headers)

    def _authenticate(self) -> bool:
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            user, _, password = base64.b64decode(value).decode().partition(":")
            if self.server.users.get(user) == password:
                return True
            self._challenge()
            return False
        if scheme.lower() in ("negotiate", "ntlm") and value:
            if self.ntlm is None or self.authed:
                self.ntlm, self.authed = spnego.server(protocol="ntlm"), False
            try:
                out = self.ntlm.step(base64.b64decode(value))
            except Exception:  # noqa: BLE001 - wrong password: plain 401
                self.ntlm = None
                self._reply(401)
                return False
            if not self.ntlm.complete:
                self._challenge(out or b"")
                return False
            self.authed = True
            return True
        if self.authed:
            return True
        self._challenge()
        return False

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self._authenticate():
            return
        if not body:
            self._reply(200)
            return
        sealed = "HTTP-SPNEGO-session-encrypted" in self.headers.get("Content-Type", "")
        if sealed:
            self.server.sealed_requests += 1
            body = self._unseal(body)
        status, reply = self.server.dispatch(body)
        if sealed:
            self._reply(status, self._seal(reply), [("Content-Type", SEALED_TYPE)])
        else:
            self._reply(status, reply, [("Content-Type", "application/soap+xml;charset=UTF-8")])

    def _unseal(self, body: bytes) -> bytes:
        payload = body.split(b"\tContent-Type: application/octet-stream\r\n", 1)[1]
        payload = payload.removesuffix(BOUNDARY + b"--\r\n")
        (sig_len,) = struct.unpack("<i", payload[:4])
        return self.ntlm.unwrap(payload[4 : 4 + sig_len] + payload[4 + sig_len :]).data

    def _seal(self, reply: bytes) -> bytes:
        wrapped = self.ntlm.wrap(reply, encrypt=True).data
        sig, sealed = wrapped[:16], wrapped[16:]
        return (
            BOUNDARY + b"\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(reply)).encode()
            + b"\r\n"
            + BOUNDARY
            + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", 16)
            + sig
            + sealed
            + BOUNDARY
            + b"--\r\n"
        )


def write_ntlm_user_file(path: str, domain: str, user: str, password: str) -> None:
    """Credentials file for pyspnego's NTLM acceptor, and point NTLM_USER_FILE at it."""
    with open(path, "w") as fh:
        fh.write(f"{domain}:{user}:{password}\n")
    os.environ["NTLM_USER_FILE"] = path
