#!/usr/bin/env python3
"""MockCloud orchestrator: a CloudStack Extensions-framework executable (stdlib only).

Usage: mockcloud.py <action> <payload.json> <timeout>. Prints one JSON document on stdout;
exit code 0 is success. Host details: ``url`` (the MockCloud API), ``token`` (secret).
"""

import json
import os
import sys
import urllib.error
import urllib.request


class Fail(Exception):
    pass


def fail(message):
    print(json.dumps({"status": "error", "error": message}))
    sys.exit(1)


class Api:
    def __init__(self, payload, timeout):
        host = payload.get("externaldetails", {}).get("host", {})
        missing = [k for k in ("url", "token") if not host.get(k)]
        if missing:
            raise Fail(f"Missing required fields: {', '.join(missing)}")
        self.url, self.token, self.timeout = host["url"].rstrip("/"), host["token"], timeout

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise Fail(f"MockCloud answered {exc.code}") from exc
        except OSError as exc:
            raise Fail(f"MockCloud unreachable: {exc}") from exc


def vm_id(payload):
    details = payload.get("cloudstack.vm.details", {}).get("details", {})
    return details.get("mockcloud_vm_id") or payload.get("virtualmachinename", "")


def main(argv):
    if len(argv) < 3:
        fail("usage: mockcloud.py <action> <payload-file> [timeout]")
    action, path = argv[1].lower(), argv[2]
    timeout = int(argv[3]) if len(argv) > 3 else 30
    if not os.path.isfile(path):
        fail(f"JSON file not found: {path}")
    with open(path) as handle:
        payload = json.load(handle)
    api = Api(payload, timeout)
    vm = payload.get("cloudstack.vm.details", {})
    name = payload.get("virtualmachinename") or vm.get("name", "")
    if action == "prepare":
        return {"details": {"mockcloud_vm_id": name}}
    if action == "create":
        api.call(
            "POST",
            "/vms",
            {"id": vm_id(payload), "cpus": vm.get("cpus"), "memory": vm.get("minRam")},
        )
        api.call("POST", f"/vms/{vm_id(payload)}/start")
        return {"status": "success", "message": "Instance created"}
    if action in ("start", "stop", "reboot"):
        if api.call("POST", f"/vms/{vm_id(payload)}/{action}") is None and action != "stop":
            raise Fail("Instance not found")
        return {"status": "success", "message": f"Instance {action} done"}
    if action == "delete":
        api.call("DELETE", f"/vms/{vm_id(payload)}")
        return {"status": "success", "message": "Instance deleted"}
    if action == "status":
        found = api.call("GET", f"/vms/{vm_id(payload)}")
        state = "poweron" if found and found["state"] == "running" else "poweroff"
        return {"status": "success", "power_state": state if found else "poweroff"}
    if action == "statuses":
        vms = api.call("GET", "/vms") or []
        states = {v["id"]: "poweron" if v["state"] == "running" else "poweroff" for v in vms}
        return {"status": "success", "power_state": states}
    if action == "getconsole":
        return {"console": {"url": f"{api.url}/console/{vm_id(payload)}", "protocol": "direct"}}
    if action == "resize":
        cpus = payload.get("parameters", {}).get("cpus")
        if api.call("POST", f"/vms/{vm_id(payload)}/resize", {"cpus": cpus}) is None:
            raise Fail("Instance not found")
        return {"status": "success", "printmessage": "true", "message": f"Now {cpus} CPUs"}
    fail("Invalid action")


if __name__ == "__main__":
    try:
        print(json.dumps(main(sys.argv)))
    except Fail as exc:
        fail(str(exc))
