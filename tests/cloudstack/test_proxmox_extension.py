"""A published third-party CloudStack extension runs unmodified: CloudStack's in-tree
Proxmox extension (``extensions/Proxmox/proxmox.sh``, bash + curl + jq) deploys, starts,
stops, reboots, reports the status of (also to the power-state sync), snapshots and deletes
an instance, driven through
the ``cs`` client against a live portal, talking HTTPS to the Proxmox API double.

The script is not vendored: it is read from the extensions directory CloudStack's package
installs (/usr/share/cloudstack-management/extensions) or from ``CLOUDSTACK_EXTENSIONS_DIR``;
without it the test is skipped.

A second third-party extension, ``cloudstack-extension-proxmox-ngine`` (PyPI, Python stdlib
only, a test dependency), is installed as its README says (an extension directory whose
``proxmox.sh`` runs the package's ``cloudstack-extension-proxmox`` console script) and runs
the same lifecycle against the double: that test always runs."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
from cs import CloudStackApiException

from tests.fakes.proxmox import FakeProxmox, extension_source

SOURCE = extension_source()
pytestmark = pytest.mark.django_db(transaction=True)
needs_upstream = pytest.mark.skipif(
    SOURCE is None or not all(shutil.which(tool) for tool in ("bash", "curl", "jq", "python3")),
    reason="CloudStack's Proxmox extension (and bash, curl, jq, python3) is not installed",
)
NGINE = "cloudstack_extension_proxmox_ngine"
NGINE_SCRIPT = Path(sys.executable).parent / "cloudstack-extension-proxmox"
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


def register(api, zone, pod, path: str, url: str, template_details: dict) -> tuple:
    """(extension, host, template): the Orchestrator extension at ``path``, a CloudManaged
    cluster bound to it, a host whose externaldetails reach the double at ``url``, and a
    template naming Proxmox template 9000."""
    from storage.models import OSType

    extension = api.createExtension(
        name="Proxmox", type="Orchestrator", path=path, orchestratorrequirespreparevm=True
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
        url=url,
        externaldetails={
            "url": url,
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
        externaldetails={"template_id": "9000", "template_type": "template", **template_details},
    )["template"][0]
    return extension, host, template


def deploy_and_cycle(api, proxmox, zone, host, template) -> tuple:
    """Deploy (VM 100: the offering's cores and MiB, ``net0`` with the NIC's MAC and VLAN),
    stop, start, reboot and ``status`` it; returns (vm, instance, the double's VM)."""
    from compute.lifecycle import external
    from compute.models import Host, Instance, ServiceOffering

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
    assert proxmox_vm["config"]["memory"] == str(offering.memory)  # minRam bytes -> MiB
    mac, vlan = vm["nic"][0]["macaddress"], instance.nics.get().broadcast_uri.split("://")[-1]
    assert proxmox_vm["config"]["net0"] == f"virtio={mac},bridge=vmbr0,tag={vlan},firewall=0"

    assert api.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"
    assert proxmox_vm["status"] == "stopped"
    assert api.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert api.rebootVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert proxmox_vm["status"] == "running" and proxmox_vm["boots"] == 3

    instance.refresh_from_db()
    status = external.run(Host.objects.get(uuid=host["id"]), instance, "status")
    assert json.loads(status.stdout) == {"status": "success", "power_state": "poweron"}
    return vm, instance, proxmox_vm


@needs_upstream
def test_proxmox_extension_runs_unmodified(api, proxmox, external_zone):
    zone, pod = external_zone
    extension, host, template = register(api, zone, pod, "Proxmox/proxmox.sh", proxmox.address, {})
    vm, instance, proxmox_vm = deploy_and_cycle(api, proxmox, zone, host, template)

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


@pytest.fixture
def ngine_dir(tmp_path):
    """An extensions directory holding ``Proxmox-Ngine/proxmox.sh`` as the ngine README
    installs it: the entry point runs the package's console script. The README links it;
    the importer takes no links (an extension's files must be its own), so the entry point
    is a one-line exec of that script instead. The extension's code is the package's."""
    if importlib.util.find_spec(NGINE) is None or not NGINE_SCRIPT.is_file():
        pytest.skip("cloudstack-extension-proxmox-ngine is not installed (the test extra)")
    root = tmp_path / "extensions"
    entry = root / "Proxmox-Ngine" / "proxmox.sh"
    entry.parent.mkdir(parents=True)
    entry.write_text(f'#!/bin/sh\nexec {NGINE_SCRIPT} "$@"\n')
    entry.chmod(0o755)
    return root


def test_published_pypi_proxmox_extension_runs_unmodified(
    live_cs_api, ngine_dir, proxmox, external_zone
):
    """cloudstack-extension-proxmox-ngine 0.2.0 deploys (prepare + create: clone, size,
    NIC, start), stops, starts, reboots, reports (status and the sync's statuses) and
    destroys an instance driven through /client/api."""
    from compute.tasks import sync_external_hosts

    api = live_cs_api(ngine_dir)
    zone, pod = external_zone
    url = f"https://{proxmox.address}:8006"  # the ngine extension takes the URL as given
    _, host, template = register(
        api,
        zone,
        pod,
        "Proxmox-Ngine/proxmox.sh",
        url,
        {"storage": "local-zfs", "is_full_clone": "true"},
    )
    vm, _, proxmox_vm = deploy_and_cycle(api, proxmox, zone, host, template)
    assert list(proxmox.vms) == [100]  # the id prepare reserved (GET /cluster/nextid)
    clone = next(f for m, p, f in proxmox.calls if p == "/nodes/pve1/qemu/9000/clone")
    assert clone == {
        "newid": "100",
        "name": proxmox_vm["name"],
        "storage": "local-zfs",
        "full": "1",
    }
    # powered off in Proxmox: the sync's one ``statuses`` (GET /nodes/pve1/qemu) finds it
    proxmox_vm["status"] = "stopped"
    before = len(proxmox.calls)
    assert sync_external_hosts() == {"hosts": 1, "changed": 1}
    assert [(m, p) for m, p, _ in proxmox.calls[before:]] == [("GET", "/nodes/pve1/qemu")]
    listed = api.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
    assert listed["state"] == "Stopped"
    assert api.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"

    api.destroyVirtualMachine(id=vm["id"], expunge=True)
    assert proxmox.vms == {}
    vm_calls = [(m, p.removeprefix("/nodes/pve1/qemu/100")) for m, p, _ in proxmox.calls]
    for call in [("POST", "/status/stop"), ("POST", "/status/reboot"), ("DELETE", "")]:
        assert call in vm_calls
    assert vm_calls.count(("POST", "/status/start")) == 3  # by create and both starts
