"""``storage.primary_driver``: a pool's provider must be built-in or offered by an enabled
plugin, and that driver's ``validate(pool)`` is asked before the pool is created."""

import pytest
from django.urls import reverse

from storage.drivers import primary_drivers
from storage.models import StoragePool
from tests.factories import ClusterFactory, HostFactory

pytestmark = pytest.mark.django_db
URL = "nfs://10.0.0.5/export/block"


def _post(client, **data):
    return client.post(reverse("api:storagepool-list"), data, format="json")


def test_builtin_provider_is_the_default(api_client, root_admin):
    response = _post(api_client(root_admin), name="p", cluster=ClusterFactory().pk, storage_url=URL)
    assert response.status_code == 201, response.content
    assert response.json()["provider"] == "DefaultPrimary"
    assert StoragePool.objects.get(name="p").provider == "DefaultPrimary"


def test_plugin_provider_accepted_while_enabled(sample_plugin, api_client, root_admin):
    sample = sample_plugin("storage_plugin")
    assert "SampleBlock" in primary_drivers()
    client, cluster = api_client(root_admin), ClusterFactory()
    response = _post(client, name="b1", cluster=cluster.pk, storage_url=URL, provider="SampleBlock")
    assert response.status_code == 201, response.content
    assert StoragePool.objects.get(name="b1").provider == "SampleBlock"

    sample.set_enabled(False)
    response = _post(client, name="b2", cluster=cluster.pk, storage_url=URL, provider="SampleBlock")
    assert response.status_code == 400 and "provider" in response.json()
    assert not StoragePool.objects.filter(name="b2").exists()


def test_driver_validate_is_called(sample_plugin, api_client, root_admin):
    sample_plugin("storage_plugin")
    host = HostFactory()
    response = _post(
        api_client(root_admin),
        name="local",
        host=host.pk,
        storage_url="file:///var/lib/images",
        provider="SampleBlock",
    )
    assert response.status_code == 400 and "scope" in response.json()  # the driver refused
    assert not StoragePool.objects.filter(name="local").exists()


def test_unknown_provider_refused(api_client, root_admin):
    response = _post(
        api_client(root_admin),
        name="x",
        cluster=ClusterFactory().pk,
        storage_url=URL,
        provider="Nope",
    )
    assert response.status_code == 400 and "provider" in response.json()
