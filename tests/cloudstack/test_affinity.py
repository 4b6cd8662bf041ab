# ruff: noqa: F811  (fixtures imported from test_clients)
"""Affinity groups through the ``cs`` client on a live server with two simulator hosts:
the planner keeps a host-affinity group together and spreads a host-anti-affinity group,
answering 533 when no host is left; updateVMAffinityGroup needs a stopped VM."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import (  # noqa: F401  (fixtures)
    _keys,
    admin_keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _api(live_server, pair) -> CloudStack:
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=pair[0],
        secret=pair[1],
        poll_interval=0.05,
        fetch_result=True,
    )


def _deploy(api, cloud, name, **params):
    return api.deployVirtualMachine(
        zoneid=str(cloud["zone"].uuid),
        serviceofferingid=str(cloud["offering"].uuid),
        templateid=str(cloud["template"].uuid),
        name=name,
        **params,
    )["virtualmachine"]


def _host_of(admin, vm_id) -> str:
    return admin.listVirtualMachines(id=vm_id)["virtualmachine"][0]["hostid"]


def test_types_and_group_lifecycle(live_server, live_cloud, keys):
    api = _api(live_server, keys)
    types = api.listAffinityGroupTypes()
    assert types["count"] == 2
    assert {t["type"] for t in types["affinityGroupType"]} == {
        "host affinity",
        "host anti-affinity",
    }
    created = api.createAffinityGroup(name="web", type="host anti-affinity", description="d")
    group = created["affinitygroup"]
    assert group["name"] == "web" and group["type"] == "host anti-affinity"
    assert group["description"] == "d" and group["account"] and group["domainid"]
    for bad, text in (
        ({"name": "web", "type": "host affinity"}, "already exists"),
        ({"name": "x", "type": "rack affinity"}, "invalid affinity group type"),
        ({"name": "x"}, "type"),
    ):
        with pytest.raises(CloudStackApiException) as err:
            api.createAffinityGroup(**bad)
        assert err.value.error["errorcode"] == 431, bad
        assert text in err.value.error["errortext"], bad
    with pytest.raises(CloudStackApiException) as err:
        api.listAffinityGroups(projectid="00000000-0000-0000-0000-000000000001")
    assert err.value.error["errorcode"] == 431
    api.createAffinityGroup(name="db", type="host affinity")
    listed = api.listAffinityGroups()
    assert [g["name"] for g in listed["affinitygroup"]] == ["db", "web"]
    assert api.listAffinityGroups(type="host affinity")["affinitygroup"][0]["name"] == "db"
    assert api.listAffinityGroups(id=group["id"])["affinitygroup"][0]["virtualmachineIds"] == []
    assert api.listAffinityGroups(keyword="we")["count"] == 1
    with pytest.raises(CloudStackApiException) as err:
        api.deleteAffinityGroup()
    assert err.value.error["errorcode"] == 431
    assert api.deleteAffinityGroup(name="db")["success"] is True
    assert api.deleteAffinityGroup(id=group["id"])["success"] is True
    assert api.listAffinityGroups() == {}


def test_anti_affinity_spreads_then_refuses_with_533(live_server, live_cloud, keys, admin_keys):
    from compute.models import Host

    api, admin = _api(live_server, keys), _api(live_server, admin_keys)
    group = api.createAffinityGroup(name="spread", type="host anti-affinity")["affinitygroup"]
    first = _deploy(api, live_cloud, "a1", affinitygroupids=group["id"])
    second = _deploy(api, live_cloud, "a2", affinitygroupnames="spread")
    assert first["affinitygroup"][0]["id"] == group["id"]
    assert _host_of(admin, first["id"]) != _host_of(admin, second["id"])
    members = api.listVirtualMachines(affinitygroupid=group["id"])["virtualmachine"]
    assert {v["id"] for v in members} == {first["id"], second["id"]}
    listed = api.listAffinityGroups(virtualmachineid=first["id"])["affinitygroup"]
    assert sorted(listed[0]["virtualmachineIds"]) == sorted([first["id"], second["id"]])
    allocated = sorted(Host.objects.values_list("cpu_allocated_mhz", flat=True))
    with pytest.raises(CloudStackApiException) as err:
        _deploy(api, live_cloud, "a3", affinitygroupids=group["id"])
    assert err.value.error["errorcode"] == 533
    assert "host anti-affinity group spread" in err.value.error["errortext"]
    assert sorted(Host.objects.values_list("cpu_allocated_mhz", flat=True)) == allocated
    # outside the group the same VM fits: the refusal was the group's rule
    assert _deploy(api, live_cloud, "free")["state"] == "Running"


def test_host_affinity_keeps_members_together(live_server, live_cloud, keys, admin_keys):
    api, admin = _api(live_server, keys), _api(live_server, admin_keys)
    api.createAffinityGroup(name="together", type="host affinity")
    vms = [_deploy(api, live_cloud, f"t{i}", affinitygroupnames="together") for i in range(3)]
    assert len({_host_of(admin, vm["id"]) for vm in vms}) == 1


def test_update_vm_affinity_group_needs_a_stopped_vm(live_server, live_cloud, keys, admin_keys):
    api, admin = _api(live_server, keys), _api(live_server, admin_keys)
    group = api.createAffinityGroup(name="apart", type="host anti-affinity")["affinitygroup"]
    first = _deploy(api, live_cloud, "u1", affinitygroupids=group["id"])
    second = _deploy(api, live_cloud, "u2")
    with pytest.raises(CloudStackApiException) as err:
        api.updateVMAffinityGroup(id=second["id"], affinitygroupids=group["id"])
    assert err.value.error["errorcode"] == 431
    assert "make sure the virtual machine is stopped" in err.value.error["errortext"]
    assert _host_of(admin, first["id"]) == _host_of(admin, second["id"])  # first fit
    api.stopVirtualMachine(id=second["id"])
    # its last host is the first one's: the group applied, the next start goes elsewhere
    updated = api.updateVMAffinityGroup(id=second["id"], affinitygroupids=group["id"])
    assert [g["name"] for g in updated["virtualmachine"]["affinitygroup"]] == ["apart"]
    api.startVirtualMachine(id=second["id"])
    assert _host_of(admin, first["id"]) != _host_of(admin, second["id"])
    api.stopVirtualMachine(id=second["id"])
    cleared = api.updateVMAffinityGroup(id=second["id"], affinitygroupnames="")
    assert cleared["virtualmachine"].get("affinitygroup", []) == []


def test_other_tenants_groups_are_not_found(
    live_server, live_cloud, keys, tenant, other_tenant, domain_admin, root_admin
):
    from tests.factories import AccountFactory, UserFactory

    api = _api(live_server, keys)
    group = api.createAffinityGroup(name="mine", type="host affinity")["affinitygroup"]
    theirs = _api(live_server, _keys(other_tenant))
    assert theirs.listAffinityGroups(listall=True) == {}
    for call in (
        lambda: theirs.listAffinityGroups(id=group["id"]),
        lambda: theirs.deleteAffinityGroup(id=group["id"]),
        lambda: theirs.deleteAffinityGroup(name="mine"),
        lambda: _deploy(theirs, live_cloud, "x", affinitygroupids=group["id"]),
        lambda: _deploy(theirs, live_cloud, "x", affinitygroupnames="mine"),
    ):
        with pytest.raises(CloudStackApiException) as err:
            call()
        assert err.value.error["errorcode"] == 431
    assert theirs.listVirtualMachines() == {}  # the refused deploys left nothing
    root = _api(live_server, _keys(root_admin))
    assert root.listAffinityGroups() == {}
    assert root.listAffinityGroups(id=group["id"])["count"] == 1  # by id without listall
    assert root.listAffinityGroups(listall=True)["affinitygroup"][0]["id"] == group["id"]
    # a domain admin sees the groups of its subtree only
    sub = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
    _api(live_server, _keys(sub)).createAffinityGroup(name="sub", type="host affinity")
    dom = _api(live_server, _keys(domain_admin))
    assert [g["name"] for g in dom.listAffinityGroups(listall=True)["affinitygroup"]] == ["sub"]
    # and may create one for an account of its domain
    made = dom.createAffinityGroup(
        name="for-sub",
        type="host anti-affinity",
        account=sub.account.name,
        domainid=str(sub.account.domain.uuid),
    )["affinitygroup"]
    assert made["account"] == sub.account.name
