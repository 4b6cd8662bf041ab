import pytest
from django.urls import reverse

from compute.models import Pod
from tests.api_base import InfrastructureAPITests
from tests.factories import ClusterFactory, PodFactory, ZoneFactory


class TestPodAPI(InfrastructureAPITests):
    basename = "pod"
    factory = PodFactory

    def create_data(self, owner):
        return {
            "zone": ZoneFactory().pk,
            "name": "pod-new",
            "gateway": "10.20.0.1",
            "netmask": "255.255.255.0",
            "start_ip": "10.20.0.10",
            "end_ip": "10.20.0.100",
        }

    def update_data(self):
        return {"name": "pod-renamed", "end_ip": "10.20.0.250"}

    def invalid_data(self, owner):
        zone = ZoneFactory()
        PodFactory(zone=zone, name="taken")  # 192.168.10.10-200, gateway .1/24
        base = {
            "zone": zone.pk,
            "name": "pod-b",
            "gateway": "172.16.0.1",
            "netmask": "255.255.255.0",
            "start_ip": "172.16.0.10",
            "end_ip": "172.16.0.20",
        }
        return [
            ({**base, "gateway": "999.1.1.1"}, "gateway"),
            ({**base, "gateway": "fe80::1"}, "gateway"),
            ({**base, "netmask": "255.0.255.0"}, "netmask"),
            ({**base, "netmask": "not-a-mask"}, "netmask"),
            ({**base, "start_ip": "172.16.0"}, "start_ip"),
            ({**base, "start_ip": "172.16.0.30"}, "end_ip"),  # start > end
            ({**base, "start_ip": "172.16.1.10", "end_ip": "172.16.1.20"}, "start_ip"),
            ({**base, "end_ip": "172.16.1.20"}, "end_ip"),  # leaves the /24
            ({**base, "gateway": "172.16.0.15"}, "gateway"),  # inside the range
            (
                {
                    **base,
                    "gateway": "192.168.10.1",
                    "start_ip": "192.168.10.150",
                    "end_ip": "192.168.10.220",
                },
                "start_ip",
            ),  # overlaps "taken"
            ({**base, "name": "taken"}, "name"),
            ({**base, "zone": 999999}, "zone"),
            ({k: v for k, v in base.items() if k != "gateway"}, "gateway"),
        ]


@pytest.mark.django_db
class TestPodRules:
    def test_same_range_in_another_zone_is_fine(self, api_client, root_admin):
        PodFactory()
        data = {
            "zone": ZoneFactory().pk,
            "name": "twin",
            "gateway": "192.168.10.1",
            "netmask": "255.255.255.0",
            "start_ip": "192.168.10.10",
            "end_ip": "192.168.10.200",
        }
        response = api_client(root_admin).post(reverse("api:pod-list"), data, format="json")
        assert response.status_code == 201, response.content

    def test_update_revalidates_but_ignores_its_own_range(self, api_client, root_admin):
        pod = PodFactory()
        PodFactory(
            zone=pod.zone, gateway="192.168.20.1", start_ip="192.168.20.10", end_ip="192.168.20.20"
        )
        client = api_client(root_admin)
        url = reverse("api:pod-detail", kwargs={"pk": pod.pk})
        assert client.patch(url, {"start_ip": "192.168.10.5"}).status_code == 200
        overlap = {
            "gateway": "192.168.20.1",
            "start_ip": "192.168.20.15",
            "end_ip": "192.168.20.30",
        }
        response = client.patch(url, overlap)
        assert response.status_code == 400 and "start_ip" in response.data
        pod.refresh_from_db()
        assert pod.gateway == "192.168.10.1"

    def test_zone_cannot_move(self, api_client, root_admin):
        pod = PodFactory()
        url = reverse("api:pod-detail", kwargs={"pk": pod.pk})
        api_client(root_admin).patch(url, {"zone": ZoneFactory().pk})
        assert Pod.objects.get(pk=pod.pk).zone_id == pod.zone_id

    def test_pod_with_clusters_cannot_be_deleted(self, api_client, root_admin):
        cluster = ClusterFactory()
        url = reverse("api:pod-detail", kwargs={"pk": cluster.pod_id})
        assert api_client(root_admin).delete(url).status_code == 400
        assert Pod.objects.filter(pk=cluster.pod_id).exists()
