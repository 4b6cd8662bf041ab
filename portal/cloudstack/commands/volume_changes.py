"""updateVolume, destroyVolume, recoverVolume and migrateVolume; the rules live in
:mod:`storage.services.volume_lifecycle` (and ``update_volume`` of the volume services)."""

from __future__ import annotations

from portal.cloudstack.asyncjobs import CMD_NAMES, answer, completed_job
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import AsyncJob
from storage.models import StoragePool, Volume
from storage.services import volume_lifecycle, volumes

from ._common import Param
from .storage import VOLUME
from .volumes import volume_queryset

CMD_NAMES.update(
    {"volume.migrate": "org.apache.cloudstack.api.command.user.volume.MigrateVolumeCmd"}
)


def _volume(ctx, name: str = "id") -> Volume:
    """The volume (destroyed ones too: destroy/recover act on them), not an expunged one."""
    volume = ctx.get(Volume, name, action="change", required=True, queryset=volume_queryset())
    if volume.removed is not None:
        raise param_error(f"Unable to find volume with id {ctx.str(name)}")
    return volume


@command(
    "updateVolume",
    "Updates the volume (its name).",
    params=[
        Param("id", "uuid", related="listVolumes", description="the ID of the disk volume"),
        Param("name", description="new name of the volume"),
    ],
    shape=VOLUME,
    isasync=True,
)
def update_volume(ctx):
    if not ctx.has("id"):
        raise param_error("Unable to execute API command updatevolume due to missing parameter id")
    volume = volumes.update_volume(
        _volume(ctx), acting_user=ctx.user, name=ctx.str("name"), client_ip=ctx.client_ip
    )
    return answer(completed_job(ctx, volume), volume)


@command(
    "destroyVolume",
    "Destroys a detached data volume; expunge=true also removes it from storage.",
    params=[
        Param("id", "uuid", required=True, related="listVolumes"),
        Param("expunge", "boolean", description="remove it from storage now (default false)"),
    ],
    shape=VOLUME,
    isasync=True,
)
def destroy_volume(ctx):
    result = volume_lifecycle.destroy_volume(
        _volume(ctx), acting_user=ctx.user, expunge=ctx.bool("expunge"), client_ip=ctx.client_ip
    )
    if isinstance(result, AsyncJob):
        return answer(result)
    return answer(completed_job(ctx, result), result)


@command(
    "recoverVolume",
    "Recovers a destroyed (not yet expunged) volume.",
    params=[Param("id", "uuid", required=True, related="listVolumes")],
    shape=VOLUME,
)
def recover_volume(ctx):
    volume = volume_lifecycle.recover_volume(
        _volume(ctx), acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return ctx.one(volume)


@command(
    "migrateVolume",
    "Migrates a volume (detached, or of a stopped VM) to another primary storage pool.",
    params=[
        Param("volumeid", "uuid", required=True, related="listVolumes"),
        Param("storageid", "uuid", required=True, related="listStoragePools"),
        Param("livemigrate", "boolean", description="live migration is not supported"),
    ],
    shape=VOLUME,
    isasync=True,
)
def migrate_volume(ctx):
    if ctx.bool("livemigrate"):
        raise param_error("livemigrate=true is not supported: stop the VM first")
    volume = _volume(ctx, "volumeid")
    pool = ctx.get(StoragePool, "storageid", required=True)
    job = volume_lifecycle.migrate_volume(
        volume, pool, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return answer(job)
