import json

import pytest
from django.urls import reverse

from storage.models import StoragePool
from tests.api_base import InfrastructureAPITests
from tests.compute.helpers import raw_column
from tests.factories import (
    ClusterFactory,
    HostFactory,
    PodFactory,
    StoragePoolFactory,
    VolumeFactory,
    ZoneFactory,
)


class TestStoragePoolAPI(InfrastructureAPITests):
    basename = "storagepool"
    factory = StoragePoolFactory

    def create_data(self, owner):
        cluster = ClusterFactory(hypervisor="KVM")
        return {
            "name": "primary-new",
            "cluster": cluster.pk,
            "scope": "CLUSTER",
            "storage_url": "nfs://10.0.0.5/export/new",
            "capacity_bytes": 10 * 1024**4,
            "tags": ["ssd"],
        }

    def update_data(self):
        return {"name": "renamed", "tags": ["ssd", "fast"], "capacity_bytes": 2 * 1024**4}

    def invalid_data(self, owner):
        cluster = ClusterFactory(hypervisor="KVM")
        StoragePoolFactory(cluster=cluster, name="taken")
        base = {
            "name": "p2",
            "cluster": cluster.pk,
            "scope": "CLUSTER",
            "storage_url": "nfs://10.0.0.5/export/p2",
        }
        return [
            ({**base, "storage_url": "iscsi://10.0.0.5/iqn"}, "storage_url"),
            ({**base, "storage_url": "nfs://10.0.0.5"}, "storage_url"),
            ({**base, "storage_url": "nfs:///export"}, "storage_url"),
            ({**base, "storage_url": "cifs://srv/share"}, "storage_url"),  # no credentials
            ({**base, "name": "taken"}, "name"),
            ({**base, "hypervisor": "Hyperv"}, "hypervisor"),
            ({k: v for k, v in base.items() if k != "cluster"}, "cluster"),
            ({**base, "cluster": 999999}, "cluster"),
            ({**base, "zone": ZoneFactory().pk}, "zone"),
            ({**base, "pod": PodFactory().pk}, "pod"),
            ({**base, "scope": "ZONE", "cluster": None, "zone": cluster.zone_id}, "hypervisor"),
            ({**base, "scope": "ZONE", "zone": cluster.zone_id, "hypervisor": "KVM"}, "cluster"),
            ({**base, "storage_url": "file:///var/lib/images"}, "scope"),
            ({**base, "scope": "HOST"}, "host"),
            ({**base, "tags": "ssd"}, "tags"),
            ({**base, "capacity_bytes": -1}, "capacity_bytes"),
            ({**base, "scope": "REGION"}, "scope"),
        ]


def pools():
    return reverse("api:storagepool-list")


@pytest.mark.django_db
class TestStoragePoolRules:
    def test_smb_credentials_are_encrypted_and_stripped_from_the_url(self, api_client, root_admin):
        cluster = ClusterFactory(hypervisor="Hyperv")
        data = {
            "name": "smb",
            "cluster": cluster.pk,
            "storage_url": "cifs://fs1.example.test/primary?user=Admin&password=Sm8-plain&domain=LAB",
        }
        response = api_client(root_admin).post(pools(), data, format="json")
        assert response.status_code == 201, response.content
        assert "Sm8-plain" not in str(response.data)
        pool = StoragePool.objects.get(pk=response.data["id"])
        assert (pool.protocol, pool.scope, pool.hypervisor) == ("SMB", "CLUSTER", "Hyperv")
        assert pool.url == "cifs://fs1.example.test/primary"
        assert (pool.server, pool.path) == ("fs1.example.test", "/primary")
        assert json.loads(pool.credentials) == {
            "username": "Admin",
            "password": "Sm8-plain",
            "domain": "LAB",
        }
        stored = raw_column(StoragePool, pool.pk, "credentials")
        assert stored.startswith("fernet:") and "Sm8-plain" not in stored
        assert "Admin" not in stored

    @pytest.mark.parametrize(
        ("url", "path"), [("file:///data/vm", "/data/vm"), ("local", "/var/lib/libvirt/images")]
    )
    def test_local_path_is_host_scoped(self, api_client, root_admin, url, path):
        host = HostFactory()
        data = {"name": "local", "host": host.pk, "storage_url": url}
        response = api_client(root_admin).post(pools(), data, format="json")
        assert response.status_code == 201, response.content
        pool = StoragePool.objects.get(pk=response.data["id"])
        assert (pool.protocol, pool.scope, pool.path) == ("Filesystem", "HOST", path)
        assert (pool.zone_id, pool.pod_id, pool.cluster_id) == (
            host.zone_id,
            host.pod_id,
            host.cluster_id,
        )

    def test_zone_wide_pool(self, api_client, root_admin):
        zone = ZoneFactory()
        data = {
            "name": "zw",
            "zone": zone.pk,
            "scope": "ZONE",
            "hypervisor": "KVM",
            "storage_url": "nfs://10.0.0.7/zw",
        }
        response = api_client(root_admin).post(pools(), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["cluster"] is None and response.data["pod"] is None

    def test_state_verbs(self, api_client, root_admin):
        pool = StoragePoolFactory()
        client = api_client(root_admin)

        def post(name):
            return client.post(reverse(f"api:storagepool-{name}", kwargs={"pk": pool.pk}))

        assert post("disable").data["state"] == "Disabled"
        assert post("enable").data["state"] == "Up"
        assert post("maintenance").data["state"] == "Maintenance"
        assert post("enable").status_code == 400
        assert post("cancel-maintenance").data["state"] == "Up"
        assert post("cancel-maintenance").status_code == 400

    def test_tenant_cannot_use_verbs(self, api_client, tenant):
        pool = StoragePoolFactory()
        url = reverse("api:storagepool-disable", kwargs={"pk": pool.pk})
        assert api_client(tenant).post(url).status_code == 403

    def test_pool_with_volumes_cannot_be_deleted(self, api_client, root_admin):
        pool = StoragePoolFactory()
        VolumeFactory(pool=pool, zone=pool.zone)
        url = reverse("api:storagepool-detail", kwargs={"pk": pool.pk})
        assert api_client(root_admin).delete(url).status_code == 400
        assert StoragePool.objects.filter(pk=pool.pk).exists()
