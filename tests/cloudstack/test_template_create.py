"""createTemplate from a volume and from a snapshot through the ``cs`` client against a live
server whose hosts are simulator agents (jobs inline): the image reaches secondary storage
through the agent, the template is Ready and deployable; failures leave nothing behind."""

import pytest
from cs import CloudStackApiException

from tests.cloudstack.live_api import cs_api
from tests.cloudstack.test_clients import (  # noqa: F401
    _keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def image_store(defaults, tmp_path, settings):
    from storage.models import ImageStore

    settings.IMAGE_STORE_MOUNT_ROOT = tmp_path
    return ImageStore.objects.create(
        name="sec", protocol="nfs", url="nfs://127.0.0.1/export", server="127.0.0.1", path="/x"
    )


def _root_volume(api, vm):
    return api.listVolumes(virtualmachineid=vm["id"], type="ROOT", fetch_list=True)[0]


def test_template_from_volume_and_snapshot(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    image_store,
    simulator,
):
    from storage.models import OSType, Template

    api = cs_api(live_server, keys)
    ostype = str(OSType.objects.order_by("id").first().uuid)
    vm = api.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="golden",
    )["virtualmachine"]
    root = _root_volume(api, vm)
    # the VM runs: its root disk cannot become a template yet
    with pytest.raises(CloudStackApiException) as err:
        api.createTemplate(name="t", ostypeid=ostype, volumeid=root["id"])
    assert err.value.error["errorcode"] == 431 and "stop it" in err.value.error["errortext"]
    api.stopVirtualMachine(id=vm["id"])

    made = api.createTemplate(
        name="golden-1",
        displaytext="Golden",
        ostypeid=ostype,
        volumeid=root["id"],
        passwordenabled=True,
    )["template"]
    assert (made["name"], made["isready"], made["passwordenabled"]) == ("golden-1", True, True)
    assert made["zoneid"] == vm["zoneid"] and made["size"] == root["size"]
    row = Template.objects.get(uuid=made["id"])
    assert row.install_path.startswith(str(image_store_root(image_store)))
    images = simulator.provider.shared_storage["images"]
    assert images[row.install_path] == root["size"]
    listed = api.listTemplates(templatefilter="self", fetch_list=True)
    assert [t["id"] for t in listed] == [made["id"]]

    clone = api.deployVirtualMachine(
        zoneid=vm["zoneid"],
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=made["id"],
        name="clone",
    )["virtualmachine"]
    assert clone["state"] == "Running" and clone["templateid"] == made["id"]

    snapshot = api.createSnapshot(volumeid=root["id"])["snapshot"]
    from_snap = api.createTemplate(name="from-snap", ostypeid=ostype, snapshotid=snapshot["id"])
    assert from_snap["template"]["isready"] is True


def image_store_root(store):
    from pathlib import Path

    from django.conf import settings

    return Path(settings.IMAGE_STORE_MOUNT_ROOT) / str(store.uuid)


def test_create_template_errors_and_rollback(
    live_server,
    live_cloud,  # noqa: F811
    keys,  # noqa: F811
    image_store,
    simulator,
    other_tenant,
):
    from storage.models import OSType, Template

    api = cs_api(live_server, keys)
    other = cs_api(live_server, _keys(other_tenant))
    ostype = str(OSType.objects.order_by("id").first().uuid)
    vm = api.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="src",
        startvm=False,
    )["virtualmachine"]
    api.startVirtualMachine(id=vm["id"])
    api.stopVirtualMachine(id=vm["id"])
    root = _root_volume(api, vm)
    before = Template.objects.count()
    for call, params in (
        (api.createTemplate, {"name": "x", "ostypeid": ostype}),
        (api.createTemplate, {"name": "x", "volumeid": root["id"]}),
        (api.createTemplate, {"name": "x", "ostypeid": "nope", "volumeid": root["id"]}),
        (
            api.createTemplate,
            {"name": "x", "ostypeid": ostype, "volumeid": root["id"], "ispublic": True},
        ),
        (api.createTemplate, {"name": "x", "ostypeid": ostype, "volumeid": root["id"], "bits": 64}),
        (other.createTemplate, {"name": "x", "ostypeid": ostype, "volumeid": root["id"]}),
    ):
        with pytest.raises(CloudStackApiException) as err:
            call(**params)
        assert err.value.error["errorcode"] == 431, (params, err.value.error)
    assert Template.objects.count() == before

    # the agent lost the volume: the job fails and the template row is gone again
    simulator.provider.shared_storage["volumes"].clear()
    with pytest.raises(CloudStackApiException) as err:
        api.createTemplate(name="lost", ostypeid=ostype, volumeid=root["id"])
    assert err.value.error["errorcode"] == 530
    assert not Template.objects.filter(name="lost").exists()
