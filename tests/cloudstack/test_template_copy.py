"""copyTemplate/copyIso through the ``cs`` client against a live server (jobs inline): the
image is copied to the destination zone's image store, the template is listed and usable
there; bad zones, other tenants and a lost image give CloudStack errors and no copy."""

import pytest
from cs import CloudStackApiException

from tests.cloudstack.live_api import cs_api
from tests.cloudstack.test_clients import _keys, run_jobs_inline  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE = b"QFI\xfb" + b"\x01" * 8192


@pytest.fixture
def two_zones(defaults, tmp_path, settings, run_jobs_inline):  # noqa: F811
    from compute.choices import AllocationState
    from storage.models import ImageStore
    from tests.factories import ZoneFactory

    settings.IMAGE_STORE_MOUNT_ROOT = tmp_path
    zones = [ZoneFactory(allocation_state=AllocationState.ENABLED) for _ in range(3)]
    stores = [
        ImageStore.objects.create(
            name=f"sec{i}",
            zone=zone,
            protocol="nfs",
            url=f"nfs://127.0.0.1/e{i}",
            server="127.0.0.1",
            path=f"/e{i}",
        )  # fmt: skip
        for i, zone in enumerate(zones[:2])
    ]
    return zones, stores, tmp_path


def _stored(account, zone, store, root, *, is_iso=False):
    from tests.factories import TemplateFactory

    template = TemplateFactory(
        account=account, zone=zone, image_store=store, is_public=False, is_iso=is_iso,
        format="ISO" if is_iso else "QCOW2", hypervisor="" if is_iso else "Simulator",
    )  # fmt: skip
    path = root / str(store.uuid) / f"{template.uuid}.img"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(IMAGE)
    template.install_path = str(path)
    template.save(update_fields=["install_path"])
    return template


def test_copy_template_and_iso_to_another_zone(live_server, two_zones, tenant):
    from pathlib import Path

    from storage.models import TemplateZone
    from storage.services.template_copy import available_in, image_location

    (zone_a, zone_b, _), (store_a, store_b), root = two_zones
    template = _stored(tenant.account, zone_a, store_a, root)
    iso = _stored(tenant.account, zone_a, store_a, root, is_iso=True)
    api = cs_api(live_server, tenant)
    assert not available_in(template, zone_b.pk)
    assert api.listTemplates(templatefilter="self", zoneid=str(zone_b.uuid)).get("count", 0) == 0

    out = api.copyTemplate(id=str(template.uuid), destzoneid=str(zone_b.uuid))["template"]
    assert out["id"] == str(template.uuid)
    copy = TemplateZone.objects.get(template=template, zone=zone_b)
    assert copy.image_store == store_b and Path(copy.install_path).read_bytes() == IMAGE
    assert Path(copy.install_path).is_relative_to(root / str(store_b.uuid))
    assert available_in(template, zone_b.pk)
    assert image_location(template, zone_b.pk) == copy.install_path
    assert image_location(template, zone_a.pk) == template.install_path
    listed = api.listTemplates(templatefilter="self", zoneid=str(zone_b.uuid), fetch_list=True)
    assert [t["id"] for t in listed] == [str(template.uuid)]

    api.copyIso(id=str(iso.uuid), destzoneids=str(zone_b.uuid), sourcezoneid=str(zone_a.uuid))
    assert TemplateZone.objects.filter(template=iso, zone=zone_b).exists()
    with pytest.raises(CloudStackApiException) as err:  # once is enough
        api.copyTemplate(id=str(template.uuid), destzoneid=str(zone_b.uuid))
    assert "already in zone" in err.value.error["errortext"]


def test_copy_errors_tenants_and_rollback(live_server, two_zones, tenant, other_tenant):
    from storage.models import TemplateZone
    from tests.factories import TemplateFactory

    (zone_a, zone_b, zone_c), (store_a, _), root = two_zones
    template = _stored(tenant.account, zone_a, store_a, root)
    cross = TemplateFactory(account=tenant.account, zone=None, is_public=False)
    api = cs_api(live_server, tenant)
    other = cs_api(live_server, other_tenant)
    for call, params, text in (
        (api.copyTemplate, {"id": str(template.uuid)}, "destination zone"),
        (
            api.copyTemplate,
            {"id": str(template.uuid), "destzoneid": str(zone_a.uuid)},
            "different source and destination",
        ),
        (
            api.copyTemplate,
            {"id": str(template.uuid), "destzoneid": str(zone_c.uuid)},
            "no secondary storage",
        ),
        (
            api.copyTemplate,
            {
                "id": str(template.uuid),
                "destzoneid": str(zone_b.uuid),
                "sourcezoneid": str(zone_b.uuid),
            },
            "not in zone",
        ),
        (api.copyTemplate, {"id": str(cross.uuid), "destzoneid": str(zone_b.uuid)}, "cross-zone"),
        (api.copyIso, {"id": str(template.uuid), "destzoneid": str(zone_b.uuid)}, "id"),
        (other.copyTemplate, {"id": str(template.uuid), "destzoneid": str(zone_b.uuid)}, "id"),
    ):
        with pytest.raises(CloudStackApiException) as err:
            call(**params)
        assert err.value.error["errorcode"] == 431, (params, err.value.error)
        assert text in err.value.error["errortext"], (params, err.value.error)

    # the image vanished from the source store: the job fails, no copy is recorded
    from pathlib import Path

    Path(template.install_path).unlink()
    with pytest.raises(CloudStackApiException) as err:
        api.copyTemplate(id=str(template.uuid), destzoneid=str(zone_b.uuid))
    assert err.value.error["errorcode"] == 530
    assert not TemplateZone.objects.exists()
