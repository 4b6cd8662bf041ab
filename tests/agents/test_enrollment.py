"""Enrollment over real HTTP(S) on loopback: simulator fleet, KVM accounts, Hyper-V's WinRM
account; refusals (wrong password, unknown user, replay, expiry, rate limit, mismatch),
rotation, persistence across restarts and the add-account CLI."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from agents.accounts import Account, SecretStore
from agents.client import AgentClient
from agents.config import AgentConfig
from agents.enroll import (
    MIN_ITERATIONS,
    EnrollmentError,
    enroll,
    open_sealed,
    seal,
    transcript,
)
from agents.errors import AgentAuthError, InvalidCommand
from agents.protocol import commands as c
from agents.resources import create_provider
from agents.server import AgentHTTPServer
from tests.agents.test_agent_hyperv import ADMIN, PASSWORD, options, wsman  # noqa: F401
from tests.lab.certs import self_signed

ROOT = Path(__file__).resolve().parents[2]
USER, PW = "root", "1pass@word1"


def account(username: str = USER, password: str = PW) -> Account:
    return Account.from_password(username, password, MIN_ITERATIONS)


@pytest.fixture
def start_agent(tmp_path):
    """Agents without a static secret, enrollment state in tmp_path."""
    servers: list[AgentHTTPServer] = []

    def start(kind="simulator", resource=None, state="state.json", **config):
        config.setdefault("accounts", [account()])
        cfg = AgentConfig(resource=resource or {}, state_file=str(tmp_path / state), **config)
        server = AgentHTTPServer(("127.0.0.1", 0), create_provider(kind, cfg.resource), cfg, kind)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def client(server, secret, host_id=None, **kw) -> AgentClient:
    return AgentClient(server.url, secret, timeout=(2.0, 30.0), host_id=host_id, **kw)


def test_simulator_fleet_enrolls_each_host_with_its_own_secret(start_agent, caplog):
    caplog.set_level(logging.DEBUG)
    server = start_agent()
    one = enroll(server.url, USER, PW, host_id="h1", expected_resource="simulator")
    two = enroll(server.url, USER, PW, host_id="h2")
    assert one.resource == "simulator" and len(one.secret) == 64 and one.secret != two.secret
    facts = client(server, one.secret, "h1").send(c.StartupCommand(host_id="h1"))
    assert facts.result and facts.hostname == "h1"
    with pytest.raises(AgentAuthError, match="bad signature"):
        client(server, one.secret, "h2").send(c.PingCommand())
    with pytest.raises(AgentAuthError, match="enroll it first"):
        client(server, one.secret, "h3").send(c.PingCommand())
    for secret in (PW, one.secret, two.secret):
        assert secret not in caplog.text
    assert "enrolled h1" in caplog.text


def test_reenrolling_rotates_and_the_old_secret_gets_401(start_agent):
    server = start_agent()
    old = enroll(server.url, USER, PW, host_id="h1").secret
    new = enroll(server.url, USER, PW, host_id="h1").secret
    assert new != old
    assert client(server, new, "h1").send(c.PingCommand()).result
    with pytest.raises(AgentAuthError):
        client(server, old, "h1").send(c.PingCommand())


def test_wrong_password_and_unknown_user_are_refused_alike(start_agent):
    server = start_agent()
    for user, password in ((USER, "wrong-password"), ("nobody", PW)):
        with pytest.raises(EnrollmentError, match="wrong username or password") as err:
            enroll(server.url, user, password, host_id="h1")
        assert err.value.reason == "refused"
    assert server.enrollment.store.secrets_for("h1") == []


def _step1(server, username, path="/v1/hosts/h1/enroll"):
    body = {"step": 1, "username": username, "client_nonce": "ab" * 16}
    return requests.post(server.url + path, json=body, timeout=10).json()


def test_unknown_users_get_a_stable_fake_salt(start_agent):
    server = start_agent()
    first, again, other = _step1(server, "ghost"), _step1(server, "ghost"), _step1(server, "x")
    assert first["salt"] == again["salt"] != other["salt"]
    assert first["challenge_id"] != again["challenge_id"]
    assert set(first) == set(_step1(server, USER))


def _capture_step2(server, monkeypatch):
    """Enroll once and return the step-2 body the client sent."""
    sent = []
    real_post = requests.Session.post

    def spy(self, url, json=None, **kw):
        sent.append(json)
        return real_post(self, url, json=json, **kw)

    monkeypatch.setattr(requests.Session, "post", spy)
    enroll(server.url, USER, PW, host_id="h1")
    monkeypatch.undo()
    return sent[1]


def test_a_captured_step2_cannot_be_replayed(start_agent, monkeypatch):
    server = start_agent()
    step2 = _capture_step2(server, monkeypatch)
    replay = requests.post(f"{server.url}/v1/hosts/h1/enroll", json=step2, timeout=10)
    assert replay.status_code == 401
    assert replay.json()["details"] == "enrollment challenge unknown, already used or expired"


def test_an_expired_challenge_is_refused(start_agent):
    server = start_agent()
    server.enrollment.challenge_ttl_s = -1
    with pytest.raises(EnrollmentError, match="expired"):
        enroll(server.url, USER, PW, host_id="h1")


def test_failed_proofs_are_rate_limited(start_agent):
    server = start_agent()
    for _ in range(server.enrollment.max_failures):
        with pytest.raises(EnrollmentError, match="wrong username"):
            enroll(server.url, USER, "guess", host_id="h1")
    with pytest.raises(EnrollmentError, match="too many failed") as err:
        enroll(server.url, USER, PW, host_id="h1")
    assert err.value.reason == "rate_limited"


def test_hypervisor_mismatch_stops_before_anything_is_issued(start_agent):
    server = start_agent()
    with pytest.raises(EnrollmentError, match="runs the simulator resource") as err:
        enroll(server.url, USER, PW, host_id="h1", expected_resource="kvm")
    assert err.value.reason == "hypervisor_mismatch"
    assert server.enrollment.store.secrets_for("h1") == []


def test_issued_secrets_survive_a_restart_in_a_0600_state_file(start_agent, tmp_path):
    accounts = [account()]
    first = start_agent(accounts=accounts)
    secret = enroll(first.url, USER, PW, host_id="h1").secret
    first.stop()
    state = tmp_path / "state.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    restarted = start_agent(accounts=accounts)
    assert client(restarted, secret, "h1").send(c.PingCommand()).result


def test_the_static_secret_still_works_next_to_issued_ones(start_agent):
    server = start_agent(secret="static-secret-0123456789")
    issued = enroll(server.url, USER, PW, host_id="h1").secret
    assert client(server, "static-secret-0123456789", "h1").send(c.PingCommand()).result
    assert client(server, issued, "h1").send(c.PingCommand()).result


def test_an_agent_needs_a_secret_or_accounts():
    with pytest.raises(InvalidCommand, match="add-account"):
        AgentHTTPServer(
            ("127.0.0.1", 0), create_provider("simulator", {}), AgentConfig(), "simulator"
        )


def test_kvm_accounts_on_the_libvirt_test_driver(start_agent):
    pytest.importorskip("libvirt")
    server = start_agent("kvm", {"uri": "test:///default", "manage_bridges": False})
    with pytest.raises(EnrollmentError, match="no enrollment endpoint"):
        enroll(server.url, USER, PW, host_id="h1")  # single-host agent: no fleet path
    got = enroll(server.url, USER, PW, expected_resource="kvm")
    facts = client(server, got.secret).send(c.StartupCommand())
    assert facts.result and facts.hypervisor == "kvm"


def test_hyperv_enrolls_with_its_winrm_account(wsman, start_agent):  # noqa: F811
    winrm, _fake = wsman
    server = start_agent("hyperv", options(winrm), accounts=[])
    with pytest.raises(EnrollmentError, match="wrong username or password"):
        enroll(server.url, ADMIN, "not-the-password")
    got = enroll(server.url, ADMIN.lower(), PASSWORD, expected_resource="hyperv")
    assert client(server, got.secret).send(c.StartupCommand()).hypervisor == "hyperv"


def test_enrollment_over_https_verifies_the_agent_certificate(start_agent, tmp_path):
    cert, key, _ = self_signed(tmp_path)
    server = start_agent(tls_cert=cert, tls_key=key)
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        enroll(server.url, USER, PW, host_id="h1")
    got = enroll(server.url, USER, PW, host_id="h1", verify=cert)
    assert client(server, got.secret, "h1", verify=cert).send(c.PingCommand()).result


def test_a_tampered_seal_is_detected():
    key, script = os.urandom(32), transcript({"x": 1})
    sealed = seal(key, script, b"s" * 64)
    assert open_sealed(key, script, sealed) == b"s" * 64
    with pytest.raises(EnrollmentError, match="integrity"):
        open_sealed(key, transcript({"x": 2}), sealed)
    with pytest.raises(EnrollmentError, match="integrity"):
        open_sealed(os.urandom(32), script, sealed)


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_add_account_cli_stores_a_verifier_not_the_password(tmp_path, suffix):
    config = tmp_path / f"agent{suffix}"
    config.write_text('secret = "static-secret-0123456789"\n' if suffix == ".toml" else "{}")
    run = subprocess.run(
        [sys.executable, "-m", "agents", "add-account", "--config", str(config),
         "--username", USER, "--iterations", str(MIN_ITERATIONS)],
        input=PW + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert PW not in config.read_text()
    loaded = AgentConfig.load(config)
    assert [a.username for a in loaded.accounts] == [USER]
    assert loaded.state_file == str(config) + ".state.json"
    if suffix == ".json":
        assert json.loads(config.read_text())["accounts"][0]["iterations"] == MIN_ITERATIONS


def test_secret_store_without_a_path_is_memory_only():
    store = SecretStore()
    first = store.issue("")
    assert store.secrets_for("") == [first.encode()] and store.issue("") != first


def test_an_unwritable_state_file_refuses_to_issue_but_the_agent_runs(start_agent, caplog):
    caplog.set_level(logging.WARNING)
    server = start_agent(state="missing-dir/state.json")
    assert "cannot write the enrollment state file" in caplog.text
    with pytest.raises(Exception, match="cannot keep the issued secret"):
        enroll(server.url, USER, PW, host_id="h1")
    assert server.enrollment.store.secrets_for("h1") == []


def test_enroll_takes_post_and_json(start_agent):
    server = start_agent()
    assert requests.get(f"{server.url}/v1/enroll", timeout=10).status_code == 405
    bad = requests.post(f"{server.url}/v1/enroll", data=b"not json", timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_command"
    step = requests.post(f"{server.url}/v1/enroll", json={"step": 3}, timeout=10)
    assert step.status_code == 400 and "'step' must be 1 or 2" in step.json()["details"]
