"""Volume snapshots: createSnapshot, listSnapshots, deleteSnapshot, revertSnapshot.

Everything goes through :mod:`storage.services.snapshots`; the async commands answer a job
whose ``queryAsyncJobResult`` is the snapshot (``{"success": true}`` for deletes).
"""

from __future__ import annotations

from compute.models import Zone
from portal.cloudstack.asyncjobs import CMD_NAMES, SUCCESS_COMMANDS, answer, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from storage.models import Snapshot, SnapshotState, Volume
from storage.services import snapshots

from ._common import Param, cs_date, owner, shape, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of

CMD_NAMES.update(
    {
        "snapshot.create": "org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd",
        "snapshot.delete": "org.apache.cloudstack.api.command.user.snapshot.DeleteSnapshotCmd",
        "snapshot.revert": "org.apache.cloudstack.api.command.user.snapshot.RevertSnapshotCmd",
    }
)
SUCCESS_COMMANDS.add("snapshot.delete")


def snapshot_queryset():
    return Snapshot.objects.select_related(
        "account__domain", "zone", "volume__instance", "volume__pool"
    )


@shape(
    "snapshot",
    "id name snapshottype intervaltype state volumeid volumename volumetype volumestate "
    "zoneid zonename created physicalsize virtualsize revertable locationtype account "
    "accountid domainid domain datastoreid datastorename datastoretype tags",
    created="date",
    physicalsize="long",
    virtualsize="long",
    revertable="boolean",
    tags="list",
)
def SNAPSHOT(snapshot, ctx):
    volume = snapshot.volume
    return {
        "id": uid(snapshot),
        "name": snapshot.name,
        "snapshottype": "MANUAL",
        "intervaltype": "MANUAL",
        "state": snapshot.state,
        "volumeid": uid(volume),
        "volumename": volume.name,
        "volumetype": volume.volume_type,
        "volumestate": volume.state,
        "zoneid": uid(snapshot.zone),
        "zonename": snapshot.zone.name,
        "created": cs_date(snapshot.created),
        "physicalsize": snapshot.size,
        "virtualsize": snapshot.size,
        "revertable": snapshot.state == SnapshotState.BACKED_UP,
        "locationtype": "PRIMARY",
        "datastoreid": uid(volume.pool),
        "datastorename": volume.pool.name if volume.pool else None,
        "datastoretype": "PRIMARY",
        "tags": tags_of(ctx, "Snapshot", snapshot),
        **owner(snapshot),
    }


register_result("Snapshot", snapshot_queryset, SNAPSHOT, "Snapshot")


def _snapshot(ctx) -> Snapshot:
    snapshot = ctx.get(Snapshot, "id", action="change", required=True, queryset=snapshot_queryset())
    if snapshot.removed is not None:
        raise param_error(f"Unable to find snapshot {ctx.str('id')}")
    return snapshot


@command(
    "createSnapshot",
    "Creates an instant snapshot of a volume.",
    params=[
        Param("volumeid", "uuid", required=True, related="listVolumes", description="the volume"),
        Param("name", description="the name of the snapshot"),
        Param("account", description="ignored: the snapshot belongs to the volume's account"),
        Param("domainid", "uuid", description="ignored: the volume's domain is used"),
        Param("policyid", "uuid", description="not supported"),
        Param("quiescevm", "boolean", description="true is refused: no quiescing agent"),
        Param("asyncbackup", "boolean", description="no effect: snapshots stay on primary"),
        Param("locationtype", description="only PRIMARY is supported"),
    ],
    shape=SNAPSHOT,
    isasync=True,
)
def create_snapshot(ctx):
    if ctx.has("policyid"):
        raise param_error("Snapshot policies are not supported")
    if ctx.bool("quiescevm"):
        raise param_error("Quiescing the instance while taking a snapshot is not supported")
    if ctx.has("locationtype") and ctx.str("locationtype").upper() != "PRIMARY":
        raise param_error("Only locationtype=PRIMARY is supported")
    volume = ctx.get(
        Volume,
        "volumeid",
        action="change",
        required=True,
        queryset=Volume.objects.select_related("account__domain", "instance"),
    )
    snapshot, job = snapshots.create_snapshot(
        volume, acting_user=ctx.user, name=ctx.str("name", ""), client_ip=ctx.client_ip
    )
    return answer(job, snapshot)


@command(
    "listSnapshots",
    "Lists all available snapshots for the account.",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listSnapshots"),
        Param("ids", "list"),
        Param("name"),
        Param("volumeid", "uuid", related="listVolumes"),
        Param("zoneid", "uuid", related="listZones"),
        Param("snapshottype", description="MANUAL (the only kind there is)"),
        Param("intervaltype", description="MANUAL (the only kind there is)"),
        Param("state"),
    ],
    shape=SNAPSHOT,
    is_list=True,
    owned=True,
)
def list_snapshots(ctx):
    qs = (
        snapshot_queryset()
        .restrict(ctx.user, "view")
        .filter(removed__isnull=True)
        .exclude(state=SnapshotState.DESTROYED)
        .order_by("id")
    )
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Snapshot, "id").pk)
    if ctx.has("ids"):
        qs = qs.filter(uuid__in=ctx.list("ids"))
    if ctx.has("volumeid"):
        qs = qs.filter(volume=ctx.get(Volume, "volumeid"))
    if ctx.has("zoneid"):
        qs = qs.filter(zone=ctx.get(Zone, "zoneid"))
    for param in ("snapshottype", "intervaltype"):
        if ctx.has(param) and ctx.str(param).upper() != "MANUAL":
            qs = qs.none()
    for param, field in (("name", "name"), ("state", "state__iexact")):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    qs = filter_by_tag_params(ctx, qs, "Snapshot")
    return ctx.listing(ctx.keyword(qs))


@command(
    "deleteSnapshot",
    "Deletes a snapshot of a disk volume.",
    params=[Param("id", "uuid", required=True, related="listSnapshots")],
    isasync=True,
)
def delete_snapshot(ctx):
    job = snapshots.delete_snapshot(_snapshot(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(job)


@command(
    "revertSnapshot",
    "Reverts a volume to a snapshot; the volume's VM must be stopped.",
    params=[Param("id", "uuid", required=True, related="listSnapshots")],
    shape=SNAPSHOT,
    isasync=True,
)
def revert_snapshot(ctx):
    job = snapshots.revert_snapshot(_snapshot(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(job)
