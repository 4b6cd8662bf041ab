"""``hypervisor.register``: types registered by enabled plugins are valid for clusters, hosts
and zone-wide pools; built-in types stay the model's fallback."""

import pytest
from django.urls import reverse

from compute.hypervisors import hypervisor_types
from compute.models import Cluster
from tests.factories import ClusterFactory, PodFactory

pytestmark = pytest.mark.django_db


def _create(client, pod, name="fc-1"):
    data = {"pod": pod.pk, "name": name, "hypervisor": "Firecracker"}
    return client.post(reverse("api:cluster-list"), data, format="json")


def test_plugin_type_is_valid_while_enabled(sample_plugin, api_client, root_admin):
    sample = sample_plugin("hypervisor_plugin")
    assert "Firecracker" in hypervisor_types() and "KVM" in hypervisor_types()
    client, pod = api_client(root_admin), PodFactory()
    response = _create(client, pod)
    assert response.status_code == 201, response.content
    assert Cluster.objects.get(name="fc-1").hypervisor == "Firecracker"

    sample.set_enabled(False)
    assert "Firecracker" not in hypervisor_types()
    response = _create(client, pod, name="fc-2")
    assert response.status_code == 400 and "hypervisor" in response.json()
    assert not Cluster.objects.filter(name="fc-2").exists()


def test_unknown_type_refused_without_plugin(api_client, root_admin):
    response = _create(api_client(root_admin), PodFactory())
    assert response.status_code == 400 and "hypervisor" in response.json()


def test_host_of_a_plugin_cluster(sample_plugin, api_client, root_admin):
    sample = sample_plugin("hypervisor_plugin")
    cluster = ClusterFactory(hypervisor="Firecracker")
    data = {"cluster": cluster.pk, "agent_url": "http://10.1.1.5:8250", "hypervisor": "Firecracker"}
    client = api_client(root_admin)
    response = client.post(reverse("api:host-list"), data, format="json")
    assert response.status_code == 201, response.content
    sample.set_enabled(False)
    data["agent_url"] = "http://10.1.1.6:8250"
    response = client.post(reverse("api:host-list"), data, format="json")
    assert response.status_code == 400 and "hypervisor" in response.json()
