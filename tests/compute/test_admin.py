import pytest
from django.contrib import admin
from django.urls import reverse

from compute.models import Cluster, Host, Instance, Pod, ServiceOffering, SSHKeyPair, Zone
from storage.models import DiskOffering, ImageStore, OSType, StoragePool, Template, Volume
from tests.factories import (
    HostFactory,
    ImageStoreFactory,
    InstanceFactory,
    SSHKeyPairFactory,
    StoragePoolFactory,
    VolumeFactory,
)

MODELS = [
    Zone, Pod, Cluster, Host, ServiceOffering, SSHKeyPair, Instance,
    StoragePool, ImageStore, DiskOffering, OSType, Template, Volume,
]  # fmt: skip


@pytest.fixture
def superuser_client(client, root_admin):
    root_admin.is_staff = root_admin.is_superuser = True
    root_admin.save()
    client.force_login(root_admin)
    return client


@pytest.mark.django_db
def test_every_model_is_registered_and_lists(superuser_client):
    HostFactory(password="admin-pw-plain", agent_secret="admin-secret-plain")
    InstanceFactory(vnc_password="vnc-plain")
    SSHKeyPairFactory()
    StoragePoolFactory(credentials='{"password": "pool-plain"}')
    ImageStoreFactory(password="store-plain")
    VolumeFactory()
    for model in MODELS:
        assert admin.site.is_registered(model), model
        opts = model._meta
        response = superuser_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        )
        assert response.status_code == 200, model


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "secret", "kwargs"),
    [
        (HostFactory, "admin-pw-plain", {"password": "admin-pw-plain"}),
        (HostFactory, "admin-secret-plain", {"agent_secret": "admin-secret-plain"}),
        (InstanceFactory, "vnc-plain", {"vnc_password": "vnc-plain"}),
        (StoragePoolFactory, "pool-plain", {"credentials": '{"password": "pool-plain"}'}),
        (ImageStoreFactory, "store-plain", {"password": "store-plain"}),
    ],
)
def test_change_pages_do_not_show_secrets(superuser_client, factory, secret, kwargs):
    obj = factory(**kwargs)
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert secret not in response.content.decode()
