"""The extension commands through the ``cs`` client against a live portal: the MockCloud
extension imported by path, a cluster registered with it, a host and a template with
externaldetails, an instance deployed, a custom action run and everything removed again;
errors arrive as CloudStack error codes."""

import shutil

import pytest
from cs import CloudStackApiException

from tests.cloudstack.external_fixtures import MOCKCLOUD_TOKEN as TOKEN
from tests.marketplace.helpers import MOCKCLOUD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(live_cs_api, tmp_path):
    root = tmp_path / "extensions"
    shutil.copytree(MOCKCLOUD, root / "MockCloud", ignore=shutil.ignore_patterns("mock_backend*"))
    return live_cs_api(root)


def test_cs_client_runs_the_external_flow(api, mockcloud_backend, external_zone):
    from compute.models import ServiceOffering
    from storage.models import OSType

    zone, pod = external_zone
    backend = mockcloud_backend

    extension = api.createExtension(
        name="MockCloud",
        type="Orchestrator",
        path="MockCloud/mockcloud.py",
        orchestratorrequirespreparevm=True,
        details={"site": "lab"},
    )["extension"]
    found = api.listExtensions(name="MockCloud", fetch_list=True)
    assert [e["id"] for e in found] == [extension["id"]] and found[0]["pathready"] is True
    updated = api.updateExtension(id=extension["id"], description="MockCloud backend")
    assert updated["extension"]["description"] == "MockCloud backend"
    with pytest.raises(CloudStackApiException) as error:
        api.createExtension(name="MockCloud", type="Orchestrator")
    assert error.value.error["errorcode"] == 431

    cluster = api.addCluster(
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clustername="mc",
        clustertype="CloudManaged",
        hypervisor="External",
    )["cluster"][0]
    api.registerExtension(
        extensionid=extension["id"],
        resourcetype="Cluster",
        resourceid=cluster["id"],
        details={"region": "eu"},
    )
    host = api.addHost(
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clusterid=cluster["id"],
        hypervisor="External",
        url="mockcloud-a",
        externaldetails={"url": backend.url, "token": TOKEN},
    )["host"][0]
    assert host["state"] == "Up" and host["extensionname"] == "MockCloud"
    template = api.registerTemplate(
        name="img",
        displaytext="img",
        url="http://example.invalid/img",
        format="RAW",
        hypervisor="External",
        ostypeid=str(OSType.objects.first().uuid),
        externaldetails={"image": "debian"},
    )["template"][0]
    assert template["isready"] is True

    offering = ServiceOffering.objects.get(name="Small Instance")
    vm = api.deployVirtualMachine(
        zoneid=str(zone.uuid), serviceofferingid=str(offering.uuid), templateid=template["id"]
    )["virtualmachine"]
    assert vm["state"] == "Running" and len(backend.vms) == 1

    action = api.addCustomAction(
        extensionid=extension["id"],
        name="Resize",
        parameters=[{"name": "cpus", "type": "NUMBER", "required": True}],
    )["extensioncustomaction"]
    actions = api.listCustomActions(resourceid=vm["id"], fetch_list=True)
    assert [a["id"] for a in actions] == [action["id"]]
    assert api.updateCustomAction(id=action["id"], description="More CPUs")["success"] is True
    result = api.runCustomAction(
        customactionid=action["id"], resourceid=vm["id"], parameters={"cpus": 2}
    )["customactionresult"]
    assert result["success"] is True and result["result"]["message"] == "Now 2 CPUs"
    with pytest.raises(CloudStackApiException) as error:
        api.runCustomAction(customactionid=action["id"], resourceid=vm["id"])
    assert error.value.error["errorcode"] == 431

    api.destroyVirtualMachine(id=vm["id"], expunge=True)
    assert backend.vms == {}
    api.deleteCustomAction(id=action["id"])
    api.unregisterExtension(
        extensionid=extension["id"], resourcetype="Cluster", resourceid=cluster["id"]
    )
    assert api.listExtensions(id=extension["id"])["extension"][0].get("resources", []) == []
