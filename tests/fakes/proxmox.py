"""A Proxmox VE API double (``/api2/json`` over HTTPS) for CloudStack's in-tree Proxmox
extension, which runs unmodified against it.

The extension builds ``https://<url>:8006/api2/json``: the port is fixed, so the double
listens on 8006 of a random loopback address (127.x.y.z, all of 127/8 is loopback), which
the host's ``url`` detail then names. It checks the ``PVEAPIToken`` header, keeps VMs,
their config and snapshots in dicts, finishes every task at once and records each call.
"""

from __future__ import annotations

import json
import random
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

PORT = 8006
PREFIX = "/api2/json"


class ProxmoxError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class FakeProxmox(ThreadingHTTPServer):
    """``FakeProxmox(user, token, secret, node, certfile, keyfile).start()``."""

    daemon_threads = True

    def __init__(self, *, user: str, token: str, secret: str, node: str, cert: tuple[str, str]):
        last: OSError | None = None
        for _ in range(20):
            address = (
                f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
            )
            try:
                super().__init__((address, PORT), _Handler)
                break
            except OSError as exc:  # that address is taken: try another
                last = exc
        else:
            raise RuntimeError(f"no free loopback address for port {PORT}: {last}")
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*cert)
        self.auth = f"PVEAPIToken={user}!{token}={secret}"
        self.node = node
        self.vms: dict[int, dict[str, Any]] = {}
        self.templates = {9000: {"name": "debian-12-template"}}
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return self.server_address[0]

    def finish_request(self, request, client_address) -> None:
        """TLS per connection, in the request's thread: a failed handshake (a client that
        gave up) ends that connection only, never the accept loop."""
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def start(self) -> FakeProxmox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    # -- the API ---------------------------------------------------------------------------
    def _task(self, kind: str, vmid: Any) -> str:
        return f"UPID:{self.node}:0000ABCD:00000001:65000000:{kind}:{vmid}:root@pam:"

    def _vm(self, vmid: str) -> dict[str, Any]:
        try:
            return self.vms[int(vmid)]
        except (KeyError, ValueError):
            message = f"Configuration file 'qemu-server/{vmid}.conf' does not exist"
            raise ProxmoxError(500, message) from None

    def _next_id(self) -> int:
        used = set(self.vms) | set(self.templates)
        return next(i for i in range(100, 100000) if i not in used)

    def handle_api(self, method: str, path: str, query: dict, form: dict) -> Any:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["cluster", "nextid"]:
            if "vmid" in query:
                wanted = int(query["vmid"])
                if wanted in self.vms or wanted in self.templates:
                    raise ProxmoxError(400, f"VM {wanted} already exists")
                return str(wanted)
            return str(self._next_id())
        if len(parts) < 3 or parts[0] != "nodes" or parts[1] != self.node:
            raise ProxmoxError(400, f"no such node {parts[1] if len(parts) > 1 else ''}")
        rest = parts[2:]
        if rest[0] == "tasks" and rest[-1] == "status":
            return {"status": "stopped", "exitstatus": "OK", "upid": rest[1]}
        if rest[0] != "qemu":
            raise ProxmoxError(501, f"Method '{method} {path}' not implemented")
        if len(rest) == 1 and method == "GET":  # every VM of the node (and the templates)
            vms = [
                {"vmid": i, "name": v["name"], "status": v["status"]} for i, v in self.vms.items()
            ]
            templates = [
                {"vmid": i, **t, "status": "stopped", "template": 1}
                for i, t in self.templates.items()
            ]
            return vms + templates
        if len(rest) == 1 and method == "POST":  # create from an ISO
            vmid = int(form["vmid"])
            self.vms[vmid] = {"name": form.get("name"), "status": "stopped", "config": dict(form)}
            self.vms[vmid]["snapshots"] = {}
            return self._task("qmcreate", vmid)
        vmid, tail = rest[1], rest[2:]
        if tail == ["clone"] and method == "POST":
            if int(vmid) not in self.templates:
                raise ProxmoxError(500, f"no such template {vmid}")
            newid = int(form["newid"])
            if newid in self.vms:
                raise ProxmoxError(500, f"VM {newid} already exists")
            self.vms[newid] = {
                "name": form.get("name"),
                "status": "stopped",
                "config": {"template": vmid},
                "snapshots": {},
            }
            return self._task("qmclone", newid)
        vm = self._vm(vmid)
        if tail == [] and method == "DELETE":
            if vm["status"] == "running":
                raise ProxmoxError(500, f"VM {vmid} is running - destroy failed")
            del self.vms[int(vmid)]
            return self._task("qmdestroy", vmid)
        if tail == ["config"] and method in ("POST", "PUT"):
            vm["config"].update(form)
            return self._task("qmconfig", vmid) if method == "POST" else None
        if tail[:1] == ["status"]:
            verb = tail[1]
            if verb == "current" and method == "GET":
                return {"status": vm["status"], "vmid": int(vmid), "name": vm["name"]}
            states = {"start": "running", "stop": "stopped", "reboot": "running"}
            if verb in states and method == "POST":
                if verb == "reboot" and vm["status"] != "running":
                    raise ProxmoxError(500, f"VM {vmid} not running")
                vm["status"] = states[verb]
                vm["boots"] = vm.get("boots", 0) + (verb != "stop")
                return self._task(f"qm{verb}", vmid)
        if tail[:1] == ["snapshot"]:
            snaps = vm["snapshots"]
            if len(tail) == 1 and method == "GET":
                listed = [{"name": n, **s} for n, s in snaps.items()]
                return [*listed, {"name": "current", "description": "You are here!"}]
            if len(tail) == 1 and method == "POST":
                snaps[form["snapname"]] = {
                    "description": form.get("description", ""),
                    "snaptime": 1700000000,
                    "vmstate": int(form.get("vmstate", 0)),
                }
                return self._task("qmsnapshot", vmid)
            if len(tail) >= 2 and tail[1] not in snaps:
                raise ProxmoxError(500, f"snapshot '{tail[1]}' does not exist")
            if len(tail) == 2 and method == "DELETE":
                del snaps[tail[1]]
                return self._task("qmdelsnapshot", vmid)
            if len(tail) == 3 and tail[2] == "rollback" and method == "POST":
                vm["status"] = "stopped"
                return self._task("qmrollback", vmid)
        raise ProxmoxError(501, f"Method '{method} {path}' not implemented")


class _Handler(BaseHTTPRequestHandler):
    server: FakeProxmox

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = dict(parse_qsl(body, keep_blank_values=True))
        query = dict(parse_qsl(url.query))
        status, answer = 200, None
        if self.headers.get("Authorization") != self.server.auth:
            status, answer = 401, {"data": None, "message": "authentication failure"}
        elif not url.path.startswith(PREFIX):
            status, answer = 404, {"data": None, "message": "not found"}
        else:
            path = url.path[len(PREFIX) :]
            with self.server.lock:
                self.server.calls.append((method, path, form))
                try:
                    answer = {"data": self.server.handle_api(method, path, query, form)}
                except ProxmoxError as exc:
                    status, answer = exc.status, {"data": None, "message": str(exc)}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")


def extension_source() -> Path | None:
    """Where CloudStack's Proxmox extension is installed on this machine (the
    ``cloudstack-management`` package puts it in /usr/share), if anywhere.
    ``CLOUDSTACK_EXTENSIONS_DIR`` names another extensions directory."""
    import os

    for root in (os.environ.get("CLOUDSTACK_EXTENSIONS_DIR"), DEFAULT_DIR):
        if root and (Path(root) / "Proxmox" / "proxmox.sh").is_file():
            return Path(root)
    return None


DEFAULT_DIR = "/usr/share/cloudstack-management/extensions"
