"""MockCloud: the sample extension's backend, an in-memory VM API on loopback.

python mock_backend.py [port] [token]
"""

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MockCloud(ThreadingHTTPServer):
    def __init__(self, token: str, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.token, self.vms, self.lock = token, {}, threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "MockCloud":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, code, body=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method):
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            return self._answer(401, {"error": "unauthorised"})
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        vms = self.server.vms
        with self.server.lock:
            if self.path == "/vms" and method == "GET":
                return self._answer(200, list(vms.values()))
            if self.path == "/vms" and method == "POST":
                vms[body["id"]] = {"id": body["id"], "cpus": body.get("cpus"), "state": "stopped"}
                return self._answer(201, vms[body["id"]])
            match = re.fullmatch(r"/vms/([^/]+)(?:/(\w+))?", self.path)
            if not match or match.group(1) not in vms:
                return self._answer(404, {"error": "not found"})
            vm, verb = vms[match.group(1)], match.group(2)
            if method == "GET" and not verb:
                return self._answer(200, vm)
            if method == "DELETE" and not verb:
                del vms[vm["id"]]
                return self._answer(200, {})
            if method == "POST" and verb in ("start", "stop", "reboot"):
                vm["state"] = "stopped" if verb == "stop" else "running"
                return self._answer(200, vm)
            if method == "POST" and verb == "resize":
                vm["cpus"] = body.get("cpus")
                return self._answer(200, vm)
            return self._answer(400, {"error": "bad request"})

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_DELETE(self):
        self._route("DELETE")


if __name__ == "__main__":  # pragma: no cover
    server = MockCloud(
        sys.argv[2] if len(sys.argv) > 2 else "token",
        int(sys.argv[1]) if len(sys.argv) > 1 else 8099,
    )
    print(server.url)
    server.serve_forever()
