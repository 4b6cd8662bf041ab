"""Real clients against a live server on loopback: Apache Libcloud's CloudStack driver and
the ``cs`` library, through their main flows; async jobs run on the simulator agent."""

import pytest
from cs import CloudStack, CloudStackApiException
from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, Provider

from tests.cloud_fixtures import SECRET

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run_jobs_inline(monkeypatch):
    """Run each job right after its transaction commits, in the live server's thread."""
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: run_job(job.pk))


@pytest.fixture
def client_cloud(defaults, simulator):
    """A zone with two simulator hosts, a pool, a public template, an offering and public IPs;
    jobs go wherever ``jobs.enqueue`` sends them (see ``live_cloud`` for inline runs)."""
    from compute.choices import AllocationState
    from networking.models import PublicIpRange, TrafficType
    from networking.services import create_physical_network, create_public_ip_range
    from tests.factories import (
        ClusterFactory,
        HostFactory,
        ServiceOfferingFactory,
        StoragePoolFactory,
        TemplateFactory,
        ZoneFactory,
    )

    zone = ZoneFactory(allocation_state=AllocationState.ENABLED)
    cluster = ClusterFactory(pod__zone=zone, zone=zone)
    for i in range(2):
        HostFactory(
            cluster=cluster,
            url=f"{simulator.url}/hosts/cs{cluster.pk}-{i}",
            agent_secret=SECRET,
            cpus=4,
            cpu_speed=2000,
            memory=8 * 1024**3,
        )
    StoragePoolFactory(
        cluster=None,
        pod=None,
        zone=zone,
        scope="ZONE",
        capacity_bytes=200 * 1024**3,
        overprovisioning_factor=1,
    )
    template = TemplateFactory(zone=None, size=2 * 1024**3, is_public=True, is_featured=True)
    physical = create_physical_network(
        acting_user=None, zone=zone, name="phys", vlan_range="100-110"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    create_public_ip_range(
        acting_user=None,
        zone=zone,
        physical_network=physical,
        gateway="203.0.113.1",
        netmask="255.255.255.0",
        start_ip="203.0.113.10",
        end_ip="203.0.113.20",
    )
    assert PublicIpRange.objects.count() == 1
    return {
        "zone": zone,
        "template": template,
        "offering": ServiceOfferingFactory(cpu_number=1, cpu_speed=500, memory=512),
    }


@pytest.fixture
def live_cloud(client_cloud, run_jobs_inline):
    return client_cloud


def _keys(user) -> tuple[str, str]:
    from portal.services.apikeys import create_api_key

    pair = create_api_key(acting_user=user, user=user)
    return pair.api_key, pair.secret_key


@pytest.fixture
def keys(tenant):
    """A plain tenant's key: the default User role lists zones, offerings and templates."""
    return _keys(tenant)


@pytest.fixture
def admin_keys(root_admin):
    """For the parts that really need an operator (hosts, other accounts' resources)."""
    return _keys(root_admin)


def test_libcloud_main_flow(live_server, live_cloud, keys):
    driver = get_driver(Provider.CLOUDSTACK)(
        key=keys[0], secret=keys[1], url=f"{live_server.url}/client/api", secure=False
    )
    locations = driver.list_locations()
    assert [loc.id for loc in locations] == [str(live_cloud["zone"].uuid)]
    sizes = {s.id: s for s in driver.list_sizes()}
    size = sizes[str(live_cloud["offering"].uuid)]
    assert size.ram == 512
    images = driver.list_images()
    image = next(i for i in images if i.id == str(live_cloud["template"].uuid))
    assert image.extra["hypervisor"] == "Simulator"

    node = driver.create_node(name="web1", size=size, image=image, location=locations[0])
    assert node.state == NodeState.STOPPED  # libcloud sends startvm=False
    assert driver.ex_start(node) == "Running"
    nodes = {n.id: n for n in driver.list_nodes()}
    assert nodes[node.id].state == NodeState.RUNNING
    assert nodes[node.id].private_ips  # the NIC address on the guest network
    assert driver.reboot_node(node) is True
    volumes = driver.list_volumes(node=node)
    assert len(volumes) == 1 and volumes[0].extra["volume_type"] == "ROOT"
    assert driver.destroy_node(node) is True
    assert {n.id: n for n in driver.list_nodes()}[node.id].state == NodeState.TERMINATED

    ip = driver.ex_allocate_public_ip()
    assert ip.address.startswith("203.0.113.")
    assert [p.id for p in driver.ex_list_public_ips()] == [ip.id]
    assert driver.ex_release_public_ip(ip) is True
    key = driver.create_key_pair("k1")
    assert key.private_key and key.fingerprint
    assert [k.name for k in driver.list_key_pairs()] == ["k1"]
    driver.delete_key_pair(key)
    assert driver.list_key_pairs() == []


def test_libcloud_bad_key_is_invalid_creds(live_server, live_cloud, keys):
    from libcloud.common.types import InvalidCredsError

    driver = get_driver(Provider.CLOUDSTACK)(
        key=keys[0], secret="wrong", url=f"{live_server.url}/client/api", secure=False
    )
    with pytest.raises(InvalidCredsError):
        driver.list_locations()


def test_cs_flows(live_server, live_cloud, keys, admin_keys, tenant):
    api = CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=keys[0],
        secret=keys[1],
        poll_interval=0.1,
        fetch_result=True,
    )
    zones = api.listZones(fetch_list=True)
    assert [z["id"] for z in zones] == [str(live_cloud["zone"].uuid)]
    result = api.deployVirtualMachine(
        zoneid=zones[0]["id"],
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="api-vm",
    )
    vm = result["virtualmachine"]
    assert vm["state"] == "Running" and vm["name"] == "api-vm"
    assert vm["nic"][0]["isdefault"] is True and vm["created"].endswith("+0000")
    stopped = api.stopVirtualMachine(id=vm["id"])
    assert stopped["virtualmachine"]["state"] == "Stopped"
    listed = api.listVirtualMachines(fetch_list=True, id=vm["id"])
    assert listed[0]["state"] == "Stopped" and "hostid" not in listed[0]
    # the operator sees the tenant's VM (with listall) and where it ran
    admin = CloudStack(
        endpoint=f"{live_server.url}/client/api", key=admin_keys[0], secret=admin_keys[1]
    )
    assert admin.listVirtualMachines() == {}
    seen = admin.listVirtualMachines(listall=True, id=vm["id"])["virtualmachine"]
    assert seen[0]["account"] == tenant.account.name
    with pytest.raises(CloudStackApiException) as err:
        api.listHosts()
    assert err.value.error["errorcode"] == 432
    assert admin.listHosts(fetch_list=True)
    # POST transport works the same
    post = CloudStack(
        endpoint=f"{live_server.url}/client/api", key=keys[0], secret=keys[1], method="post"
    )
    assert post.listVirtualMachines()["count"] == 1
    # errors
    with pytest.raises(CloudStackApiException) as err:
        api.startVirtualMachine(id="00000000-0000-0000-0000-000000000000")
    assert err.value.error["errorcode"] == 431
    with pytest.raises(CloudStackApiException) as err:
        api.noSuchCommand()
    assert err.value.error["errorcode"] == 432
    # async without waiting, then polling
    pending = api.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=False)
    assert set(pending) == {"jobid"}
    job = api.queryAsyncJobResult(jobid=pending["jobid"], fetch_result=False)
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0


def test_cs_job_failure_is_reported(live_server, live_cloud, keys):
    from compute.models import Host

    Host.objects.update(status="Down")
    api = CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=keys[0],
        secret=keys[1],
        poll_interval=0.1,
        fetch_result=True,
    )
    with pytest.raises(CloudStackApiException) as err:
        api.deployVirtualMachine(
            zoneid=str(live_cloud["zone"].uuid),
            serviceofferingid=str(live_cloud["offering"].uuid),
            templateid=str(live_cloud["template"].uuid),
        )
    assert err.value.args[0] == "Job failure"
    assert err.value.error["errorcode"] in (530, 533) and err.value.error["errortext"]


def test_cs_fetch_list_pages_past_500(live_server, defaults, keys, tenant):
    from tests.factories import InstanceFactory, ZoneFactory

    zone = ZoneFactory()
    first = InstanceFactory(zone=zone, account=tenant.account)
    InstanceFactory.create_batch(
        520,
        zone=zone,
        account=tenant.account,
        service_offering=first.service_offering,
        template=first.template,
    )
    api = CloudStack(endpoint=f"{live_server.url}/client/api", key=keys[0], secret=keys[1])
    vms = api.listVirtualMachines(fetch_list=True)
    assert len(vms) == 521
    assert len({v["id"] for v in vms}) == 521
    assert api.listVirtualMachines()["count"] == 521
    assert len(api.listVirtualMachines()["virtualmachine"]) == 500
