"""A published third-party CloudStack extension runs unmodified: CloudStack's in-tree
Proxmox extension (``extensions/Proxmox/proxmox.sh``, bash + curl + jq) deploys, starts,
stops, reboots, reports the status of (also to the power-state sync), snapshots and deletes
an instance, driven through
the ``cs`` client against a live portal, talking HTTPS to the Proxmox API double.

The script is not vendored: it is read from the extensions directory CloudStack's package
installs (/usr/share/cloudstack-management/extensions) or from ``CLOUDSTACK_EXTENSIONS_DIR``;
without it the test is skipped."""

import json
import shutil

import pytest
from cs import CloudStackApiException

from tests.fakes.proxmox import FakeProxmox, extension_source

SOURCE = extension_source()
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(SOURCE is None, reason="CloudStack's Proxmox extension is not installed"),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("bash", "curl", "jq", "python3")),
        reason="proxmox.sh needs bash, curl, jq and python3",
    ),
]
SECRET = "0b5c1c9e-5d47-4f4e-9d3a-8d1f7f6f2a11"


@pytest.fixture
def proxmox(tmp_path):
    from tests.lab.certs import self_signed

    cert, key, _ = self_signed(tmp_path)
    server = FakeProxmox(
        user="root@pam", token="cloudstack", secret=SECRET, node="pve1", cert=(cert, key)
    ).start()
    yield server
    server.stop()


@pytest.fixture
def api(live_cs_api):
    return live_cs_api(SOURCE)


def test_proxmox_extension_runs_unmodified(api, proxmox, external_zone):
    from compute.models import Host, Instance, ServiceOffering
    from storage.models import OSType

    zone, pod = external_zone
    extension = api.createExtension(
        name="Proxmox",
        type="Orchestrator",
        path="Proxmox/proxmox.sh",
        orchestratorrequirespreparevm=True,
    )["extension"]
    assert extension["pathready"] is True
    cluster = api.addCluster(
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clustername="pve",
        clustertype="CloudManaged",
        hypervisor="External",
        extensionid=extension["id"],
    )["cluster"][0]
    host = api.addHost(
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clusterid=cluster["id"],
        hypervisor="External",
        url=proxmox.address,
        externaldetails={
            "url": proxmox.address,
            "user": "root@pam",
            "token": "cloudstack",
            "secret": SECRET,
            "node": "pve1",
            "network_bridge": "vmbr0",
            "verify_tls_certificate": "false",
        },
    )["host"][0]
    assert host["state"] == "Up"
    template = api.registerTemplate(
        name="debian-12",
        displaytext="Debian 12 (Proxmox template 9000)",
        url="http://example.invalid/unused",
        format="QCOW2",
        hypervisor="External",
        ostypeid=str(OSType.objects.first().uuid),
        extensionid=extension["id"],
        externaldetails={"template_id": "9000", "template_type": "template"},
    )["template"][0]
    offering = ServiceOffering.objects.get(name="Small Instance")

    vm = api.deployVirtualMachine(
        zoneid=str(zone.uuid), serviceofferingid=str(offering.uuid), templateid=template["id"]
    )["virtualmachine"]
    assert vm["state"] == "Running"
    instance = Instance.objects.get(uuid=vm["id"])
    proxmox_vm = proxmox.vms[100]
    assert proxmox_vm["name"] == f"i-{instance.account_id}-{instance.pk}-VM"
    assert proxmox_vm["status"] == "running"
    assert proxmox_vm["config"]["cores"] == str(offering.cpu_number)
    assert proxmox_vm["config"]["memory"] == str(offering.memory)
    mac, vlan = vm["nic"][0]["macaddress"], instance.nics.get().broadcast_uri.split("://")[-1]
    assert proxmox_vm["config"]["net0"] == f"virtio={mac},bridge=vmbr0,tag={vlan},firewall=0"

    assert api.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"
    assert proxmox_vm["status"] == "stopped"
    assert api.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert api.rebootVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert proxmox_vm["status"] == "running" and proxmox_vm["boots"] == 3

    from compute.lifecycle import external

    instance.refresh_from_db()
    status = external.run(Host.objects.get(uuid=host["id"]), instance, "status")
    assert json.loads(status.stdout) == {"status": "success", "power_state": "poweron"}
    # powered off in Proxmox: the sync finds it (proxmox.sh has no statuses: status per VM)
    from compute.tasks import sync_external_hosts

    proxmox_vm["status"] = "stopped"
    assert sync_external_hosts() == {"hosts": 1, "changed": 1}
    instance.refresh_from_db()
    assert instance.state == "Stopped"
    assert api.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"

    snapshot = api.addCustomAction(
        extensionid=extension["id"],
        name="CreateSnapshot",
        allowedroletypes="Admin",
        parameters=[{"name": "snap_name", "type": "STRING", "required": "true"}],
    )["extensioncustomaction"]
    listing = api.addCustomAction(extensionid=extension["id"], name="ListSnapshots")
    listing = listing["extensioncustomaction"]
    done = api.runCustomAction(
        customactionid=snapshot["id"],
        resourceid=vm["id"],
        parameters={"snap_name": "before-upgrade"},
    )["customactionresult"]
    assert done["success"] is True and "before-upgrade" in proxmox_vm["snapshots"]
    listed = api.runCustomAction(customactionid=listing["id"], resourceid=vm["id"])
    names = [s["name"] for s in listed["customactionresult"]["result"]["message"]]
    assert names == ["before-upgrade", "current"]
    bad = api.runCustomAction(
        customactionid=snapshot["id"], resourceid=vm["id"], parameters={"snap_name": "no spaces"}
    )["customactionresult"]
    assert bad["success"] is False and "Invalid Snapshot name" in bad["result"]["details"]

    with pytest.raises(CloudStackApiException) as refused:
        api.runCustomAction(customactionid=snapshot["id"], resourceid=vm["id"])
    assert refused.value.error["errorcode"] == 431  # snap_name is required

    api.destroyVirtualMachine(id=vm["id"], expunge=True)
    assert proxmox.vms == {}
    methods = {(m, p.split("/")[-1] if "/status/" in p else "") for m, p, _ in proxmox.calls}
    assert {("POST", "start"), ("POST", "stop"), ("POST", "reboot")} <= methods
