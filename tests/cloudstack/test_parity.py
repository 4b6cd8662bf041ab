"""No silent ignoring: every upstream parameter of an implemented command is declared (and
read) or refused with 431 naming it; parameters upstream does not know are ignored."""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

import pytest

import portal.cloudstack.commands  # noqa: F401  (registers every command)
from portal.cloudstack import upstream, views
from portal.cloudstack.context import Context
from portal.cloudstack.registry import CUSTOM_JOB_ID, LIST_PARAMS, OWNER_PARAMS, REGISTRY

SHARED_REFERENCE = Path(__file__).resolve().parents[3] / "shared/reference/cloudstack-apis.json"
# Answered by the endpoint itself, before dispatch (views._login).
SPECIAL = {"login"}
# Declared parameters no command module reads by name, each accepted on purpose.
READ_ELSEWHERE = {
    ("login", "username"): "portal.cloudstack.auth.login",
    ("login", "password"): "portal.cloudstack.auth.login",
    ("login", "domain"): "portal.cloudstack.auth.login",
    ("updateVirtualMachine", "id"): "read by vms._target",
    ("listZones", "available"): "every zone the caller may see is available to it",
    ("listCapacity", "fetchlatest"): "capacity is computed from the rows at every call",
    ("deleteNetwork", "forced"): "the deletion has no backend step that could fail",
    ("resizeVolume", "shrinkok"): "shrinking is refused whatever shrinkok says",
    ("createSnapshot", "asyncbackup"): "snapshots stay on primary storage: no backup stage",
    ("listVirtualMachines", "details"): "every detail group is always answered",
    ("listProjects", "listall"): "projects are listed by role and membership",
    ("deployVirtualMachine", "affinitygroupids"): "read by affinity.groups_from",
    ("deployVirtualMachine", "affinitygroupnames"): "read by affinity.groups_from",
}


def implemented():
    return sorted(n for n in REGISTRY if n not in SPECIAL)


def test_every_implemented_command_exists_upstream():
    assert [n for n in REGISTRY if upstream.upstream_name(n) != n] == []


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="the shared reference is not here")
def test_stored_reference_is_the_shared_one():
    shared = upstream.compact(json.loads(SHARED_REFERENCE.read_text()))
    assert shared == upstream.reference()


def test_every_upstream_parameter_is_declared_or_refused():
    neither = []
    for name in implemented():
        cmd = REGISTRY[name]
        declared = {p.name.lower() for p in cmd.params}
        for param in upstream.params(name):
            if param not in declared and cmd.unsupported({param}) != [param]:
                neither.append(f"{name}.{param}")
    assert neither == []


def test_protocol_and_unknown_parameters_are_not_refused():
    cmd = REGISTRY["listZones"]
    assert cmd.unsupported({"response", "apikey", "signature", "expires", "bogus"}) == []
    assert cmd.unsupported({"storageaccessgroup", "id"}) == ["storageaccessgroup"]


def _refusable(name):
    cmd = REGISTRY[name]
    declared = {p.name.lower() for p in cmd.params}
    return sorted(upstream.params(name) - declared)


@pytest.mark.django_db
def test_real_requests_refuse_each_commands_unimplemented_parameter(cs_client, root_admin):
    """One request per implemented command (every group): its required arguments (any value:
    the refusal comes before the handler) plus one upstream argument it does not
    implement -> 431 naming that argument; the handler never ran."""
    api = cs_client(root_admin)
    checked = 0
    for name in implemented():
        refusable = _refusable(name)
        if not refusable:
            continue
        cmd = REGISTRY[name]
        args = {p.name: "x" for p in cmd.params if p.required}
        param = refusable[-1]
        value = "false" if param in upstream.TRUE_BY_DEFAULT else "true"  # not the default
        response = api.raw(name, **args, **{param: value})
        body = response.json()[cmd.response_key]
        assert response.status_code == 431, (name, body)
        assert body["cserrorcode"] == 4350, (name, body)
        assert f"unsupported parameter {param}" in body["errortext"], (name, body)
        checked += 1
    assert checked > 100


@pytest.mark.django_db
def test_map_arguments_are_refused_too(cs_client, root_admin):
    """``name[0].key=value`` arguments of an unimplemented map parameter are refused."""
    name, param = next(
        (n, p)
        for n in implemented()
        for p in _refusable(n)
        if upstream.commands()[n]["params"].get(p, ["", False])[0] == "map"
    )
    cmd = REGISTRY[name]
    args = {p.name: "x" for p in cmd.params if p.required}
    response = cs_client(root_admin).raw(name, **args, **{f"{param}[0].key": "v"})
    assert response.status_code == 431
    assert f"unsupported parameter {param}" in response.json()[cmd.response_key]["errortext"]


@pytest.mark.django_db
def test_empty_values_count_as_absent(cs_client, root_admin, seeded):
    assert cs_client(root_admin)("listZones", storageaccessgroup="")["count"] == 1


def test_declared_parameters_are_read_by_their_command_module():
    """A declared argument the module never names (outside its Param declaration) would be
    accepted and dropped: the silent ignoring this guards against. List and owner arguments
    are read by Context.listing/owned, customjobid by the dispatcher."""
    shared = {p.name for p in [*LIST_PARAMS, *OWNER_PARAMS, CUSTOM_JOB_ID]}  # read by views
    unread = []
    for name in implemented():
        cmd = REGISTRY[name]
        source = inspect.getsource(sys.modules[cmd.handler.__module__])
        source = re.sub(r'Param\(\s*"[^"]+"', "Param(", source)
        for param in cmd.params:
            if param.name in shared or (name, param.name) in READ_ELSEWHERE:
                continue
            if f'"{param.name}"' not in source:
                unread.append(f"{name}.{param.name}")
    assert unread == []


def test_parity_report(tmp_path):
    from django.core.management import call_command

    from portal.cloudstack import parity

    assert parity.group_of("deployVirtualMachine") == "Virtual Machine"
    assert parity.group_of("createNetworkOffering") == "Network Offering"
    assert parity.group_of("listWidgets") == "Widget"
    out = tmp_path / "parity.md"
    call_command("cloudstack_parity", output=str(out))
    text = out.read_text()
    total = parity.totals(REGISTRY)
    assert total["commands"] == len(implemented()) + len(SPECIAL)
    assert total["commands_upstream"] == len(upstream.commands())
    declared = sum(
        len(upstream.params(n) & {p.name.lower() for p in REGISTRY[n].params}) for n in REGISTRY
    )
    assert total["params"] == declared
    assert f"**{total['commands']} / {total['commands_upstream']}" in text
    assert f"**{total['params']} / {total['params_upstream']}" in text
    assert "| Virtual Machine |" in text and "| `deployVirtualMachine` |" in text


class _Recording(dict):
    """Parameters that remember which names the handler looked at."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


SAMPLE = {"uuid": "6f1c1b9e-0000-4000-8000-000000000001", "boolean": "true", "integer": "1",
          "long": "1", "short": "1", "date": "2024-01-01", "list": "a"}  # fmt: skip


@pytest.mark.django_db
def test_each_declared_parameter_is_read_when_sent(cs_client, root_admin, monkeypatch):
    """For every command without required arguments: send one declared argument alone; when
    the call succeeds the handler must have looked at it (else it was accepted and dropped).
    ``isrecursive`` only counts with ``domainid``, as upstream."""
    contexts = []

    class Recorded(Context):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.params = _Recording(self.params)
            contexts.append(self)

    monkeypatch.setattr(views, "Context", Recorded)
    api = cs_client(root_admin)
    dropped, checked = [], 0
    for name in implemented():
        cmd = REGISTRY[name]
        if any(p.required for p in cmd.params):
            continue
        for param in cmd.params:
            if param.type == "map" or param.name in ("isrecursive", CUSTOM_JOB_ID.name):
                continue
            if (name, param.name) in READ_ELSEWHERE:
                continue
            contexts.clear()
            response = api.raw(name, **{param.name: SAMPLE.get(param.type, "x")})
            if response.status_code != 200:
                continue  # refused after reading, or before it: nothing dropped silently
            checked += 1
            if param.name not in contexts[-1].params.read:
                dropped.append(f"{name}.{param.name}")
    assert dropped == []
    assert checked > 100


@pytest.mark.django_db
def test_unimplemented_booleans_at_their_default_ask_nothing(cs_client, root_admin, seeded):
    """Ansible's modules send booleans' defaults explicitly: an unimplemented boolean that
    restates upstream's default is accepted, any other value refused; updates always refuse."""
    assert upstream.asks_nothing("createVolume", "displayvolume", "true")
    assert not upstream.asks_nothing("createVolume", "displayvolume", "false")
    assert upstream.asks_nothing("deployVirtualMachine", "bootintosetup", "false")
    assert not upstream.asks_nothing("deployVirtualMachine", "bootintosetup", "true")
    assert not upstream.asks_nothing("deployVirtualMachine", "keyboard", "false")  # a string
    assert not upstream.asks_nothing("updateVirtualMachine", "deleteprotection", "false")
    api = cs_client(root_admin)
    zone = str(seeded["zone"].uuid)
    assert api("listZones", id=zone, showicon="false")["count"] == 1
    response = api.raw("listZones", id=zone, showicon="true")
    assert response.status_code == 431
    assert "unsupported parameter showicon" in response.json()["listzonesresponse"]["errortext"]
