"""External clusters end to end: a cluster of hypervisor type External is bound to the
MockCloud sample extension; instances on it are deployed, stopped, started, rebooted and
destroyed through CloudStack's Orchestrator contract against the mock backend on loopback."""

import json

import pytest
from django.core.exceptions import ValidationError

from compute.models import Instance, ServiceOffering
from marketplace.models import ExtensionRun
from marketplace.services.bindings import bind_cluster, unbind_cluster
from marketplace.services.extensions import (
    install_script_package,
    set_extension_enabled,
    update_extension,
)
from portal.tasks import run_job
from tests.marketplace.conftest import sha256
from tests.marketplace.helpers import MOCKCLOUD, mock_backend_module, zip_directory

TOKEN = "external-cluster-token"


@pytest.fixture
def backend():
    server = mock_backend_module().MockCloud(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def mockcloud(db, plugins_dir, root_admin, tmp_path):
    archive = zip_directory(MOCKCLOUD, tmp_path / "mockcloud.zip")
    extension = install_script_package(
        archive, plugin_id="org.example.mockcloud", sha256=sha256(archive), acting_user=root_admin
    )
    return set_extension_enabled(extension, True, acting_user=root_admin)


@pytest.fixture
def external(defaults, backend, mockcloud, root_admin, no_broker):
    """Zone -> pod -> External cluster bound to MockCloud -> one host (the backend)."""
    from networking.models import TrafficType
    from networking.services import create_physical_network
    from tests.factories import (
        ClusterFactory,
        HostFactory,
        StoragePoolFactory,
        TemplateFactory,
        ZoneFactory,
    )

    zone = ZoneFactory()
    cluster = ClusterFactory(pod__zone=zone, zone=zone, hypervisor="External")
    host = HostFactory(
        cluster=cluster,
        hypervisor="External",
        url=backend.url,
        external_details=json.dumps({"url": backend.url, "token": TOKEN}),
        cpus=8,
        cpu_speed=2000,
        memory=16 * 1024**3,
    )
    StoragePoolFactory(
        cluster=None, pod=None, zone=zone, scope="ZONE", capacity_bytes=200 * 1024**3
    )
    template = TemplateFactory(zone=None, size=2 * 1024**3, hypervisor="External")
    physical = create_physical_network(
        acting_user=None, zone=zone, name="phys", vlan_range="100-102"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    binding = bind_cluster(
        acting_user=root_admin, extension=mockcloud, cluster=cluster, details={"site": "lab"}
    )
    kvm = ClusterFactory(pod=cluster.pod, zone=zone, hypervisor="KVM")
    return {
        "zone": zone,
        "cluster": cluster,
        "host": host,
        "template": template,
        "map": binding,
        "kvm": kvm,
    }


def deploy(tenant, external):
    from compute.lifecycle import deploy_instance

    instance, job = deploy_instance(
        acting_user=tenant,
        zone=external["zone"],
        template=external["template"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
    )
    run_job(job.pk)
    job.refresh_from_db()
    instance.refresh_from_db()
    return instance, job


def operate(verb, instance, tenant):
    from compute import lifecycle

    job = getattr(lifecycle, f"{verb}_instance")(instance, acting_user=tenant)
    run_job(job.pk)
    job.refresh_from_db()
    instance.refresh_from_db()
    return job


def actions(instance):
    runs = ExtensionRun.objects.filter(resource_id=str(instance.uuid)).order_by("id")
    return [r.action for r in runs]


def test_instance_lifecycle_runs_through_the_extension(tenant, external, backend):
    instance, job = deploy(tenant, external)
    assert job.status == "succeeded", job.error_text
    assert instance.state == "Running" and instance.host == external["host"]
    vm = f"i-{instance.account_id}-{instance.pk}-VM"
    assert backend.vms[vm]["state"] == "running"
    assert actions(instance) == ["prepare", "create"]
    create = ExtensionRun.objects.get(resource_id=str(instance.uuid), action="create")
    assert create.caller is None and TOKEN not in create.stdout

    assert operate("stop", instance, tenant).status == "succeeded"
    assert instance.state == "Stopped" and backend.vms[vm]["state"] == "stopped"
    assert operate("start", instance, tenant).status == "succeeded"
    assert instance.state == "Running" and backend.vms[vm]["state"] == "running"
    assert operate("reboot", instance, tenant).status == "succeeded"
    assert actions(instance)[-3:] == ["stop", "start", "reboot"]

    from compute.lifecycle import destroy_instance

    job = destroy_instance(instance, acting_user=tenant, expunge=True)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_text
    assert vm not in backend.vms
    assert actions(instance)[-2:] == ["stop", "delete"]
    assert Instance.objects.get(pk=instance.pk).state == "Expunged"


def test_failing_action_rolls_back_and_reports_stderr(tenant, external, backend, root_admin):
    extension = external["map"].extension
    files = dict(extension.versions.get(number=extension.current_version).files)
    files["mockcloud.py"] = files["mockcloud.py"].replace(
        'if action == "create":',
        'if action == "create":\n        sys.stderr.write("quota exceeded on MockCloud\\n")\n'
        "        sys.exit(3)\n    if False:",
    )
    update_extension(extension, acting_user=root_admin, files=files, comment="broken create")
    host = external["host"]
    host.refresh_from_db()
    allocated = host.cpu_allocated_mhz
    instance, job = deploy(tenant, external)
    assert job.status == "failed"
    assert "MockCloud create failed (exit code 3): quota exceeded on MockCloud" in job.error_text
    assert instance.state == "Error" and instance.host is None
    host.refresh_from_db()
    assert host.cpu_allocated_mhz == allocated  # the claim was given back
    assert backend.vms == {}


def test_disabled_extension_fails_the_job(tenant, external, backend, root_admin):
    set_extension_enabled(external["map"].extension, False, acting_user=root_admin)
    instance, job = deploy(tenant, external)
    assert job.status == "failed" and "disabled" in job.error_text
    assert backend.vms == {} and instance.state == "Error"


def test_binding_rules(external, root_admin, mockcloud):
    from tests.factories import ClusterFactory

    kvm = ClusterFactory(hypervisor="KVM")
    with pytest.raises(ValidationError) as error:
        bind_cluster(acting_user=root_admin, extension=mockcloud, cluster=kvm)
    assert "cluster" in error.value.message_dict
    with pytest.raises(ValidationError):  # already bound
        bind_cluster(acting_user=root_admin, extension=mockcloud, cluster=external["cluster"])
    unbind_cluster(external["map"], acting_user=root_admin)
    assert not mockcloud.resource_maps.exists()


def test_payload_carries_host_and_binding_details(tenant, external, backend):
    instance, job = deploy(tenant, external)
    assert job.status == "succeeded", job.error_text
    from compute.lifecycle.external import payload

    data = payload(external["host"], instance, external["map"])
    assert data["externaldetails"]["resourcemap"] == {"site": "lab"}
    assert data["externaldetails"]["host"]["url"] == backend.url
    assert data["cloudstack.vm.details"]["details"] == {
        "mockcloud_vm_id": f"i-{instance.account_id}-{instance.pk}-VM"
    }
    assert json.loads(json.dumps(data))["virtualmachineid"] == str(instance.uuid)


def test_binding_api(api_client, root_admin, tenant, mockcloud, defaults):
    from tests.factories import ClusterFactory

    cluster = ClusterFactory(hypervisor="External")
    url = "/api/marketplace/bindings/"
    body = {"extension": mockcloud.pk, "cluster": cluster.pk, "details": {"site": "b"}}
    assert api_client(tenant).post(url, body, format="json").status_code == 403
    admin = api_client(root_admin)
    created = admin.post(url, body, format="json")
    assert created.status_code == 201, created.data
    assert created.data["resource_id"] == cluster.pk
    assert created.data["extension"]["id"] == mockcloud.pk
    again = admin.post(url, body, format="json")
    assert again.status_code == 400 and "cluster" in again.data
    assert admin.delete(f"{url}{created.data['id']}/").status_code == 204
    assert not mockcloud.resource_maps.exists()


def test_external_host_via_drf_and_the_ui(api_client, client, root_admin, external, backend):
    """The DRF API and the add-host form create External hosts the same way: Up at once,
    no connect job, details stored encrypted and never answered back."""
    from compute.models import Host
    from portal.models import AsyncJob

    cluster = external["cluster"]
    body = {
        "cluster": cluster.pk,
        "agent_url": "mockcloud-2",
        "external_details": {"url": backend.url, "token": "drf-token"},
    }
    created = api_client(root_admin).post("/api/compute/hosts/", body, format="json")
    assert created.status_code == 201, created.data
    assert created.data["status"] == "Up" and created.data["job"] is None
    assert "external_details" not in created.data and "drf-token" not in str(created.data)
    host = Host.objects.get(pk=created.data["id"])
    assert json.loads(host.external_details) == {"url": backend.url, "token": "drf-token"}

    client.force_login(root_admin)
    form = {
        "cluster": cluster.pk,
        "url": "mockcloud-3",
        "external_details": f"url={backend.url}\ntoken = ui-token\n",
    }
    response = client.post("/compute/hosts/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    host = Host.objects.get(url="mockcloud-3")
    assert host.status == "Up"
    page = client.get(f"/compute/hosts/{host.pk}/")
    assert page.status_code == 200 and "ui-token" not in page.content.decode()
    assert "External details" in client.get("/compute/hosts/add/").content.decode()
    assert json.loads(host.external_details) == {"url": backend.url, "token": "ui-token"}
    bad = client.post("/compute/hosts/add/", {**form, "url": "m4", "external_details": "novalue"})
    assert bad.status_code == 200 and "key=value" in bad.content.decode()
    assert not AsyncJob.objects.filter(command="host.connect").exists()
    kvm = api_client(root_admin).post(
        "/api/compute/hosts/",
        {**body, "cluster": external["kvm"].pk, "agent_url": "http://127.0.0.1:9"},
        format="json",
    )
    assert kvm.status_code == 400 and "externaldetails" in kvm.data


def test_host_missing_a_required_detail_is_refused(external, root_admin, client):
    """MockCloud declares ``required_host_details`` url and token: a host without the token
    is refused with its name (431 on /client/api), and nothing is created."""
    from compute.models import Host
    from compute.services import create_host

    cluster = external["cluster"]
    with pytest.raises(ValidationError) as error:
        create_host(
            acting_user=root_admin, cluster=cluster, url="n2", external_details={"url": "x"}
        )
    assert "token" in str(error.value.message_dict["externaldetails"])
    from tests.cloudstack.conftest import CloudStackClient, make_key

    response = CloudStackClient(client, make_key(root_admin)).raw(
        "addHost",
        zoneid=str(cluster.zone.uuid),
        podid=str(cluster.pod.uuid),
        clusterid=str(cluster.uuid),
        hypervisor="External",
        url="n3",
        **{"externaldetails[0].url": "http://127.0.0.1:9"},
    )
    assert response.status_code == 431
    assert "needs the details: token" in response.json()["addhostresponse"]["errortext"]
    assert not Host.objects.filter(url__in=["n2", "n3"]).exists()


def test_power_states_follow_the_extension(tenant, external, backend, root_admin):
    """Out-of-band power changes reach the instance rows: ``statuses`` when the extension
    answers it, else ``status`` per instance; External hosts stay Up without an agent."""
    from django.utils import timezone

    from compute.models import Host
    from compute.tasks import ping_hosts, sync_external_hosts

    instance, job = deploy(tenant, external)
    assert job.status == "succeeded", job.error_text
    vm = f"i-{instance.account_id}-{instance.pk}-VM"
    host = external["host"]
    Host.objects.filter(pk=host.pk).update(last_ping=timezone.now() - timezone.timedelta(hours=1))
    assert ping_hosts()["disconnected"] == 0
    host.refresh_from_db()
    assert host.status == "Up" and host.last_ping > timezone.now() - timezone.timedelta(minutes=1)

    backend.vms[vm]["state"] = "stopped"  # powered off behind the portal's back
    assert sync_external_hosts() == {"hosts": 1, "changed": 1}
    instance.refresh_from_db()
    assert instance.state == "Stopped" and instance.host is None
    host.refresh_from_db()
    assert host.cpu_allocated_mhz == 0  # capacity given back
    assert sync_external_hosts()["changed"] == 0  # nothing new
    assert ExtensionRun.objects.filter(action="statuses").count() == 2

    extension = external["map"].extension  # now without statuses: status per instance
    files = dict(extension.versions.get(number=extension.current_version).files)
    files["mockcloud.py"] = files["mockcloud.py"].replace(
        'if action == "statuses":', 'if action == "no-statuses":'
    )
    update_extension(extension, acting_user=root_admin, files=files, comment="no statuses")
    backend.vms[vm]["state"] = "running"
    assert sync_external_hosts()["changed"] == 1
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host == host
    assert ExtensionRun.objects.filter(action="status", exit_code=0).count() == 1


def test_prepare_assigns_nic_macs(tenant, external, backend, root_admin):
    """A ``prepare`` answer with ``nics[].mac`` (e.g. a bare-metal machine's real MACs) sets
    the NICs' MACs before ``create``, which then receives them."""
    extension = external["map"].extension
    files = dict(extension.versions.get(number=extension.current_version).files)
    files["mockcloud.py"] = files["mockcloud.py"].replace(
        'return {"details": {"mockcloud_vm_id": name}}',
        'return {"details": {"mockcloud_vm_id": name}, "nics": [{"uuid": n["uuid"], '
        '"mac": "02:00:5E:00:53:%02x" % n["deviceId"]} for n in vm.get("nics", [])]}',
    )
    update_extension(extension, acting_user=root_admin, files=files, comment="macs")
    instance, job = deploy(tenant, external)
    assert job.status == "succeeded", job.error_text
    assert instance.nics.get().mac_address == "02:00:5e:00:53:00"
    from compute.lifecycle.external import payload

    sent = payload(external["host"], instance, external["map"])
    assert sent["cloudstack.vm.details"]["nics"][0]["mac"] == "02:00:5e:00:53:00"
