"""Agent HTTP server: HMAC auth, typed HTTP errors, batches, TLS, client errors."""

from __future__ import annotations

import json
import time

import pytest
import requests

from agents.auth import HEADER_SIGNATURE, HEADER_TIMESTAMP, Verifier, signed_headers
from agents.client import AgentClient
from agents.errors import AgentAuthError, AgentCommandError, AgentUnreachable, AuthError
from agents.protocol import VmSpec, encode_request
from agents.protocol import commands as c
from tests.lab.certs import self_signed
from tests.lab.fixtures import SECRET

KEY = SECRET.encode()


def post(server, path: str, body: bytes, secret: bytes = KEY, now: float | None = None, **hdr):
    headers = signed_headers(secret, "POST", path, body, now=now)
    headers.update(hdr)
    return requests.post(server.url + path, data=body, headers=headers, timeout=10)


def get(server, path: str, secret: bytes = KEY, now: float | None = None):
    headers = signed_headers(secret, "GET", path, b"", now=now)
    return requests.get(server.url + path, headers=headers, timeout=10)


PING = encode_request([c.PingCommand()])


def test_signed_requests_are_served(agent_server):
    server = agent_server()
    health = get(server, "/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["resource"] == "simulator"
    answer = post(server, "/v1/commands", PING)
    assert answer.status_code == 200 and answer.json()["result"] is True


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "expired", "future", "tampered body", "other path"]
)
def test_bad_signatures_get_401(agent_server, how):
    server = agent_server()
    path, body = "/v1/commands", PING
    if how == "unsigned":
        resp = requests.post(server.url + path, data=body, timeout=10)
    elif how == "wrong secret":
        resp = post(server, path, body, secret=b"another-secret-0123456789")
    elif how == "expired":
        resp = post(server, path, body, now=time.time() - 301)
    elif how == "future":
        resp = post(server, path, body, now=time.time() + 301)
    elif how == "tampered body":
        headers = signed_headers(KEY, "POST", path, body)
        evil = encode_request([c.DestroyVmCommand(vm_name="victim")])
        resp = requests.post(server.url + path, data=evil, headers=headers, timeout=10)
    else:
        headers = signed_headers(KEY, "POST", "/v1/hosts/a/commands", body)
        resp = requests.post(server.url + path, data=body, headers=headers, timeout=10)
    assert resp.status_code == 401
    assert resp.json()["result"] is False and resp.json()["error"] == "unauthorized"


def test_health_needs_a_signature_too(agent_server):
    server = agent_server()
    assert requests.get(server.url + "/v1/health", timeout=10).status_code == 401


def test_replayed_request_is_refused(agent_server):
    server = agent_server()
    headers = signed_headers(KEY, "POST", "/v1/commands", PING)
    first = requests.post(server.url + "/v1/commands", data=PING, headers=headers, timeout=10)
    again = requests.post(server.url + "/v1/commands", data=PING, headers=headers, timeout=10)
    assert (first.status_code, again.status_code) == (200, 401)
    assert "replay" in again.json()["details"]


def test_timestamp_window_edges():
    verifier = Verifier(KEY)
    now = 1_800_000_000
    ok = signed_headers(KEY, "GET", "/v1/health", b"", now=now - 299)
    verifier.verify("GET", "/v1/health", ok, b"", now=now)
    late = signed_headers(KEY, "GET", "/v1/health", b"", now=now - 301)
    with pytest.raises(AuthError):
        verifier.verify("GET", "/v1/health", late, b"", now=now)
    garbled = dict(ok, **{HEADER_TIMESTAMP: "12a"})
    with pytest.raises(AuthError):
        verifier.verify("GET", "/v1/health", garbled, b"", now=now)
    with pytest.raises(ValueError):
        Verifier(b"short")


def test_signature_compare_rejects_prefix(agent_server):
    server = agent_server()
    headers = signed_headers(KEY, "POST", "/v1/commands", PING)
    headers[HEADER_SIGNATURE] = headers[HEADER_SIGNATURE][:-1]
    resp = requests.post(server.url + "/v1/commands", data=PING, headers=headers, timeout=10)
    assert resp.status_code == 401


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_command"),
        (b'{"command": "nuke_host"}', "unknown_command"),
        (b'{"command": "stop_vm", "args": {"vm_name": 7}}', "invalid_command"),
        (b'{"command": "start_vm", "args": {"vm": {"name": "a;rm -rf", "cpus": 1, '
         b'"memory_mib": 64}}}', "invalid_command"),
    ],
)  # fmt: skip
def test_malformed_commands_get_typed_400(agent_server, raw, code):
    server = agent_server()
    resp = post(server, "/v1/commands", raw)
    assert resp.status_code == 400
    err = resp.json()
    assert (err["result"], err["error"]) == (False, code) and err["details"]
    assert get(server, "/v1/health").status_code == 200  # and the server is still fine


def test_http_level_errors(agent_server):
    server = agent_server(max_body_bytes=1024)
    assert post(server, "/v1/nothing", PING).status_code == 404
    assert get(server, "/v1/commands").status_code == 405
    too_big = post(server, "/v1/commands", b"x" * 2048)
    assert too_big.status_code == 413 and too_big.json()["error"] == "too_large"


def test_batch_answers_in_order(agent_server, client_for):
    client = client_for(agent_server())
    vm = VmSpec(name="b1", cpus=1, memory_mib=128)
    answers = client.send_batch(
        [c.StartVmCommand(vm=vm), c.CheckVmCommand(vm_name="b1"), c.RebootVmCommand(vm_name="zz")]
    )
    assert [type(a) for a in answers] == [c.StartVmAnswer, c.VmAnswer, c.VmAnswer]
    assert [a.result for a in answers] == [True, True, False]
    assert answers[1].state == "running" and answers[2].error == "vm_not_found"


def test_unexpected_resource_exception_becomes_internal_error(agent_server, client_for):
    server = agent_server()
    resource = server.provider.get(None)

    def boom(cmd):
        raise RuntimeError("bug")

    resource.operations["ping"] = boom
    answer = client_for(server).send(c.PingCommand())
    assert (answer.result, answer.error) == (False, "internal_error") and "bug" in answer.details


def test_client_errors_are_typed(agent_server, client_for):
    server = agent_server()
    with pytest.raises(AgentAuthError):
        client_for(server, secret="wrong-secret-0123456789").send(c.PingCommand())
    dead = AgentClient("http://127.0.0.1:9", SECRET, timeout=(1, 1))
    with pytest.raises(AgentUnreachable):
        dead.send(c.PingCommand())
    bad_prefix = AgentClient(server.url + "/nope", SECRET)
    with pytest.raises(AgentCommandError) as info:
        bad_prefix.health()
    assert info.value.status == 404 and info.value.error == "not_found"


def test_client_read_timeout_covers_deliberate_waits():
    client = AgentClient("http://127.0.0.1:9", SECRET, timeout=(2, 10))
    assert client._timeout_for([c.PingCommand()]) == (2, 10)
    assert client._timeout_for([c.StopVmCommand(vm_name="a", timeout_s=300)]) == (2, 330)
    copy = c.CopyTemplateCommand(source="file:///t", pool="p", volume="v")
    assert client._timeout_for([copy]) == (2, 3630)
    assert AgentClient("http://x", SECRET, timeout=5)._timeout_for(
        [c.StopVmCommand(vm_name="a", timeout_s=1)]
    ) == (5, 31)


def test_tls_is_verified(agent_server, client_for, tmp_path):
    cert, key, _ = self_signed(tmp_path)
    server = agent_server(tls_cert=cert, tls_key=key)
    assert server.url.startswith("https://")
    assert client_for(server, verify=cert).send(c.PingCommand()).result
    with pytest.raises(AgentUnreachable):
        client_for(server).send(c.PingCommand())  # default: system CAs, self-signed refused


def test_cli_serves_until_sigterm(tmp_path):
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = tmp_path / "agent.toml"
    cfg.write_text(f'secret = "{SECRET}"\n[resource]\ncpus = 4\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "agents", "serve", "--resource", "simulator",
         "--listen", f"127.0.0.1:{port}", "--config", str(cfg)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        client = AgentClient(f"http://127.0.0.1:{port}", SECRET, timeout=(1, 5))
        deadline = time.monotonic() + 15
        while True:
            try:
                assert client.health()["status"] == "ok"
                break
            except AgentUnreachable:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert client.send(c.ReadyCommand()).cpus == 4
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_rejects_a_bad_config(tmp_path):
    import subprocess
    import sys

    cfg = tmp_path / "agent.json"
    cfg.write_text(json.dumps({"secret": "short"}))
    proc = subprocess.run(
        [sys.executable, "-m", "agents", "serve", "--resource", "simulator",
         "--listen", "127.0.0.1:0", "--config", str(cfg)],
        capture_output=True, timeout=30,
    )  # fmt: skip
    assert proc.returncode != 0 and b"secret" in proc.stderr


def test_config_files(tmp_path):
    from agents.config import AgentConfig
    from agents.errors import InvalidCommand

    toml = tmp_path / "a.toml"
    toml.write_text('secret = "0123456789abcdef"\nrequest_timeout_s = 5\n[resource]\nuri = "x"\n')
    cfg = AgentConfig.load(toml)
    assert (cfg.request_timeout_s, cfg.resource) == (5.0, {"uri": "x"})
    js = tmp_path / "a.json"
    js.write_text(json.dumps({"secret": "0123456789abcdef", "resource": {"cpus": 2}}))
    assert AgentConfig.load(js).resource == {"cpus": 2}
    for bad in ({"secret": "0123456789abcdef", "typo": 1}, {"secret": 5}, {"secret": "x" * 16,
                "resource": []}):  # fmt: skip
        js.write_text(json.dumps(bad))
        with pytest.raises(InvalidCommand):
            AgentConfig.load(js)
