"""The scripted timeline the usage tests meter (times are hours after T0)."""

from __future__ import annotations

from compute.lifecycle import (
    deploy_instance,
    destroy_instance,
    scale_instance,
    start_instance,
    stop_instance,
)
from compute.models import ServiceOffering
from networking.services.ipam import allocate_public_ip, release_public_ip
from portal.tasks import run_job
from storage.models import DiskOffering
from storage.services import snapshots, volumes

GIB = 1024**3


def run(job):
    if job is not None:
        run_job(job.pk)
        job.refresh_from_db()
        assert job.status == "succeeded", job.error_text
    return job


def timeline(tenant, cloud, clock) -> dict:
    """Deploy at 0 h (Small), snapshot of the root disk 0.5-2.5 h, a 5 GiB data volume
    1-6 h (attached at 1.5 h), a public IP 1-4.5 h, stop at 2 h, scale to Medium at 3 h,
    start at 4 h, destroy at 5 h (the data volume is detached and kept until 6 h)."""
    small = ServiceOffering.objects.get(name="Small Instance")
    medium = ServiceOffering.objects.get(name="Medium Instance")
    disk = DiskOffering.objects.create(name="data-5", disk_size=5)
    clock.at(hours=0)
    vm, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        service_offering=small,
        template=cloud["template"],
        name="metered",
    )
    run(job)
    vm.refresh_from_db()
    root = vm.volumes.select_related("instance").get()
    clock.at(minutes=30)
    snap, job = snapshots.create_snapshot(root, acting_user=tenant)
    run(job)
    clock.at(hours=1)
    data = volumes.create_volume(acting_user=tenant, zone=cloud["zone"], disk_offering=disk)
    ip = allocate_public_ip(tenant.account, cloud["zone"], acting_user=tenant)
    clock.at(minutes=90)
    run(volumes.attach_volume(data, vm, acting_user=tenant))
    clock.at(hours=2)
    vm.refresh_from_db()
    run(stop_instance(vm, acting_user=tenant))
    clock.at(minutes=150)
    snap.refresh_from_db()
    run(snapshots.delete_snapshot(snap, acting_user=tenant))
    clock.at(hours=3)
    vm.refresh_from_db()
    scale_instance(vm, acting_user=tenant, service_offering=medium)
    clock.at(hours=4)
    vm.refresh_from_db()
    run(start_instance(vm, acting_user=tenant))
    clock.at(minutes=270)
    ip.refresh_from_db()
    release_public_ip(ip, acting_user=tenant)
    clock.at(hours=5)
    vm.refresh_from_db()
    run(destroy_instance(vm, acting_user=tenant))
    clock.at(hours=6)
    data.refresh_from_db()
    run(volumes.delete_volume(data, acting_user=tenant))
    return {
        "vm": vm,
        "root": root,
        "data": data,
        "ip": ip,
        "snapshot": snap,
        "small": small,
        "medium": medium,
        "disk": disk,
    }
