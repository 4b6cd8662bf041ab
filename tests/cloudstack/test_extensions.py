"""CloudStack's Extensions framework on /client/api: createExtension -> registerExtension ->
addHost with externaldetails -> registerTemplate hypervisor=External -> deployVirtualMachine
-> the extension receives CloudStack 4.21's payload -> runCustomAction -> destroy, with the
MockCloud sample extension (imported from an extensions directory by ``path``) driving its
HTTP backend on loopback; and the bad input of each command."""

import json
import shutil

import pytest

from marketplace.models import Extension, ExtensionRun
from portal.models import AsyncJob
from portal.tasks import run_job
from storage.models import OSType
from tests.cloudstack.external_fixtures import MOCKCLOUD_TOKEN as TOKEN
from tests.marketplace.helpers import MOCKCLOUD

pytestmark = pytest.mark.django_db


@pytest.fixture
def ext_dir(settings, tmp_path):
    """An extensions directory (as /usr/share/cloudstack-management/extensions) with the
    MockCloud extension in ``MockCloud/``, and an isolated PLUGINS_DIR."""
    root = tmp_path / "extensions"
    shutil.copytree(MOCKCLOUD, root / "MockCloud", ignore=shutil.ignore_patterns("mock_backend*"))
    settings.CLOUDSTACK_EXTENSIONS_DIR = str(root)
    settings.PLUGINS_DIR = tmp_path / "plugins"
    return root


@pytest.fixture
def payloads(monkeypatch):
    """Every (argv, payload) the runner executes, read before the file is removed."""
    from marketplace import runner

    seen, real = [], runner.run_executable

    def spy(argv, **kwargs):
        with open(argv[2]) as handle:
            seen.append((argv, json.load(handle)))
        return real(argv, **kwargs)

    monkeypatch.setattr(runner, "run_executable", spy)
    return seen


@pytest.fixture
def admin(cs_client, root_admin):
    return cs_client(root_admin)


def run_async(api, command, **params):
    """Call an async command, run its job here, answer queryAsyncJobResult's result."""
    started = api(command, **params)
    run_job(AsyncJob.objects.get(uuid=started["jobid"]).pk)
    result = api("queryAsyncJobResult", jobid=started["jobid"])
    assert result["jobstatus"] == 1, result
    return result["jobresult"]


def create_extension(admin, **params):
    params = {
        "name": "MockCloud",
        "type": "Orchestrator",
        "path": "MockCloud/mockcloud.py",
        "orchestratorrequirespreparevm": "true",
        **params,
    }
    return admin("createExtension", **params)["extension"]


def test_the_external_flow(
    admin, cs_client, tenant, external_zone, ext_dir, mockcloud_backend, payloads
):
    zone, pod = external_zone
    backend = mockcloud_backend
    extension = create_extension(
        admin, **{"details[0].site": "lab", "details[0].apitoken": "s3cret-value"}
    )
    assert extension["state"] == "Enabled" and extension["pathready"] is True
    assert extension["path"] == "MockCloud/mockcloud.py"
    assert extension["details"] == {"site": "lab", "apitoken": "******"}  # secret not echoed
    stored = Extension.objects.get(uuid=extension["id"])
    assert "s3cret-value" not in json.dumps(stored.details)  # kept in the encrypted field
    assert stored.versions.get().files["mockcloud.py"] == (MOCKCLOUD / "mockcloud.py").read_text()

    cluster = admin(
        "addCluster",
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clustername="ext",
        clustertype="CloudManaged",
        hypervisor="External",
    )["cluster"][0]
    assert cluster["hypervisortype"] == "External"
    from compute.models import Cluster

    cluster = Cluster.objects.get(uuid=cluster["id"])
    registered = admin(
        "registerExtension",
        extensionid=extension["id"],
        resourcetype="Cluster",
        resourceid=str(cluster.uuid),
        **{"details[0].region": "r1"},
    )["extension"]
    assert registered["resources"][0]["id"] == str(cluster.uuid)
    assert registered["resources"][0]["type"] == "Cluster"

    from compute.models import Host

    host = admin(
        "addHost",
        zoneid=str(zone.uuid),
        podid=str(pod.uuid),
        clusterid=str(cluster.uuid),
        url="mockcloud-node1",
        hypervisor="External",
        **{"externaldetails[0].url": backend.url, "externaldetails[0].token": TOKEN},
    )["host"][0]
    assert host["state"] == "Up" and host["hypervisor"] == "External"
    assert host["extensionid"] == extension["id"] and host["extensionname"] == "MockCloud"
    assert TOKEN not in json.dumps(admin("listHosts", id=host["id"]))
    listed = admin("listClusters", id=str(cluster.uuid))["cluster"][0]
    assert listed["extensionid"] == extension["id"]
    admin("updateHost", id=host["id"], **{"externaldetails[0].node": "n1"})
    merged = json.loads(Host.objects.get(uuid=host["id"]).external_details)
    assert merged == {"url": backend.url, "token": TOKEN, "node": "n1"}
    again = {"externaldetails[0].url": backend.url, "externaldetails[0].token": TOKEN}
    disabled = admin(
        "updateHost",
        id=host["id"],
        cleanupexternaldetails="true",
        allocationstate="Disable",
        **again,
    )["host"]
    assert disabled["resourcestate"] == "Disabled"
    assert admin("updateHost", id=host["id"], allocationstate="Enable")["host"][
        "resourcestate"
    ] == ("Enabled")
    assert admin.raw("updateHost", id=host["id"], url="elsewhere").status_code == 431
    assert not AsyncJob.objects.filter(command="host.connect").exists()  # no agent to connect

    row = Host.objects.get(uuid=host["id"])
    assert json.loads(row.external_details) == {"url": backend.url, "token": TOKEN}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT external_details FROM compute_host WHERE id = %s", [row.pk])
        assert TOKEN not in cursor.fetchone()[0]  # encrypted at rest

    template = admin(
        "registerTemplate",
        name="debian",
        displaytext="Debian on MockCloud",
        url="http://example.invalid/never-fetched",
        format="RAW",
        hypervisor="External",
        ispublic="true",
        ostypeid=str(OSType.objects.first().uuid),
        extensionid=extension["id"],
        **{
            "externaldetails[0].template_id": "9000",
            "externaldetails[0].template_type": "template",
        },
    )["template"][0]
    assert template["isready"] is True and template["status"] == "Download Complete"
    assert template["extensionid"] == extension["id"]
    assert not AsyncJob.objects.filter(command="template.download").exists()

    from compute.models import ServiceOffering

    created = admin(
        "createServiceOffering",
        name="ext-small",
        cpunumber=1,
        cpuspeed=500,
        memory=256,
        **{"externaldetails[0].flavor": "m1", "externaldetails[0].template_type": "iso"},
    )["serviceoffering"]
    offering = ServiceOffering.objects.get(uuid=created["id"])
    assert offering.external_details == {"flavor": "m1", "template_type": "iso"}
    user = cs_client(tenant)
    vm = run_async(
        user,
        "deployVirtualMachine",
        zoneid=str(zone.uuid),
        serviceofferingid=str(offering.uuid),
        templateid=template["id"],
        name="web1",
        **{"externaldetails[0].disk": "ssd", "externaldetails[0].template_type": "template"},
    )["virtualmachine"]
    from compute.models import Instance

    assert vm["state"] == "Running" and Instance.objects.get(uuid=vm["id"]).host == row
    assert [argv[1] for argv, _ in payloads] == ["prepare", "create"]
    argv, sent = payloads[-1]
    internal = f"i-{tenant.account.pk}-"
    assert argv[3] == str(stored.timeout)
    details = sent["externaldetails"]
    assert details["extension"] == {"site": "lab", "apitoken": "s3cret-value"}
    assert details["host"] == {"url": backend.url, "token": TOKEN}
    assert details["resourcemap"] == {"region": "r1"}
    # template < offering < instance
    assert details["virtualmachine"] == {
        "template_id": "9000",
        "template_type": "template",
        "flavor": "m1",
        "disk": "ssd",
    }
    assert sent["virtualmachineid"] == vm["id"]
    assert sent["caller"]["name"] == tenant.account.name and sent["caller"]["roletype"] == "User"
    to = sent["cloudstack.vm.details"]
    assert to["name"].startswith(internal) and to["name"] == sent["virtualmachinename"]
    assert to["cpus"] == offering.cpu_number and to["minRam"] == offering.memory * 1024**2
    assert to["details"] == {"mockcloud_vm_id": to["name"]}  # the prepare answer, merged
    nic = to["nics"][0]
    assert nic["broadcastUri"] in {"vlan://100", "vlan://101", "vlan://102"}
    assert nic["mac"] == vm["nic"][0]["macaddress"] and nic["defaultNic"] is True
    assert backend.vms[to["name"]]["state"] == "running"

    action = admin(
        "addCustomAction",
        extensionid=extension["id"],
        name="Resize",
        allowedroletypes="Admin,User",
        successmessage="Resized {{resourceName}}",
        timeout=20,
        **{
            "parameters[0].name": "cpus",
            "parameters[0].type": "NUMBER",
            "parameters[0].required": "true",
            "details[0].mode": "hot",
        },
    )["extensioncustomaction"]
    assert action["parameters"] == [
        {"name": "cpus", "type": "NUMBER", "validationformat": "NONE", "required": True}
    ]
    listed = user("listCustomActions", resourceid=vm["id"])
    assert [a["name"] for a in listed["extensioncustomaction"]] == ["Resize"]
    missing = user.raw("runCustomAction", customactionid=action["id"], resourceid=vm["id"])
    assert (
        missing.status_code == 431
        and "cpus" in missing.json()["runcustomactionresponse"]["errortext"]
    )
    wrong = user.raw(
        "runCustomAction",
        customactionid=action["id"],
        resourceid=vm["id"],
        **{"parameters[0].cpus": "many"},
    )
    assert wrong.status_code == 431
    result = run_async(
        user,
        "runCustomAction",
        customactionid=action["id"],
        resourceid=vm["id"],
        **{"parameters[0].cpus": "4"},
    )["customactionresult"]
    assert result["success"] is True and result["result"]["message"] == "Now 4 CPUs"
    argv, sent = payloads[-1]
    assert argv[1] == "Resize" and argv[3] == "20"
    assert sent["action"] == "Resize" and sent["parameters"] == {"cpus": 4}
    assert sent["externaldetails"]["action"] == {"mode": "hot"}
    assert backend.vms[to["name"]]["cpus"] == 4

    run_async(user, "destroyVirtualMachine", id=vm["id"], expunge="true")
    assert to["name"] not in backend.vms
    assert [argv[1] for argv, _ in payloads][-2:] == ["stop", "delete"]

    assert ExtensionRun.objects.filter(action="create", exit_code=0).count() == 1
    refused = admin.raw("deleteExtension", id=extension["id"])
    assert refused.status_code == 431  # still registered, still has an action
    admin(
        "unregisterExtension",
        extensionid=extension["id"],
        resourcetype="Cluster",
        resourceid=str(cluster.uuid),
    )
    assert admin("deleteCustomAction", id=action["id"]) == {"success": True}
    Host.objects.filter(pk=row.pk).delete()
    from storage.models import Template

    Template.objects.filter(uuid=template["id"]).update(removed="2026-01-01T00:00:00Z")
    assert admin("deleteExtension", id=extension["id"], cleanup="true") == {"success": True}
    assert admin("listExtensions") == {}
    assert not ExtensionRun.objects.exists()  # the run records went with the extension


def test_bad_input_gives_cloudstack_errors(admin, cs_client, tenant, external_zone, ext_dir):
    zone, pod = external_zone
    from compute.models import Cluster
    from tests.factories import ClusterFactory

    extension = create_extension(admin)
    kvm = ClusterFactory(zone=zone, pod=pod, hypervisor="KVM")
    lonely = Cluster.objects.create(zone=zone, pod=pod, name="lonely", hypervisor="External")

    def code(command, **params):
        response = admin.raw(command, **params)
        assert response.status_code < 500, response.json()
        return response.status_code

    unknown = "00000000-0000-0000-0000-000000000000"
    reg = {"resourcetype": "Cluster"}
    assert code("registerExtension", extensionid=unknown, resourceid=str(lonely.uuid), **reg) == 431
    assert (
        code("registerExtension", extensionid=extension["id"], resourceid=str(kvm.uuid), **reg)
        == 431
    )
    assert code("registerExtension", extensionid=extension["id"], resourceid=unknown, **reg) == 431
    other = {"resourcetype": "PhysicalNetwork", "resourceid": str(lonely.uuid)}
    assert code("registerExtension", extensionid=extension["id"], **other) == 431
    host = {"zoneid": str(zone.uuid), "podid": str(pod.uuid), "hypervisor": "External"}
    # a cluster not registered with an extension, externaldetails on a KVM cluster
    assert code("addHost", clusterid=str(lonely.uuid), url="n1", **host) == 431
    from tests.factories import HostFactory

    plain = HostFactory(cluster=kvm)
    assert code("updateHost", id=str(plain.uuid), **{"externaldetails[0].a": "b"}) == 431
    assert code("updateHost", id=str(plain.uuid), allocationstate="Maintenance") == 431
    kvm_host = {**host, "hypervisor": "KVM", "clusterid": str(kvm.uuid)}
    assert (
        code("addHost", url="http://127.0.0.1:9", **kvm_host, **{"externaldetails[0].a": "b"})
        == 431
    )
    # addCluster: External needs an extension; extensionid is for External only
    cluster = {
        "zoneid": str(zone.uuid),
        "podid": str(pod.uuid),
        "clustertype": "CloudManaged",
    }
    assert (
        code("addCluster", clustername="x", hypervisor="External", extensionid=unknown, **cluster)
        == 431
    )
    assert (
        code(
            "addCluster", clustername="y", hypervisor="KVM", extensionid=extension["id"], **cluster
        )
        == 431
    )
    assert not Cluster.objects.filter(name__in=["x", "y"]).exists()
    bound = admin(
        "addCluster",
        clustername="bound",
        hypervisor="External",
        extensionid=extension["id"],
        **cluster,
        **{"externaldetails[0].region": "r2"},
    )["cluster"][0]
    mapped = Extension.objects.get(uuid=extension["id"]).resource_maps.get()
    assert str(Cluster.objects.get(pk=mapped.resource_id).uuid) == bound["id"]
    assert mapped.details == {"region": "r2"}
    updated = admin(
        "updateCluster", id=bound["id"], clustername="bound2", **{"externaldetails[0].region": "r3"}
    )["cluster"]
    assert updated["name"] == "bound2"
    mapped.refresh_from_db()
    assert mapped.details == {"region": "r3"}
    assert code("updateCluster", id=bound["id"], hypervisor="KVM") == 431
    assert code("updateCluster", id=bound["id"], managedstate="Unmanaged") == 431
    assert code("updateCluster", id=str(lonely.uuid), **{"externaldetails[0].a": "b"}) == 431
    # createExtension
    assert code("createExtension", name="MockCloud", type="Orchestrator") == 431  # duplicate
    assert code("createExtension", name="n2", type="Bogus") == 431
    assert code("createExtension", name="n3", type="Orchestrator", path="../etc/passwd") == 431
    assert code("createExtension", name="n4", type="Orchestrator", path="Nope/nope.sh") == 431
    (ext_dir / "Evil").mkdir()
    (ext_dir / "Evil" / "evil.sh").symlink_to("/etc/hostname")  # links are not imported
    assert code("createExtension", name="n5", type="Orchestrator", path="Evil/evil.sh") == 431
    (ext_dir / "MockCloud" / "leak.txt").symlink_to("/etc/hostname")
    linked = create_extension(admin, name="Linked")
    assert "leak.txt" not in Extension.objects.get(uuid=linked["id"]).versions.get().files
    off = create_extension(admin, name="Later", path="Later/later.py", state="Disabled")
    assert off["pathready"] is False and off["state"] == "Disabled"
    assert code("updateExtension", id=off["id"], state="Enabled") == 431
    shutil.copytree(ext_dir / "MockCloud", ext_dir / "Later")
    (ext_dir / "Later" / "mockcloud.py").rename(ext_dir / "Later" / "later.py")
    enabled = admin("updateExtension", id=off["id"], state="Enabled")["extension"]
    assert enabled["pathready"] is True and enabled["state"] == "Enabled"
    mine = {"name": "MockCloud"}
    minimal = admin("listExtensions", details="min", **mine)["extension"][0]
    assert "details" not in minimal and "resources" not in minimal
    resources = admin("listExtensions", details="resource,external", **mine)["extension"][0]
    assert resources["resources"][0]["details"] == {"region": "r3"} and "details" in resources
    assert code("listExtensions", details="everything") == 431
    scaffold = admin("createExtension", name="Plain", type="Orchestrator")["extension"]
    assert scaffold["path"] == "plain/plain.sh" and scaffold["pathready"] is True
    # custom actions
    bad_param = {"parameters[0].name": "x", "parameters[0].type": "COLOUR"}
    assert code("addCustomAction", extensionid=extension["id"], name="A", **bad_param) == 431
    assert (
        code("addCustomAction", extensionid=extension["id"], name="A", allowedroletypes="God")
        == 431
    )
    admin_only = admin("addCustomAction", extensionid=extension["id"], name="Secret")
    assert admin_only["extensioncustomaction"]["allowedroletypes"] == ["Admin"]
    user = cs_client(tenant)
    assert user("listCustomActions") == {}
    ran = user.raw(
        "runCustomAction",
        customactionid=admin_only["extensioncustomaction"]["id"],
        resourceid=unknown,
    )
    assert ran.status_code == 431
    assert code("runCustomAction", customactionid=unknown, resourceid=unknown) == 431
    assert (
        code("runCustomAction", customactionid=unknown, resourceid=unknown, starteventid=1) == 431
    )
    # deployVirtualMachine: externaldetails only from External templates
    from compute.models import ServiceOffering
    from tests.factories import TemplateFactory

    kvm_template = TemplateFactory(zone=None, is_public=True)
    deploy = {
        "zoneid": str(zone.uuid),
        "serviceofferingid": str(ServiceOffering.objects.get(name="Small Instance").uuid),
        "templateid": str(kvm_template.uuid),
    }
    refused = admin.raw("deployVirtualMachine", **deploy, **{"externaldetails[0].a": "b"})
    assert refused.status_code == 431
    assert "externaldetails" in refused.json()["deployvirtualmachineresponse"]["errortext"]
    # registerTemplate: externaldetails only for External
    template = {"name": "t", "url": "http://example.com/t.qcow2", "format": "QCOW2"}
    assert (
        code("registerTemplate", hypervisor="KVM", **template, **{"externaldetails[0].a": "b"})
        == 431
    )
    # tenants reach none of the management commands
    for command in ("createExtension", "listExtensions", "registerExtension", "addCustomAction"):
        assert user.raw(command).status_code == 432, command


MANAGE = [
    "createExtension",
    "listExtensions",
    "updateExtension",
    "deleteExtension",
    "registerExtension",
    "unregisterExtension",
    "addCustomAction",
    "updateCustomAction",
    "deleteCustomAction",
]


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("Root Admin", {*MANAGE, "listCustomActions", "runCustomAction"}),
        ("Resource Admin", {"listCustomActions", "runCustomAction"}),
        ("Domain Admin", {"listCustomActions", "runCustomAction"}),
        ("User", {"listCustomActions", "runCustomAction"}),
        ("Read-Only Admin - Default", {"listExtensions", "listCustomActions"}),
        ("Read-Only User - Default", {"listCustomActions"}),
    ],
)
def test_default_roles_for_the_extension_commands(defaults, role, allowed):
    """Managing extensions is root-admin only, as upstream; every role may list and run
    the custom actions its role type is allowed (the role matrix in test_access.py then
    calls each command as each role)."""
    from portal.models import Role

    rules = Role.objects.get(name=role)
    commands = {*MANAGE, "listCustomActions", "runCustomAction"}
    assert {c for c in commands if rules.allows(c)} == allowed


def test_roles_of_an_existing_installation_get_the_extension_rules(defaults):
    """Default roles created before these commands existed get their rules by migration."""
    import importlib

    from django.apps import apps

    from portal.models import Role, RolePermission

    migration = importlib.import_module("marketplace.migrations.0003_extension_role_rules")
    from django.utils import timezone

    names = ["*Extension*", "listExtensions", "runCustomAction", *MANAGE[6:]]
    RolePermission.objects.filter(rule__in=names).delete()  # as before this change
    Role.objects.update(updated=timezone.now())
    user, resource = Role.objects.get(name="User"), Role.objects.get(name="Resource Admin")
    assert user.allows("listExtensions") and resource.allows("createExtension")
    migration.add_rules(apps, None)
    user, resource = Role.objects.get(name="User"), Role.objects.get(name="Resource Admin")
    assert not user.allows("listExtensions") and user.allows("runCustomAction")
    assert not resource.allows("createExtension") and resource.allows("runCustomAction")
    before = RolePermission.objects.count()
    migration.add_rules(apps, None)  # idempotent
    assert RolePermission.objects.count() == before
