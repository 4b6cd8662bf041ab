"""attachIso, detachIso, updateIso, updateTemplate through the ``cs`` client against a live
server whose hosts are simulator agents (jobs run inline): the CD-ROM change reaches the
agent's VM, errors are CloudStack's, other tenants' ISOs and VMs are out of reach."""

import pytest
from cs import CloudStackApiException

from tests.cloudstack.live_api import cs_api
from tests.cloudstack.test_clients import (  # noqa: F401
    _keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _iso(account, **kwargs):
    from tests.factories import TemplateFactory

    fields = {
        "is_iso": True,
        "format": "ISO",
        "hypervisor": "",
        "zone": None,
        "is_public": False,
        "install_path": "/srv/secondary/template/tmpl/1/1/tools.iso",
    }
    return TemplateFactory(account=account, **(fields | kwargs))


def _sim_vm(simulator, vm_id):
    from compute.lifecycle import specs
    from compute.models import Instance

    name = specs.vm_name(Instance.objects.get(uuid=vm_id))
    for host in simulator.provider.hosts().values():
        if name in host.vms:
            return host.vms[name]
    raise AssertionError(f"{name} is on no simulated host")


def _deploy(api, cloud, name="iso-vm"):
    return api.deployVirtualMachine(
        zoneid=str(cloud["zone"].uuid),
        serviceofferingid=str(cloud["offering"].uuid),
        templateid=str(cloud["template"].uuid),
        name=name,
    )["virtualmachine"]


def _iso_disks(sim_vm):
    return [d for d in sim_vm.spec.disks if d.type == "iso"]


def test_attach_swap_detach_iso_reaches_the_agent(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    tenant,
    simulator,
):
    iso = _iso(tenant.account, name="tools")
    other = _iso(tenant.account, name="drivers", install_path="/srv/secondary/drivers.iso")
    api = cs_api(live_server, keys)
    vm = _deploy(api, live_cloud)
    assert vm["state"] == "Running" and "isoid" not in vm

    attached = api.attachIso(id=str(iso.uuid), virtualmachineid=vm["id"])["virtualmachine"]
    assert (attached["isoid"], attached["isoname"]) == (str(iso.uuid), "tools")
    disks = _iso_disks(_sim_vm(simulator, vm["id"]))
    assert [d.path for d in disks] == [iso.install_path]

    # a second ISO is refused unless forced, which swaps it on the running VM
    with pytest.raises(CloudStackApiException) as err:
        api.attachIso(id=str(other.uuid), virtualmachineid=vm["id"])
    assert err.value.error["errorcode"] == 431
    assert "already attached" in err.value.error["errortext"]
    swapped = api.attachIso(id=str(other.uuid), virtualmachineid=vm["id"], forced=True)
    assert swapped["virtualmachine"]["isoname"] == "drivers"
    assert [d.path for d in _iso_disks(_sim_vm(simulator, vm["id"]))] == [other.install_path]
    listed = api.listVirtualMachines(id=vm["id"], fetch_list=True)[0]
    assert listed["isoid"] == str(other.uuid)

    detached = api.detachIso(virtualmachineid=vm["id"])["virtualmachine"]
    assert "isoid" not in detached
    assert _iso_disks(_sim_vm(simulator, vm["id"])) == []
    with pytest.raises(CloudStackApiException) as err:
        api.detachIso(virtualmachineid=vm["id"])
    assert err.value.error["errorcode"] == 431
    assert "does not have an ISO" in err.value.error["errortext"]


def test_iso_on_a_stopped_vm_comes_with_the_next_start(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    tenant,
    simulator,
):
    iso = _iso(tenant.account, name="later")
    api = cs_api(live_server, keys)
    vm = _deploy(api, live_cloud, "stopped-iso")
    api.stopVirtualMachine(id=vm["id"])
    assert api.attachIso(id=str(iso.uuid), virtualmachineid=vm["id"])["virtualmachine"]["isoid"]
    api.startVirtualMachine(id=vm["id"])
    assert [d.path for d in _iso_disks(_sim_vm(simulator, vm["id"]))] == [iso.install_path]


def test_iso_errors_and_other_tenants(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    tenant,
    other_tenant,
):
    from storage.choices import TemplateState

    api = cs_api(live_server, keys)
    other_api = cs_api(live_server, _keys(other_tenant))
    vm = _deploy(api, live_cloud, "mine")
    foreign_iso = _iso(other_tenant.account, name="foreign")
    not_ready = _iso(tenant.account, name="half", state=TemplateState.DOWNLOADING)

    for call, params in (
        (api.attachIso, {"id": str(foreign_iso.uuid), "virtualmachineid": vm["id"]}),
        (api.attachIso, {"id": "not-a-uuid", "virtualmachineid": vm["id"]}),
        (api.attachIso, {"id": str(live_cloud["template"].uuid), "virtualmachineid": vm["id"]}),
        (api.attachIso, {"id": str(not_ready.uuid), "virtualmachineid": vm["id"]}),
        (api.attachIso, {"virtualmachineid": vm["id"]}),
        (other_api.detachIso, {"virtualmachineid": vm["id"]}),
        (other_api.attachIso, {"id": str(foreign_iso.uuid), "virtualmachineid": vm["id"]}),
        (api.updateIso, {"id": str(foreign_iso.uuid), "name": "stolen"}),
        (api.attachIso, {"id": str(foreign_iso.uuid), "virtualmachineid": vm["id"], "x": "1"}),
    ):
        with pytest.raises(CloudStackApiException) as err:
            call(**params)
        assert err.value.error["errorcode"] == 431, (params, err.value.error)
    foreign_iso.refresh_from_db()
    assert foreign_iso.name == "foreign"


def test_update_iso_and_template(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    tenant,
):
    from storage.models import OSType, Template
    from tests.factories import TemplateFactory

    api = cs_api(live_server, keys)
    iso = _iso(tenant.account, name="old")
    ostype = OSType.objects.order_by("-id").first()
    updated = api.updateIso(
        id=str(iso.uuid),
        name="new",
        displaytext="New ISO",
        bootable=False,
        ostypeid=str(ostype.uuid),
    )["iso"]
    assert (updated["name"], updated["displaytext"], updated["bootable"]) == (
        "new",
        "New ISO",
        False,
    )
    assert updated["ostypeid"] == str(ostype.uuid)
    template = TemplateFactory(account=tenant.account, zone=None, is_public=False)
    answer = api.updateTemplate(
        id=str(template.uuid),
        passwordenabled=True,
        details=[{"kernel": "/boot/vmlinuz"}],
    )["template"]
    assert answer["passwordenabled"] is True
    assert Template.objects.get(pk=template.pk).details == {"kernel": "/boot/vmlinuz"}
    api.updateTemplate(id=str(template.uuid), cleanupdetails=True)
    assert Template.objects.get(pk=template.pk).details == {}
    # an ISO is not a template, and upstream's parameters we do not implement are refused
    for params in (
        {"id": str(iso.uuid), "name": "x"},
        {"id": str(template.uuid), "sortkey": 3},
        {"id": str(template.uuid), "templatetype": "SYSTEM"},
        {"id": str(template.uuid), "format": "EXE"},
    ):
        with pytest.raises(CloudStackApiException) as err:
            api.updateTemplate(**params)
        assert err.value.error["errorcode"] in (431, 531), params
    # public templates of others (the zone's featured one) can be used, not changed
    with pytest.raises(CloudStackApiException):
        api.updateTemplate(id=str(live_cloud["template"].uuid), name="mine now")


ISO_TEMPLATE_COMMANDS = ["attachIso", "detachIso", "updateIso", "updateTemplate"]


@pytest.mark.parametrize(
    "role_name,allowed",
    [
        ("Root Admin", True),
        ("Resource Admin", True),
        ("Domain Admin", True),
        ("User", True),
        ("Read-Only Admin - Default", False),
        ("Read-Only User - Default", False),
    ],
)
def test_role_matrix(role_name, allowed, defaults):
    from portal.models import Role

    role = Role.objects.get(name=role_name)
    assert {c: role.allows(c) for c in ISO_TEMPLATE_COMMANDS} == dict.fromkeys(
        ISO_TEMPLATE_COMMANDS, allowed
    )
