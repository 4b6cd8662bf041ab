"""The ``template.create`` job (createTemplate from a volume or snapshot), run by the worker.

A host that reaches the volume's pool writes the image to secondary storage (the image
store's location as the hosts mount it: ``IMAGE_STORE_MOUNT_ROOT/<store uuid>/...`` for NFS,
the UNC path for SMB), then the template is Ready with its sizes. On failure the template
row is removed again: nothing is left behind.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from agents.protocol import commands as c
from compute import agent
from compute.lifecycle import specs
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import TemplateState
from storage.downloads import EXTENSIONS, pick_store
from storage.models import ImageStore, Snapshot, Template, Volume
from storage.volume_handlers import host_for_pool


def store_location(store: ImageStore, relative: str) -> str:
    """Where ``relative`` lives on ``store`` as hosts and the management server see it."""
    if store.protocol == "cifs":
        host = store.server.partition(":")[0]
        return "\\\\" + host + store.path.replace("/", "\\") + "\\" + relative.replace("/", "\\")
    return str(Path(settings.IMAGE_STORE_MOUNT_ROOT) / str(store.uuid) / relative)


def _write(job, template: Template, report) -> dict:
    volume = Volume.objects.select_related("pool").get(pk=job.params["volume_id"])
    snapshot_id = job.params.get("snapshot_id")
    snapshot = Snapshot.objects.get(pk=snapshot_id) if snapshot_id else None
    host = host_for_pool(volume.pool)
    if host is None:
        raise JobError(f"No Up host reaches storage pool {volume.pool.name}.", code=530)
    store = pick_store(template)
    relative = (
        f"template/tmpl/{template.account_id}/{template.pk}/"
        f"{template.uuid}.{EXTENSIONS.get(template.format, 'img')}"
    )
    report(20, f"Writing {volume.name} to secondary storage {store.name} through {host.name}")
    answer = agent.send(
        host,
        c.CreateTemplateFromVolumeCommand(
            pool=specs.pool_name(volume.pool),
            volume=specs.volume_name(volume),
            destination=store_location(store, relative),
            snapshot=snapshot.physical_name if snapshot else "",
            format=specs.FORMATS.get(volume.format, "qcow2"),
        ),
    )
    size = answer.size_bytes or volume.size
    Template.objects.filter(pk=template.pk).update(
        state=TemplateState.READY,
        download_percent=100,
        image_store=store,
        install_path=answer.path,
        size=size,
        physical_size=answer.size_bytes or None,
        updated=timezone.now(),
    )
    return {"template": str(template.uuid), "size": size, "store": store.name}


@job_handler("template.create")
def create_template_job(job, report) -> dict:
    """Write the image, mark the template Ready; on failure remove the template row."""
    template = Template.objects.get(uuid=job.resource_id)
    try:
        result = _write(job, template, report)
    except Exception as exc:
        record_event(
            "TEMPLATE.CREATE",
            acting_user=job.user,
            resource=template,
            job=job,
            level=EventLevel.ERROR,
            description=f"Creating template {template.name} failed: {exc}",
        )
        Template.objects.filter(pk=template.pk, state=TemplateState.NOT_UPLOADED).delete()
        raise
    record_event(
        "TEMPLATE.CREATE",
        acting_user=job.user,
        resource=template,
        job=job,
        description=f"Template {template.name} written to {result['store']}",
    )
    return result
