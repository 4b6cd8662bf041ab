"""Admin create forms outside the zone wizard (pod, cluster, host with its connect job,
primary and secondary storage) and the host/pool state verbs on their detail pages:
field errors on the form, admins only, htmx answers with a toast, CSRF."""

import json

import pytest
from django.test import Client

from compute.models import Cluster, Host, Pod
from storage.models import ImageStore, StoragePool

HX = {"HX-Request": "true"}


@pytest.fixture
def pod(defaults):
    from tests.factories import PodFactory

    return PodFactory()


@pytest.mark.django_db
def test_add_pod_shows_service_errors_on_fields(login, root_admin, pod):
    client = login(root_admin)
    data = {
        "zone": pod.zone.pk,
        "name": "pod-b",
        "gateway": "192.168.70.1",
        "netmask": "255.255.255.0",
        "start_ip": "192.168.70.100",
        "end_ip": "192.168.70.10",
    }
    response = client.post("/compute/pods/add/", data)
    assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    assert not Pod.objects.filter(name="pod-b").exists()
    response = client.post("/compute/pods/add/", data | {"end_ip": "192.168.70.200"})
    assert response.status_code == 302 and Pod.objects.get(name="pod-b").zone == pod.zone


@pytest.mark.django_db
def test_add_cluster_then_host_shows_the_connect_job(login, root_admin, pod, no_broker):
    client = login(root_admin)
    response = client.post(
        "/compute/clusters/add/", {"pod": pod.pk, "name": "c-new", "hypervisor": "Simulator"}
    )
    cluster = Cluster.objects.get(name="c-new")
    assert response.status_code == 302 and cluster.zone == pod.zone
    response = client.post("/compute/hosts/add/", {"cluster": cluster.pk, "url": "ftp://nope"})
    assert "The agent URL must be http(s)://host[:port]." in response.content.decode()
    response = client.post(
        "/compute/hosts/add/",
        {"cluster": cluster.pk, "url": "http://10.9.9.9:8250/", "agent_secret": "s" * 20},
    )
    host = Host.objects.get(url="http://10.9.9.9:8250/")
    assert response["Location"] == f"/compute/hosts/{host.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Agent connection:" in page and "host.connect" in page and "/progress/" in page


@pytest.mark.django_db
def test_host_state_verbs_on_the_detail_page(login, root_admin, defaults):
    from tests.factories import HostFactory

    host = HostFactory(resource_state="Enabled")
    client = login(root_admin)
    page = client.get(f"/compute/hosts/{host.pk}/").content.decode()
    assert 'data-action="disable"' in page and 'data-action="maintenance"' in page
    assert 'data-action="enable"' not in page
    response = client.post(f"/compute/hosts/{host.pk}/maintenance/", headers=HX)
    host.refresh_from_db()
    assert host.resource_state == "Maintenance"
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "success"
    assert 'data-action="cancel_maintenance"' in response.content.decode()
    response = client.post(f"/compute/hosts/{host.pk}/maintenance/", headers=HX)
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "error"
    response = client.post(f"/compute/hosts/{host.pk}/cancel_maintenance/")
    host.refresh_from_db()
    assert response.status_code == 302 and host.resource_state == "Enabled"
    assert client.post(f"/compute/hosts/{host.pk}/explode/").status_code == 404


@pytest.mark.django_db
def test_add_primary_storage_and_its_maintenance_verbs(login, root_admin, defaults):
    from tests.factories import ClusterFactory

    cluster = ClusterFactory()
    client = login(root_admin)
    data = {
        "name": "p1",
        "zone": cluster.zone.pk,
        "scope": "CLUSTER",
        "url": "gopher://x/y",
    }
    response = client.post("/storage/pools/add/", data)
    assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    response = client.post("/storage/pools/add/", data | {"url": "nfs://10.0.0.5/export"})
    assert "A cluster-scoped pool needs a cluster." in response.content.decode()
    response = client.post(
        "/storage/pools/add/",
        data | {"url": "nfs://10.0.0.5/export", "cluster": cluster.pk, "capacity_gib": "100"},
    )
    pool = StoragePool.objects.get(name="p1")
    assert response["Location"] == f"/storage/pools/{pool.pk}/"
    assert pool.cluster == cluster and pool.capacity_bytes == 100 * 1024**3
    page = client.get(response["Location"]).content.decode()
    assert 'data-action="maintenance"' in page
    response = client.post(f"/storage/pools/{pool.pk}/maintenance/", headers=HX)
    pool.refresh_from_db()
    assert pool.state == "Maintenance" and "toast" in response["HX-Trigger"]


@pytest.mark.django_db
def test_add_secondary_storage(login, root_admin, defaults):
    from tests.factories import ZoneFactory

    zone = ZoneFactory()
    client = login(root_admin)
    response = client.post("/storage/imagestores/add/", {"name": "s1", "url": "cifs://srv/share"})
    assert "needs ?user=" in response.content.decode()
    response = client.post(
        "/storage/imagestores/add/", {"name": "s1", "zone": zone.pk, "url": "nfs://10.0.0.6/sec"}
    )
    assert response.status_code == 302 and ImageStore.objects.get(name="s1").zone == zone


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/compute/pods/add/",
        "/compute/clusters/add/",
        "/compute/hosts/add/",
        "/storage/pools/add/",
        "/storage/imagestores/add/",
    ],
)
def test_infrastructure_forms_are_for_admins(login, tenant, domain_admin, url):
    assert login(tenant).get(url).status_code == 403
    assert login(domain_admin, Client()).post(url, {"name": "x"}).status_code == 403


@pytest.mark.django_db
def test_tenants_cannot_use_state_verbs_and_csrf_is_checked(login, tenant, root_admin, defaults):
    from tests.factories import HostFactory

    host = HostFactory(resource_state="Enabled")
    assert login(tenant).post(f"/compute/hosts/{host.pk}/disable/").status_code == 403
    client = Client(enforce_csrf_checks=True)
    client.force_login(root_admin)
    assert client.post(f"/compute/hosts/{host.pk}/disable/").status_code == 403
    host.refresh_from_db()
    assert host.resource_state == "Enabled"
