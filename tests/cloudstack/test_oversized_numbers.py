"""Oversized numbers are field errors at every entry point (service, REST API,
/client/api), never a database overflow (500): volume sizes are bounded by the zone's
largest primary storage pool and CUSTOM_DISK_MAX_GIB, resource limits by the 64-bit column."""

import pytest
from django.core.exceptions import ValidationError

from compute.models import ServiceOffering
from portal.models import ResourceLimit
from storage.models import DiskOffering, Volume

GIB = 1024**3
HUGE = 99999999999999
pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(seeded):
    """The seeded zone with one 4 TiB pool (no over-provisioning)."""
    pool = seeded["pool"]
    pool.capacity_bytes, pool.overprovisioning_factor = 4096 * GIB, 1
    pool.save()
    return seeded["zone"]


@pytest.fixture
def custom():
    return DiskOffering.objects.create(name="custom", customized=True)


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_service_bounds_volume_sizes(zone, tenant, custom, settings):
    from storage.services.volumes import create_volume, resize_volume

    def create(size, offering=custom):
        return create_volume(acting_user=tenant, zone=zone, disk_offering=offering, size=size)

    assert "1024 GiB" in _errors(lambda: create(2000))["size"][0]  # CloudStack's default max
    settings.CUSTOM_DISK_MAX_GIB = 0  # no configured max: the largest pool bounds it
    assert "4096 GiB" in _errors(lambda: create(999999))["size"][0]
    assert "size" in _errors(lambda: create(HUGE))
    assert "size" in _errors(lambda: create(10**30))
    big_fixed = DiskOffering.objects.create(name="huge", disk_size=999999)
    assert "size" in _errors(lambda: create(None, big_fixed))
    volume = create(4096)
    assert volume.size == 4096 * GIB
    small = create(10)
    assert "size" in _errors(lambda: resize_volume(small, acting_user=tenant, size=HUGE))
    assert Volume.objects.count() == 2


def test_deploy_bounds_its_disks(zone, seeded, tenant, custom):
    from compute.lifecycle import deploy_instance

    def deploy(**kwargs):
        return deploy_instance(
            acting_user=tenant,
            zone=zone,
            template=seeded["template"],
            service_offering=ServiceOffering.objects.get(name="Small Instance"),
            start=False,
            **kwargs,
        )

    assert "size" in _errors(lambda: deploy(disk_offering=custom, size=HUGE))
    assert "root_disk_size" in _errors(lambda: deploy(root_disk_size=HUGE))


def test_rest_api_answers_field_errors(api_client, zone, tenant, root_admin, custom):
    api = api_client(tenant)
    response = api.post(
        "/api/storage/volumes/",
        {"zone": zone.pk, "disk_offering": custom.pk, "size": HUGE},
        format="json",
    )
    assert response.status_code == 400 and "size" in response.json(), response.content
    response = api_client(root_admin).post(
        "/api/tenancy/resourcelimits/",
        {"resource_type": "cpu", "account": tenant.account.pk, "max": 99999999999999999999999},
        format="json",
    )
    assert response.status_code == 400 and "max" in response.json(), response.content
    assert not ResourceLimit.objects.filter(resource_type="cpu").exists()


def test_client_api_answers_431(cs_client, zone, tenant, root_admin, custom):
    response = cs_client(tenant).raw(
        "createVolume", zoneid=str(zone.uuid), diskofferingid=str(custom.uuid), size=HUGE
    )
    assert response.status_code == 431, response.content
    assert "size" in response.json()["createvolumeresponse"]["errortext"]
    response = cs_client(root_admin).raw(
        "updateResourceLimit",
        resourcetype=0,
        max=99999999999999999999999,
        account=tenant.account.name,
        domainid=str(tenant.account.domain.uuid),
    )
    assert response.status_code == 431, response.content
    assert not Volume.objects.exists() and not ResourceLimit.objects.exists()
