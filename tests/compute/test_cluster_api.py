import pytest
from django.urls import reverse

from tests.api_base import InfrastructureAPITests
from tests.factories import ClusterFactory, PodFactory, ZoneFactory


class TestClusterAPI(InfrastructureAPITests):
    basename = "cluster"
    factory = ClusterFactory

    def create_data(self, owner):
        return {"pod": PodFactory().pk, "name": "cluster-new", "hypervisor": "KVM"}

    def update_data(self):
        return {"name": "renamed", "allocation_state": "Disabled", "cpu_overcommit_ratio": "2.50"}

    def invalid_data(self, owner):
        pod = PodFactory()
        ClusterFactory(pod=pod, name="taken")
        base = {"pod": pod.pk, "name": "c2", "hypervisor": "KVM"}
        return [
            ({**base, "hypervisor": "VMware"}, "hypervisor"),
            ({**base, "cpu_overcommit_ratio": "0.5"}, "cpu_overcommit_ratio"),
            ({**base, "memory_overcommit_ratio": "0"}, "memory_overcommit_ratio"),
            ({**base, "name": "taken"}, "name"),
            ({**base, "pod": 999999}, "pod"),
            ({**base, "zone": ZoneFactory().pk}, "zone"),  # not the pod's zone
            ({"name": "c3", "hypervisor": "KVM"}, "pod"),
        ]


@pytest.mark.django_db
class TestClusterRules:
    def test_zone_is_derived_from_the_pod(self, api_client, root_admin):
        pod = PodFactory()
        client = api_client(root_admin)
        data = {"pod": pod.pk, "name": "c", "hypervisor": "Hyperv"}
        response = client.post(reverse("api:cluster-list"), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["zone"]["id"] == pod.zone_id
        data = {"pod": pod.pk, "zone": pod.zone_id, "name": "d", "hypervisor": "KVM"}
        assert client.post(reverse("api:cluster-list"), data, format="json").status_code == 201

    def test_same_name_in_another_pod_is_fine(self, api_client, root_admin):
        ClusterFactory(name="same")
        data = {"pod": PodFactory().pk, "name": "same", "hypervisor": "KVM"}
        response = api_client(root_admin).post(reverse("api:cluster-list"), data, format="json")
        assert response.status_code == 201, response.content

    def test_hypervisor_is_fixed_after_creation(self, api_client, root_admin):
        cluster = ClusterFactory(hypervisor="KVM")
        url = reverse("api:cluster-detail", kwargs={"pk": cluster.pk})
        response = api_client(root_admin).patch(url, {"hypervisor": "Hyperv"})
        assert response.status_code == 200
        cluster.refresh_from_db()
        assert cluster.hypervisor == "KVM"
