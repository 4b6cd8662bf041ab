"""The commands of the seed's CloudMonkey flow, in-process: what the flow sends must act
(acltype, vlan=untagged, startip/endip, the CIFS URL's user/password), tenants see and
deploy into a shared Domain network of their domain or above only, and createStoragePool
attaches the pool on its Up hosts (their capacity, or a 530 with nothing left behind)."""

import pytest

from storage.models import ImageStore, StoragePool
from tests.cloud_fixtures import SECRET

pytestmark = pytest.mark.django_db(transaction=True)
SEED_CIFS = "cifs://127.0.0.1/secondary?user=administrator&password=1pass%40word1"


@pytest.fixture
def run_jobs_inline(monkeypatch):
    """Each job runs as soon as its transaction commits (what the worker would do)."""
    from portal.services import jobs
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: run_job(job.pk))


@pytest.fixture
def admin(cs_client, root_admin):
    return cs_client(root_admin)


@pytest.fixture
def shared_zone(seeded):
    from networking.models import TrafficType
    from networking.services import create_physical_network

    physical = create_physical_network(
        acting_user=None, zone=seeded["zone"], name="phys", vlan_range="500-510"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    return seeded["zone"], physical


def quickcloud(admin, zone, physical, **extra):
    (offering,) = admin("listNetworkOfferings", name="QuickCloudNoServices")["networkoffering"]
    params = {
        "zoneid": str(zone.uuid),
        "networkofferingid": offering["id"],
        "physicalnetworkid": str(physical.uuid),
        "name": "QuickCloudNetName",
        "displaytext": "QuickCloudNetDesc",
        "vlan": "untagged",
        "acltype": "domain",
        "gateway": "127.0.2.1",
        "netmask": "255.255.255.0",
        "startip": "127.0.2.124",
        "endip": "127.0.2.144",
        **extra,
    }
    return admin.raw("createNetwork", **params)


def create_pool(admin, cluster, name: str):
    return admin.raw(
        "createStoragePool",
        zoneid=str(cluster.zone.uuid),
        podid=str(cluster.pod.uuid),
        clusterid=str(cluster.uuid),
        name=name,
        url="nfs://127.0.0.1/export/primary",
    )


def test_add_secondary_storage_cifs_keeps_credentials_out_of_answers(admin, seeded):
    store = admin("addSecondaryStorage", zoneid=str(seeded["zone"].uuid), url=SEED_CIFS)[
        "secondarystorage"
    ]
    assert store["url"] == store["name"] == "cifs://127.0.0.1/secondary"
    listed = admin("listImageStores", id=store["id"])["imagestore"][0]
    assert "password" not in str(listed) and "1pass" not in str(listed)
    row = ImageStore.objects.get(uuid=store["id"])
    assert (row.username, row.password) == ("administrator", "1pass@word1")  # %40 decoded


def test_create_network_of_the_seed_is_a_shared_domain_network(admin, shared_zone):
    zone, physical = shared_zone
    response = quickcloud(admin, zone, physical)
    assert response.status_code == 200, response.json()
    network = response.json()["createnetworkresponse"]["network"]
    assert (network["type"], network["acltype"]) == ("Shared", "Domain")
    assert network["networkofferingname"] == "QuickCloudNoServices"
    assert (network["broadcasturi"], network["gateway"]) == ("vlan://untagged", "127.0.2.1")
    assert quickcloud(admin, zone, physical, name="n2", acltype="project").status_code == 431


def test_tenants_see_and_deploy_into_shared_domain_networks_of_their_domain_only(
    admin, cs_client, shared_zone, seeded, no_broker
):
    from tests.factories import DomainFactory, UserFactory

    zone, physical = shared_zone
    net = quickcloud(admin, zone, physical).json()["createnetworkresponse"]["network"]
    sub = DomainFactory(name="sub")
    inside = UserFactory(account__domain=sub, account__name="inside")
    deploy = {
        "zoneid": str(zone.uuid),
        "serviceofferingid": str(seeded["offering"].uuid),
        "templateid": str(seeded["template"].uuid),
        "networkids": net["id"],
    }
    tenant_api = cs_client(inside)
    assert [n["id"] for n in tenant_api("listNetworks")["network"]] == [net["id"]]
    assert "jobid" in tenant_api("deployVirtualMachine", **deploy)

    # The same kind of network made in the tenant's subdomain is invisible to the ROOT
    # domain's other tenants, and they cannot deploy into it by id.
    other_sub = quickcloud(
        admin, zone, physical, name="subnet", gateway="127.0.3.1", startip="127.0.3.10",
        endip="127.0.3.20", domainid=str(sub.uuid), account="inside", acltype="domain",
    )  # fmt: skip
    assert other_sub.status_code == 200, other_sub.json()
    sub_net = other_sub.json()["createnetworkresponse"]["network"]
    outside = UserFactory(account__domain=DomainFactory(name="elsewhere"))
    outsider = cs_client(outside)
    assert sub_net["id"] not in {n["id"] for n in outsider("listNetworks").get("network", [])}
    refused = outsider.raw("deployVirtualMachine", **{**deploy, "networkids": sub_net["id"]})
    assert refused.status_code == 431


def test_create_storage_pool_attaches_on_up_hosts_and_takes_their_capacity(
    admin, seeded, simulator, run_jobs_inline
):
    from compute.choices import HostStatus
    from tests.factories import HostFactory

    cluster = seeded["cluster"]
    HostFactory(
        cluster=cluster,
        url=f"{simulator.url}/hosts/pool-{cluster.pk}",
        agent_secret=SECRET,
        status=HostStatus.UP,
    )
    response = create_pool(admin, cluster, "attached")
    assert response.status_code == 200, response.json()
    pool = response.json()["createstoragepoolresponse"]["storagepool"]
    assert pool["state"] == "Up" and pool["disksizetotal"] > 0  # reported by the host
    assert StoragePool.objects.get(uuid=pool["id"]).capacity_bytes == pool["disksizetotal"]


def test_create_storage_pool_no_host_can_attach_is_530_and_leaves_nothing(
    admin, seeded, run_jobs_inline
):
    from compute.choices import HostStatus
    from tests.factories import HostFactory

    cluster = seeded["cluster"]
    HostFactory(cluster=cluster, url="http://127.0.0.1:9/", status=HostStatus.UP)
    response = create_pool(admin, cluster, "unreachable")
    body = response.json()["createstoragepoolresponse"]
    assert response.status_code == 530, body
    assert "no host could attach it" in body["errortext"]
    assert not StoragePool.objects.filter(name="unreachable").exists()


def test_drf_pool_create_is_attached_by_the_same_service(
    api_client, root_admin, seeded, simulator, run_jobs_inline
):
    from django.urls import reverse

    from compute.choices import HostStatus
    from tests.factories import HostFactory

    cluster = seeded["cluster"]
    seeded["host"].delete()  # only the simulator host is in the cluster
    HostFactory(
        cluster=cluster,
        url=f"{simulator.url}/hosts/drf-{cluster.pk}",
        agent_secret=SECRET,
        status=HostStatus.UP,
    )
    data = {"name": "drf", "cluster": cluster.pk, "storage_url": "nfs://127.0.0.1/export/drf"}
    response = api_client(root_admin).post(reverse("api:storagepool-list"), data, format="json")
    assert response.status_code == 201, response.content
    assert StoragePool.objects.get(pk=response.data["id"]).capacity_bytes > 0
