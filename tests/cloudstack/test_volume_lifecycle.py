"""updateVolume, destroyVolume (expunge), recoverVolume and migrateVolume through the ``cs``
library against a live server whose jobs run on the simulator agent: the volume really
moves between the agent's pools, capacity follows it, and a failed copy gives back what it
claimed."""

import pytest

from tests.cloudstack.test_clients import (  # noqa: F401
    admin_keys,
    client_cloud,
    keys,
    live_cloud,
    run_jobs_inline,
)
from tests.cloudstack.test_offering_changes import _api, _error
from tests.rules.helpers import sim_host

pytestmark = pytest.mark.django_db(transaction=True)
GIB = 1024**3


@pytest.fixture
def volume_cloud(live_server, live_cloud, keys, admin_keys):  # noqa: F811
    """A running VM and a 5 GiB data volume created on the first pool, then detached."""
    from storage.models import DiskOffering, StoragePool
    from tests.factories import StoragePoolFactory

    first = StoragePool.objects.get()
    disk = DiskOffering.objects.create(name="data-5", disk_size=5)
    tenant = _api(live_server, keys)
    vm = tenant.deployVirtualMachine(
        zoneid=str(live_cloud["zone"].uuid),
        serviceofferingid=str(live_cloud["offering"].uuid),
        templateid=str(live_cloud["template"].uuid),
        name="vol-vm",
    )["virtualmachine"]
    volume = tenant.createVolume(name="data1", zoneid=vm["zoneid"], diskofferingid=str(disk.uuid))
    volume = tenant.attachVolume(id=volume["volume"]["id"], virtualmachineid=vm["id"])["volume"]
    tenant.detachVolume(id=volume["id"])
    assert volume["storageid"] == str(first.uuid)
    second = StoragePoolFactory(
        cluster=None, pod=None, zone=first.zone, scope="ZONE", capacity_bytes=100 * GIB
    )
    return {
        "tenant": tenant,
        "admin": _api(live_server, admin_keys),
        "vm": vm,
        "volume": volume,
        "first": first,
        "second": second,
        "disk": disk,
    }


def _sim(simulator, vm_id):
    from compute.models import Instance

    return sim_host(simulator, Instance.objects.get(uuid=vm_id).host)


def _allocated(pool) -> int:
    pool.refresh_from_db()
    return pool.allocated_bytes


def test_migrate_volume_moves_it_between_pools(volume_cloud, simulator):
    from compute.lifecycle import specs
    from storage.models import Volume

    admin, vol = volume_cloud["admin"], volume_cloud["volume"]
    first, second = volume_cloud["first"], volume_cloud["second"]
    sim = _sim(simulator, volume_cloud["vm"]["id"])
    name = specs.volume_name(Volume.objects.get(uuid=vol["id"]))
    before = (_allocated(first), _allocated(second))
    moved = admin.migrateVolume(volumeid=vol["id"], storageid=str(second.uuid))["volume"]
    assert moved["storageid"] == str(second.uuid) and moved["state"] == "Ready"
    assert (specs.pool_name(second), name) in sim.volumes
    assert (specs.pool_name(first), name) not in sim.volumes
    assert (_allocated(first), _allocated(second)) == (before[0] - 5 * GIB, before[1] + 5 * GIB)
    # the disk still attaches from its new pool
    tenant = volume_cloud["tenant"]
    attached = tenant.attachVolume(id=vol["id"], virtualmachineid=volume_cloud["vm"]["id"])
    assert attached["volume"]["storage"] == second.name
    running = _error(admin.migrateVolume, volumeid=vol["id"], storageid=str(first.uuid))
    assert running["errorcode"] == 431 and "stop it" in running["errortext"]
    tenant.detachVolume(id=vol["id"])

    # a failed copy: the volume stays Ready where it was, the claim on the target is back
    sim.faults["copy_volume"] = "pool went read-only"
    try:
        failed = _error(admin.migrateVolume, volumeid=vol["id"], storageid=str(first.uuid))
    finally:
        sim.faults.clear()
    assert failed["errorcode"] == 530 and "read-only" in failed["errortext"], failed
    shown = admin.listVolumes(id=vol["id"])["volume"][0]
    assert shown["storageid"] == str(second.uuid) and shown["state"] == "Ready"
    assert (_allocated(first), _allocated(second)) == (before[0] - 5 * GIB, before[1] + 5 * GIB)
    assert (specs.pool_name(second), name) in sim.volumes


def test_migrate_volume_bad_input(volume_cloud, live_server):
    from storage.models import StoragePool

    admin, tenant, vol = volume_cloud["admin"], volume_cloud["tenant"], volume_cloud["volume"]
    second = volume_cloud["second"]
    same = _error(
        admin.migrateVolume, volumeid=vol["id"], storageid=str(volume_cloud["first"].uuid)
    )
    assert same["errorcode"] == 431 and "already on" in same["errortext"]
    live = _error(
        admin.migrateVolume, volumeid=vol["id"], storageid=str(second.uuid), livemigrate=True
    )
    assert live["errorcode"] == 431 and "livemigrate" in live["errortext"]
    refused = _error(
        admin.migrateVolume, volumeid=vol["id"], storageid=str(second.uuid), newdiskofferingid="x"
    )
    assert refused["errorcode"] == 431 and "newdiskofferingid" in refused["errortext"]
    missing = _error(admin.migrateVolume, volumeid=vol["id"])
    assert missing["errorcode"] == 431 and "storageid" in missing["errortext"]
    volume_cloud["disk"].tags = ["gold"]
    volume_cloud["disk"].save()
    untagged = _error(admin.migrateVolume, volumeid=vol["id"], storageid=str(second.uuid))
    assert untagged["errorcode"] == 431 and "gold" in untagged["errortext"]
    StoragePool.objects.filter(pk=second.pk).update(
        tags=["gold"], allocated_bytes=100 * second.capacity_bytes
    )
    full = _error(admin.migrateVolume, volumeid=vol["id"], storageid=str(second.uuid))
    assert full["errorcode"] == 533, full
    assert _allocated(second) == 100 * second.capacity_bytes  # nothing claimed
    assert admin.listVolumes(id=vol["id"])["volume"][0]["state"] == "Ready"
    # storage pools are the operator's
    denied = _error(tenant.migrateVolume, volumeid=vol["id"], storageid=str(second.uuid))
    assert denied["errorcode"] == 432 and "root admin" in denied["errortext"]


def test_destroy_recover_and_expunge(volume_cloud, simulator, other_tenant, live_server):
    from compute.lifecycle import specs
    from portal.services.limits import account_usage
    from storage.models import Volume

    tenant, vol = volume_cloud["tenant"], volume_cloud["volume"]
    account = Volume.objects.get(uuid=vol["id"]).account
    renamed = tenant.updateVolume(id=vol["id"], name="renamed")["volume"]
    assert renamed["name"] == "renamed"
    refused = _error(tenant.updateVolume, id=vol["id"], displayvolume=False)
    assert refused["errorcode"] == 431 and "displayvolume" in refused["errortext"]
    counted = account_usage(account)["volume"]
    destroyed = tenant.destroyVolume(id=vol["id"])["volume"]
    assert destroyed["state"] == "Destroy" and destroyed["destroyed"] is True
    assert account_usage(account)["volume"] == counted - 1
    listed = tenant.listVolumes(id=vol["id"])["volume"][0]
    assert listed["state"] == "Destroy"
    again = _error(tenant.destroyVolume, id=vol["id"])
    assert again["errorcode"] == 431 and "already destroyed" in again["errortext"]
    assert (
        _error(tenant.attachVolume, id=vol["id"], virtualmachineid=volume_cloud["vm"]["id"])[
            "errorcode"
        ]
        == 431
    )
    recovered = tenant.recoverVolume(id=vol["id"])["volume"]
    assert recovered["state"] == "Ready" and recovered["destroyed"] is False
    assert account_usage(account)["volume"] == counted
    assert _error(tenant.recoverVolume, id=vol["id"])["errorcode"] == 431

    # the other tenant cannot touch it
    from tests.cloudstack.test_clients import _keys

    stranger = _api(live_server, _keys(other_tenant))
    for call in (stranger.destroyVolume, stranger.recoverVolume, stranger.updateVolume):
        assert _error(call, id=vol["id"])["errorcode"] == 431

    # destroy then expunge: gone from the agent's pool and from lists
    sim = _sim(simulator, volume_cloud["vm"]["id"])
    name = specs.volume_name(Volume.objects.get(uuid=vol["id"]))
    tenant.destroyVolume(id=vol["id"])
    expunged = tenant.destroyVolume(id=vol["id"], expunge=True)
    assert expunged.get("success") is True or expunged.get("volume", {}).get("state") == "Expunged"
    assert (specs.pool_name(volume_cloud["first"]), name) not in sim.volumes
    assert tenant.listVolumes(id=vol["id"]).get("count", 0) == 0
    assert Volume.objects.get(uuid=vol["id"]).state == "Expunged"
    assert _error(tenant.recoverVolume, id=vol["id"])["errorcode"] == 431


def test_destroy_refuses_attached_and_root(volume_cloud):
    tenant, vm = volume_cloud["tenant"], volume_cloud["vm"]
    root = tenant.listVolumes(virtualmachineid=vm["id"], type="ROOT")["volume"][0]
    assert _error(tenant.destroyVolume, id=root["id"])["errorcode"] == 431
    vol = volume_cloud["volume"]
    tenant.attachVolume(id=vol["id"], virtualmachineid=vm["id"])
    attached = _error(tenant.destroyVolume, id=vol["id"])
    assert attached["errorcode"] == 431 and "detach it first" in attached["errortext"]
    # an Allocated volume destroyed with expunge goes at once
    made = tenant.createVolume(
        name="never", zoneid=vm["zoneid"], diskofferingid=str(volume_cloud["disk"].uuid)
    )["volume"]
    gone = tenant.destroyVolume(id=made["id"], expunge=True)["volume"]
    assert gone["state"] == "Expunged"
    assert tenant.listVolumes(id=made["id"]).get("count", 0) == 0
