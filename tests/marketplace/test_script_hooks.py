"""Script extensions of the hook types (authenticator, second factor, planner, network
element, state-transition hook, domain XML rewriter): each one gets its documented JSON
payload through the sandboxed runner and its answer changes the outcome."""

import json
import sys

import pytest

from agents.protocol.commands import ApplyNetworkRulesCommand
from compute.lifecycle.specs import rewriter_metadata
from compute.lifecycle.states import set_state
from compute.planner import InsufficientCapacity, PlacementRequest, place
from marketplace import hooks, runner, script_hooks
from marketplace.choices import ExtensionType
from marketplace.models import ExtensionRun
from marketplace.script_hooks import ScriptError
from marketplace.services.extensions import create_extension, set_extension_enabled
from networking.rule_handlers import plugin_elements
from portal.auth.hooks import authenticate_user, check_second_factor
from tests.factories import ClusterFactory, HostFactory, InstanceFactory, NetworkFactory

pytestmark = pytest.mark.django_db

SCRIPT = """#!{python}
import json, sys, time
action, path, timeout = sys.argv[1:4]
payload = json.load(open(path))
with open(payload["details"]["record"], "a") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "payload": payload}}) + "\\n")
{body}
"""


@pytest.fixture(autouse=True)
def _forget_registrations():
    script_hooks.clear()
    yield
    script_hooks.clear()


@pytest.fixture
def make(plugins_dir, root_admin, tmp_path):
    """``make(type, body, enabled=True)``: an extension whose script records its argv and
    payload in ``calls(extension)`` and then runs ``body``."""

    def build(kind, body, *, name=None, enabled=True, timeout=30):
        record = tmp_path / f"{name or kind}.jsonl"
        extension = create_extension(
            acting_user=root_admin,
            name=name or kind.replace(".", "-"),
            type=kind,
            files={"hook.py": SCRIPT.format(python=sys.executable, body=body)},
            entrypoint="hook.py",
            details={"record": str(record)},
            timeout=timeout,
        )
        if enabled:
            set_extension_enabled(extension, True, acting_user=root_admin)
        extension.record = record
        return extension

    return build


def calls(extension) -> list[dict]:
    if not extension.record.exists():
        return []
    return [json.loads(line) for line in extension.record.read_text().splitlines()]


def payload_of(call: dict) -> dict:
    return {k: v for k, v in call["payload"].items() if k != "details"}


AUTH = """
if payload["password"] == "open-sesame":
    print(json.dumps({"result": "allow"}))
elif payload["username"] == "skipme":
    print(json.dumps({"result": "skip"}))
else:
    print(json.dumps({"result": "deny"}))
"""


def test_authenticator_allows_and_denies_logins(make, tenant):
    extension = make(ExtensionType.AUTHENTICATOR, AUTH)
    domain = tenant.account.domain.path
    assert authenticate_user(None, tenant.username, "open-sesame", domain) == tenant
    (call,) = calls(extension)
    assert payload_of(call) == {
        "username": tenant.username,
        "password": "open-sesame",
        "domain": domain,
        "client_ip": "",
    }
    assert call["argv"][0] == "auth.authenticate" and "open-sesame" not in call["argv"]
    # deny refuses even the user's right local password
    assert authenticate_user(None, tenant.username, "Secret-pass-1", domain) is None
    # allowed, but in another domain: no such user there, nobody is created
    assert authenticate_user(None, tenant.username, "open-sesame", "/elsewhere/") is None
    # skip falls through to Django's own check
    assert hooks.first_result("auth.authenticate", "skipme", "x", None, None) is None
    assert ExtensionRun.objects.filter(extension=extension).count() == 4
    assert not ExtensionRun.objects.filter(stdout__contains="open-sesame").exists()


def test_second_factor_accepts_the_scripts_codes(make, tenant):
    body = 'print(json.dumps({"valid": payload["code"] == "424242"}))'
    extension = make(ExtensionType.SECOND_FACTOR, body)
    assert check_second_factor(tenant, "424242") is True
    assert check_second_factor(tenant, "000000") is False
    assert payload_of(calls(extension)[0]) == {"username": tenant.username, "code": "424242"}


def test_planner_order_is_applied_to_placement(make, defaults):
    cluster = ClusterFactory()
    first, second, third = (HostFactory(cluster=cluster) for _ in range(3))
    # every host but the one with the lowest id, highest id first
    body = (
        'ids = sorted(h["id"] for h in payload["hosts"])\nprint(json.dumps({"hosts": ids[:0:-1]}))'
    )
    extension = make(ExtensionType.PLANNER, body, name="reverse")
    request = PlacementRequest(zone=cluster.zone, cpu_number=1, cpu_speed=500, memory_mib=64)
    assert place(request, "script:reverse").host == third
    sent = payload_of(calls(extension)[0])
    assert [h["id"] for h in sent["hosts"]] == [first.pk, second.pk, third.pk]
    assert set(sent["hosts"][0]) == {"id", "name", "free_cpu_mhz", "free_memory_mib", "tags"}
    assert sent["request"]["cpu_number"] == 1 and sent["request"]["memory_mib"] == 64
    assert sent["request"]["zone"]["id"] == cluster.zone.pk
    # the hosts it leaves out are dropped: the only candidate left is never named
    request.avoid_host_ids = {third.pk, second.pk}
    with pytest.raises(InsufficientCapacity):
        place(request, "script:reverse")


def test_network_element_is_offered_and_applied(make, defaults):
    body = """
if payload["network"]["cidr"] == "10.1.1.0/24":
    print(json.dumps({"result": "ok"}))
else:
    print("no route to the appliance", file=sys.stderr)
    print(json.dumps({"result": "error"}))
"""
    extension = make(ExtensionType.NETWORK_ELEMENT, body, name="fw-script")
    network = NetworkFactory()
    offering = network.network_offering
    offering.services = {**(offering.services or {}), "Firewall": ["fw-script"]}
    offering.save(update_fields=["services"])
    elements = plugin_elements(network)
    assert list(elements) == ["fw-script"]
    command = ApplyNetworkRulesCommand(network_id=f"n{network.pk}", guest_cidr="10.1.1.0/24")
    elements["fw-script"]().apply(network, command)
    sent = payload_of(calls(extension)[0])
    assert sent["network"]["id"] == network.pk and sent["network"]["cidr"] == "10.1.1.0/24"
    assert sent["rules"]["network_id"] == f"n{network.pk}"
    network.cidr = "10.9.9.0/24"
    with pytest.raises(ScriptError, match="no route to the appliance"):
        elements["fw-script"]().apply(network, command)


def test_state_transition_script_runs_after_commit(
    make, defaults, django_capture_on_commit_callbacks
):
    extension = make(ExtensionType.STATE_HOOK, 'print("{}")')
    instance = InstanceFactory(state="Starting")
    with django_capture_on_commit_callbacks(execute=True):
        set_state(instance, "Running")
    (call,) = calls(extension)
    assert payload_of(call) == {
        "instance": {
            "uuid": str(instance.uuid),
            "name": instance.name,
            "account": instance.account.name,
        },
        "old_state": "Starting",
        "new_state": "Running",
        "event": "result",
    }
    run = ExtensionRun.objects.get(extension=extension)
    assert run.resource_id == str(instance.uuid) and run.success


def test_domain_xml_rewriter_rewrites_the_metadata(make, defaults):
    body = (
        'meta = dict(payload["metadata"], cpu_mode="host-passthrough",'
        ' owner=payload["instance"]["name"])\nprint(json.dumps({"metadata": meta}))'
    )
    extension = make(ExtensionType.XML_REWRITER, body)
    instance = InstanceFactory()
    assert rewriter_metadata(instance) == {"cpu_mode": "host-passthrough", "owner": instance.name}
    assert payload_of(calls(extension)[0])["metadata"] == {}


def test_disabled_extension_is_not_run(make, tenant, root_admin):
    extension = make(ExtensionType.AUTHENTICATOR, AUTH, enabled=False)
    assert script_hooks.registered() == {}
    assert (
        hooks.first_result("auth.authenticate", tenant.username, "open-sesame", None, None) is None
    )
    set_extension_enabled(extension, True, acting_user=root_admin)
    assert script_hooks.registered() == {extension.pk: ("auth.authenticate", extension.name)}
    set_extension_enabled(extension, False, acting_user=root_admin)
    assert hooks.call_hooks("auth.authenticate", tenant.username, "open-sesame", None, None) == []
    assert calls(extension) == [] and not ExtensionRun.objects.exists()


def test_garbage_output_is_isolated_and_recorded(make, defaults, tenant):
    make(ExtensionType.XML_REWRITER, 'print("this is not json")', name="garbage")
    make(ExtensionType.SECOND_FACTOR, 'print("[1, 2]")', name="not-an-object")
    instance = InstanceFactory()
    assert rewriter_metadata(instance) == {}  # value passes unchanged
    assert hooks.call_hooks("auth.2fa.check", tenant, "1") == [None, None]  # TOTP, script
    assert check_second_factor(tenant, "1") is False
    run = ExtensionRun.objects.get(extension__name="garbage")
    assert run.stdout.strip() == "this is not json" and run.exit_code == 0


def test_timeout_is_isolated_and_recorded(make, defaults, tenant, monkeypatch):
    real = runner.run_executable
    monkeypatch.setattr(
        runner, "run_executable", lambda argv, **kw: real(argv, **{**kw, "timeout": 1})
    )
    extension = make(ExtensionType.AUTHENTICATOR, "time.sleep(30)", timeout=1)
    cluster = ClusterFactory()
    host = HostFactory(cluster=cluster)
    make(ExtensionType.PLANNER, "time.sleep(30)", name="slow", timeout=1)
    assert hooks.first_result("auth.authenticate", tenant.username, "pw", None, None) is None
    run = ExtensionRun.objects.get(extension=extension)
    assert run.timed_out and not run.success
    # a planner that times out falls back to first fit
    request = PlacementRequest(zone=cluster.zone, cpu_number=1, cpu_speed=500, memory_mib=64)
    assert place(request, "script:slow").host == host
    assert ExtensionRun.objects.filter(extension__name="slow", timed_out=True).count() == 1
