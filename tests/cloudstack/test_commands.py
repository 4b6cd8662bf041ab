"""Commands end to end in-process: infrastructure set-up, offerings, templates, tenancy,
limits, jobs and events, with CloudStack's response shapes."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(cs_client, root_admin, monkeypatch):
    from portal.services import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)  # no broker in these tests
    return cs_client(root_admin)


def test_build_a_zone(admin, defaults):
    zone = admin(
        "createZone", name="z1", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2"
    )["zone"]
    assert zone["allocationstate"] == "Disabled" and zone["networktype"] == "Advanced"
    admin("updateZone", id=zone["id"], allocationstate="Enabled")
    pod = admin(
        "createPod",
        zoneid=zone["id"],
        name="p1",
        gateway="10.0.0.1",
        netmask="255.255.255.0",
        startip="10.0.0.10",
        endip="10.0.0.50",
    )["pod"]
    cluster = admin(
        "addCluster",
        zoneid=zone["id"],
        podid=pod["id"],
        clustername="c1",
        clustertype="CloudManaged",
        hypervisor="kvm",
    )
    assert cluster["count"] == 1 and cluster["cluster"][0]["hypervisortype"] == "KVM"
    host = admin(
        "addHost",
        zoneid=zone["id"],
        podid=pod["id"],
        clusterid=cluster["cluster"][0]["id"],
        url="http://10.0.0.21:8250",
        hypervisor="KVM",
        username="root",
        password="pw",
    )
    assert host["count"] == 1 and host["host"][0]["state"] == "Connecting"
    assert "password" not in host["host"][0]
    pool = admin(
        "createStoragePool",
        zoneid=zone["id"],
        name="ps1",
        scope="zone",
        hypervisor="KVM",
        url="nfs://10.0.0.5/export/primary",
    )["storagepool"]
    assert pool["scope"] == "ZONE"
    store = admin(
        "addImageStore",
        provider="SMB",
        name="sec1",
        zoneid=zone["id"],
        url="cifs://10.0.0.6/share?user=u&password=secret&domain=D",
    )["imagestore"]
    assert store["protocol"] == "cifs" and "secret" not in store["url"]
    physical = admin(
        "createPhysicalNetwork",
        zoneid=zone["id"],
        name="ph1",
        vlan="100-120",
        isolationmethods="VLAN",
    )
    assert set(physical) == {"id", "jobid"}
    job = admin("queryAsyncJobResult", jobid=physical["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"]["physicalnetwork"]["vlan"] == "100-120"
    assert job["jobinstancetype"] == "PhysicalNetwork"
    traffic = admin(
        "addTrafficType",
        physicalnetworkid=physical["id"],
        traffictype="Guest",
        kvmnetworklabel="cloudbr0",
    )
    result = admin("queryAsyncJobResult", jobid=traffic["jobid"])["jobresult"]
    assert result["traffictype"]["kvmnetworklabel"] == "cloudbr0"
    vlan = admin(
        "createVlanIpRange",
        zoneid=zone["id"],
        physicalnetworkid=physical["id"],
        startip="198.51.100.10",
        endip="198.51.100.20",
        gateway="198.51.100.1",
        netmask="255.255.255.0",
        forvirtualnetwork="true",
    )["vlan"]
    assert vlan["startip"] == "198.51.100.10"
    assert admin("listVlanIpRanges")["vlaniprange"][0]["id"] == vlan["id"]
    offering = admin(
        "createServiceOffering",
        name="small",
        displaytext="Small",
        cpunumber=1,
        cpuspeed=1000,
        memory=512,
    )["serviceoffering"]
    assert offering["memory"] == 512
    disk = admin("createDiskOffering", name="d5", disksize=5)["diskoffering"]
    assert disk["disksize"] == 5 and disk["iscustomized"] is False
    template = admin(
        "registerTemplate",
        name="t1",
        displaytext="T1",
        format="qcow2",
        hypervisor="KVM",
        zoneid=zone["id"],
        url="http://download.example.com/t1.qcow2",
        ostypeid=admin("listOsTypes")["ostype"][0]["id"],
    )
    assert template["count"] == 1 and template["template"][0]["isready"] is False
    self_templates = admin("listTemplates", templatefilter="self")
    assert [t["id"] for t in self_templates["template"]] == [template["template"][0]["id"]]
    assert admin("listTemplates", templatefilter="executable") == {}
    assert admin.raw("listTemplates", templatefilter="bogus").status_code == 431
    assert admin("listHypervisors", zoneid=zone["id"])["hypervisor"] == [{"name": "KVM"}]
    caps = admin("listCapacity", zoneid=zone["id"], type=2)["capacity"]
    assert caps[0]["type"] == 2 and caps[0]["zoneid"] == zone["id"]
    events = admin("listEvents", type="ZONE.CREATE")
    assert events["count"] >= 1 and events["event"][0]["type"] == "ZONE.CREATE"


def test_invalid_input_is_431_and_nothing_written(admin, defaults):
    from compute.models import Zone

    response = admin.raw(
        "createZone", name="bad", networktype="Advanced", dns1="not-an-ip", internaldns1="10.0.0.2"
    )
    assert response.status_code == 431
    assert "dns1" in response.json()["createzoneresponse"]["errortext"]
    assert not Zone.objects.filter(name="bad").exists()


def test_tenancy_commands(admin, defaults, cs_client):
    domain = admin("createDomain", name="acme")["domain"]
    assert domain["path"] == "ROOT/acme" and domain["level"] == 1
    account = admin(
        "createAccount",
        username="alice",
        password="Secret-pass-1",
        email="a@x.test",
        firstname="A",
        lastname="L",
        accounttype=0,
        domainid=domain["id"],
    )["account"]
    assert account["name"] == "alice" and account["user"][0]["username"] == "alice"
    user = admin(
        "createUser",
        account="alice",
        domainid=domain["id"],
        username="bob",
        password="Secret-pass-1",
        email="b@x.test",
        firstname="B",
        lastname="L",
    )["user"]
    keys = admin("registerUserKeys", id=user["id"])["userkeys"]
    assert keys["apikey"] and keys["secretkey"]
    again = admin("getUserKeys", id=user["id"])["userkeys"]
    assert again == {"apikey": keys["apikey"]}
    users = admin("listUsers", domainid=domain["id"])
    assert {u["username"] for u in users["user"]} == {"alice", "bob"}
    assert admin("listAccounts", domainid=domain["id"])["account"][0]["name"] == "alice"
    assert {r["name"] for r in admin("listRoles")["role"]} >= {"Root Admin", "User"}
    limit = admin(
        "updateResourceLimit", resourcetype=0, max=0, account="alice", domainid=domain["id"]
    )["resourcelimit"]
    assert limit["max"] == 0 and limit["resourcetype"] == "0"
    listed = admin("listResourceLimits", account="alice", domainid=domain["id"], resourcetype=0)
    assert listed["resourcelimit"][0]["max"] == 0
    project = admin("createProject", name="p1", displaytext="P1")
    assert (
        admin("queryAsyncJobResult", jobid=project["jobid"])["jobresult"]["project"]["name"] == "p1"
    )
    assert admin("listProjects")["project"][0]["id"] == project["id"]
    jobs = admin("listAsyncJobs")
    assert jobs["count"] >= 1 and "jobstatus" in jobs["asyncjobs"][0]


def test_limit_exceeded_is_535(admin, cs_client, tenant, seeded):
    from portal.services.limits import set_resource_limit

    set_resource_limit(acting_user=None, resource_type="user_vm", max=0, account=tenant.account)
    response = cs_client(tenant).raw(
        "deployVirtualMachine",
        zoneid=str(seeded["zone"].uuid),
        serviceofferingid=str(seeded["offering"].uuid),
        templateid=str(seeded["template"].uuid),
    )
    assert response.status_code == 535
    assert response.json()["deployvirtualmachineresponse"]["errorcode"] == 535


def test_deploy_stopped_gives_a_finished_job(admin, seeded, root_admin, monkeypatch):
    from tests.factories import NetworkFactory

    network = NetworkFactory(zone=seeded["zone"], account=root_admin.account)
    answer = admin(
        "deployVirtualMachine",
        zoneId=str(seeded["zone"].uuid),
        serviceofferingid=str(seeded["offering"].uuid),
        templateid=str(seeded["template"].uuid),
        startvm="False",
        networkids=str(network.uuid),
        name="vm1",
        displayname="my vm",
    )
    assert set(answer) == {"id", "jobid"}
    job = admin("queryAsyncJobResult", jobid=answer["jobid"])
    vm = job["jobresult"]["virtualmachine"]
    assert job["jobstatus"] == 1 and vm["state"] == "Stopped" and vm["displayname"] == "my vm"
    assert vm["id"] == answer["id"] and vm["nic"][0]["networkid"] == str(network.uuid)
    scaled = admin(
        "changeServiceForVirtualMachine",
        id=vm["id"],
        serviceofferingid=str(seeded["offering"].uuid),
    )
    assert scaled["virtualmachine"]["serviceofferingid"] == str(seeded["offering"].uuid)
    start = admin("startVirtualMachine", id=vm["id"])
    assert set(start) == {"jobid"}
    pending = admin("queryAsyncJobResult", jobid=start["jobid"])
    assert (
        pending["jobstatus"] == 0 and "jobresult" not in pending and pending["jobresultcode"] == 0
    )
    assert admin.raw("startVirtualMachine", id=vm["id"]).status_code == 431  # already Starting
