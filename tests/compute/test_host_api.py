import pytest
from django.urls import reverse

from compute.models import Host
from portal.models import AsyncJob, Event
from portal.services import jobs
from tests.compute.helpers import AddEventInfrastructureAPITests, raw_column
from tests.factories import ClusterFactory, HostFactory, InstanceFactory

SECRETS = {
    "username": "root",
    "password": "host-Pa55word-plain",
    "agent_secret": "agent-shared-secret-plain",
}


class TestHostAPI(AddEventInfrastructureAPITests):
    basename = "host"
    factory = HostFactory

    def create_data(self, owner):
        cluster = ClusterFactory(hypervisor="KVM")
        return {"cluster": cluster.pk, "agent_url": "https://kvm1.example.test:8250", **SECRETS}

    def update_data(self):
        return {"name": "renamed", "host_tags": ["ssd", "gpu"]}

    def invalid_data(self, owner):
        cluster = ClusterFactory(hypervisor="KVM")
        HostFactory(cluster=cluster, name="taken", url="http://10.0.0.9:8250")
        base = {"cluster": cluster.pk, "agent_url": "http://10.0.0.10:8250"}
        return [
            ({**base, "hypervisor": "Hyperv"}, "hypervisor"),
            ({**base, "hypervisor": "Xen"}, "hypervisor"),
            ({**base, "agent_url": "http://10.0.0.9:8250"}, "agent_url"),
            ({**base, "agent_url": "ftp://10.0.0.10/"}, "agent_url"),
            ({**base, "agent_url": "http://10.0.0.10:99999"}, "agent_url"),
            ({**base, "cluster": 999999}, "cluster"),
            ({**base, "name": "taken"}, "name"),
            ({**base, "host_tags": "ssd"}, "host_tags"),
            ({"agent_url": "http://10.0.0.11:8250"}, "cluster"),
        ]


def host_list():
    return reverse("api:host-list")


def verb(host, name):
    return reverse(f"api:host-{name}", kwargs={"pk": host.pk})


@pytest.mark.django_db
class TestHostRules:
    def test_new_host_is_connecting_in_its_cluster_and_status_is_read_only(
        self, api_client, root_admin, monkeypatch
    ):
        monkeypatch.delitem(jobs._HANDLERS, "host.connect", raising=False)
        cluster = ClusterFactory(hypervisor="KVM")
        data = {
            "cluster": cluster.pk,
            "agent_url": "http://kvm7.example.test:8250",
            "status": "Up",
            "resource_state": "Maintenance",
            "zone": 424242,
        }
        response = api_client(root_admin).post(host_list(), data, format="json")
        assert response.status_code == 201, response.content
        host = Host.objects.get(pk=response.data["id"])
        assert (host.status, host.resource_state) == ("Connecting", "Enabled")
        assert (host.zone_id, host.pod_id, host.hypervisor) == (
            cluster.zone_id,
            cluster.pod_id,
            "KVM",
        )
        assert host.name == "kvm7.example.test"
        assert response.data["job"] is None
        assert not AsyncJob.objects.exists()

    def test_secrets_are_write_only_and_encrypted_at_rest(self, api_client, root_admin):
        client = api_client(root_admin)
        data = {"cluster": ClusterFactory().pk, "agent_url": "http://h.example.test:1", **SECRETS}
        response = client.post(host_list(), data, format="json")
        assert response.status_code == 201, response.content
        pk = response.data["id"]
        shown = str(client.get(reverse("api:host-detail", kwargs={"pk": pk})).data)
        for value in ("host-Pa55word-plain", "agent-shared-secret-plain"):
            assert value not in str(response.data) and value not in shown
        for column, plain in (
            ("password", "host-Pa55word-plain"),
            ("agent_secret", "agent-shared-secret-plain"),
        ):
            stored = raw_column(Host, pk, column)
            assert stored.startswith("fernet:") and plain not in stored
        host = Host.objects.get(pk=pk)
        assert (host.password, host.agent_secret) == (
            "host-Pa55word-plain",
            "agent-shared-secret-plain",
        )

    def test_connect_job_is_enqueued_when_a_handler_exists(
        self, api_client, root_admin, monkeypatch
    ):
        monkeypatch.setitem(jobs._HANDLERS, "host.connect", lambda job, report: None)
        monkeypatch.setattr(jobs, "enqueue", lambda job: None)
        data = {"cluster": ClusterFactory().pk, "agent_url": "http://j.example.test:1"}
        response = api_client(root_admin).post(host_list(), data, format="json")
        assert response.status_code == 201, response.content
        job = AsyncJob.objects.get(command="host.connect")
        assert response.data["job"] == str(job.uuid)
        assert job.params == {"host_id": response.data["id"], "default_name": True}

    def test_enable_disable(self, api_client, root_admin):
        host = HostFactory()
        client = api_client(root_admin)
        response = client.post(verb(host, "disable"))
        assert response.status_code == 200 and response.data["resource_state"] == "Disabled"
        response = client.post(verb(host, "enable"))
        assert response.status_code == 200 and response.data["resource_state"] == "Enabled"
        assert Event.objects.filter(event_type="HOST.DISABLE").exists()
        assert Event.objects.filter(event_type="HOST.ENABLE").exists()

    def test_maintenance_of_an_idle_host_is_immediate(self, api_client, root_admin):
        host = HostFactory()
        InstanceFactory(host=host, zone=host.zone, state="Stopped")
        client = api_client(root_admin)
        response = client.post(verb(host, "maintenance"))
        assert response.status_code == 200 and response.data["resource_state"] == "Maintenance"
        assert Event.objects.filter(event_type="HOST.MAINTENANCE").exists()
        # enabling needs cancelling maintenance first
        assert client.post(verb(host, "enable")).status_code == 400
        response = client.post(verb(host, "cancel-maintenance"))
        assert response.status_code == 200 and response.data["resource_state"] == "Enabled"

    def test_maintenance_with_running_instances_is_prepared(self, api_client, root_admin):
        host = HostFactory()
        InstanceFactory(host=host, zone=host.zone, state="Running")
        client = api_client(root_admin)
        response = client.post(verb(host, "maintenance"))
        assert response.data["resource_state"] == "PrepareForMaintenance"
        assert client.post(verb(host, "maintenance")).status_code == 400
        response = client.post(verb(host, "cancel-maintenance"))
        assert response.data["resource_state"] == "Enabled"

    def test_cancel_without_maintenance_is_refused(self, api_client, root_admin):
        host = HostFactory()
        response = api_client(root_admin).post(verb(host, "cancel-maintenance"))
        assert response.status_code == 400 and "resource_state" in response.data
        host.refresh_from_db()
        assert host.resource_state == "Enabled"

    def test_tenant_cannot_use_verbs(self, api_client, tenant):
        host = HostFactory()
        for name in ("enable", "disable", "maintenance", "cancel-maintenance"):
            assert api_client(tenant).post(verb(host, name)).status_code == 403
        host.refresh_from_db()
        assert host.resource_state == "Enabled"

    def test_host_with_instances_cannot_be_deleted(self, api_client, root_admin):
        host = HostFactory()
        InstanceFactory(host=host, zone=host.zone)
        response = api_client(root_admin).delete(reverse("api:host-detail", kwargs={"pk": host.pk}))
        assert response.status_code == 400
        assert Host.objects.filter(pk=host.pk).exists()
