"""Data volumes: createVolume, attachVolume, detachVolume, deleteVolume, resizeVolume.

Everything goes through :mod:`storage.services.volumes`; the async commands answer a job
whose ``queryAsyncJobResult`` is the volume, as CloudStack's are.
"""

from __future__ import annotations

from compute.models import Zone
from portal.cloudstack.asyncjobs import CMD_NAMES, answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from storage.choices import VolumeState
from storage.models import DiskOffering, Volume
from storage.services import volumes

from ._common import Param
from .storage import VOLUME
from .vms import _owner_account
from .vms import _target as _vm_target

CMD_NAMES.update(
    {
        "volume.attach": "org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd",
        "volume.detach": "org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd",
        "volume.delete": "org.apache.cloudstack.api.command.user.volume.DeleteVolumeCmd",
    }
)


def volume_queryset():
    return Volume.objects.select_related(
        "account__domain", "zone", "pool", "instance", "disk_offering", "template"
    )


register_result("Volume", volume_queryset, VOLUME, "Volume")


def _volume(ctx, name: str = "id") -> Volume:
    volume = ctx.get(Volume, name, action="change", required=True, queryset=volume_queryset())
    if volume.removed is not None or volume.state == VolumeState.EXPUNGED:
        raise param_error(f"Unable to find volume {ctx.str(name)}")
    return volume


def _size(ctx) -> int | None:
    size = ctx.int("size")
    if size is not None and size < 1:
        raise param_error("size must be a positive number of GiB")
    return size


@command(
    "createVolume",
    "Creates a disk volume from a disk offering. This disk volume must still be attached to "
    "a virtual machine to make use of it.",
    params=[
        Param("name", description="the name of the disk volume"),
        Param("zoneid", "uuid", related="listZones", description="the zone of the volume"),
        Param("diskofferingid", "uuid", related="listDiskOfferings"),
        Param("size", "long", description="size in GiB, for a custom-size disk offering"),
        Param(
            "virtualmachineid",
            "uuid",
            related="listVirtualMachines",
            description="attach the new volume to this VM",
        ),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("snapshotid", "uuid", description="not supported"),
    ],
    shape=VOLUME,
    isasync=True,
)
def create_volume(ctx):
    if ctx.has("snapshotid"):
        raise param_error("Creating volumes from snapshots is not supported")
    vm = _vm_target(ctx, "virtualmachineid") if ctx.has("virtualmachineid") else None
    zone = ctx.get(Zone, "zoneid") or (vm.zone if vm is not None else None)
    if zone is None:
        raise param_error(
            "Unable to execute API command createvolume due to missing parameter zoneid"
        )
    offering = ctx.get(DiskOffering, "diskofferingid")
    if offering is None:
        raise param_error("Either disk offering id or snapshot id must be passed")
    volume = volumes.create_volume(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        zone=zone,
        disk_offering=offering,
        size=_size(ctx),
        name=ctx.str("name", ""),
        account=_owner_account(ctx) or (vm.account if vm is not None else None),
    )
    if vm is not None:
        job = volumes.attach_volume(volume, vm, acting_user=ctx.user, client_ip=ctx.client_ip)
    else:
        job = completed_job(ctx, volume)
    return answer(job, volume)


@command(
    "attachVolume",
    "Attaches a disk volume to a virtual machine.",
    params=[
        Param("id", "uuid", required=True, related="listVolumes"),
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("deviceid", "long", description="the device ID on the VM (1-15)"),
    ],
    shape=VOLUME,
    isasync=True,
)
def attach_volume(ctx):
    volume = _volume(ctx)
    vm = _vm_target(ctx, "virtualmachineid")
    job = volumes.attach_volume(
        volume, vm, acting_user=ctx.user, device_id=ctx.int("deviceid"), client_ip=ctx.client_ip
    )
    return answer(job)


@command(
    "detachVolume",
    "Detaches a disk volume from a virtual machine.",
    params=[
        Param("id", "uuid", related="listVolumes"),
        Param(
            "virtualmachineid",
            "uuid",
            related="listVirtualMachines",
            description="with deviceid: the VM the volume is attached to",
        ),
        Param("deviceid", "long"),
    ],
    shape=VOLUME,
    isasync=True,
)
def detach_volume(ctx):
    if ctx.has("id"):
        volume = _volume(ctx)
    elif ctx.has("virtualmachineid") and ctx.has("deviceid"):
        vm = _vm_target(ctx, "virtualmachineid")
        volume = (
            volume_queryset()
            .restrict(ctx.user, "change")
            .filter(instance=vm, device_id=ctx.int("deviceid"), removed__isnull=True)
            .first()
        )
        if volume is None:
            raise param_error(f"No volume at device {ctx.str('deviceid')} of the VM")
    else:
        raise param_error("Give id, or virtualmachineid and deviceid")
    return answer(volumes.detach_volume(volume, acting_user=ctx.user, client_ip=ctx.client_ip))


@command(
    "deleteVolume",
    "Deletes a detached disk volume.",
    params=[Param("id", "uuid", required=True, related="listVolumes")],
)
def delete_volume(ctx):
    volumes.delete_volume(_volume(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return {"success": True}


@command(
    "resizeVolume",
    "Resizes a volume (grow only).",
    params=[
        Param("id", "uuid", required=True, related="listVolumes"),
        Param("size", "long", description="new size in GiB"),
        Param("diskofferingid", "uuid", related="listDiskOfferings"),
        Param("shrinkok", "boolean", description="shrinking is not supported"),
    ],
    shape=VOLUME,
    isasync=True,
)
def resize_volume(ctx):
    volume = _volume(ctx)
    if not ctx.has("size") and not ctx.has("diskofferingid"):
        raise param_error("Give size or diskofferingid")
    volume = volumes.resize_volume(
        volume,
        acting_user=ctx.user,
        size=_size(ctx),
        disk_offering=ctx.get(DiskOffering, "diskofferingid"),
        client_ip=ctx.client_ip,
    )
    return answer(completed_job(ctx, volume), volume)
