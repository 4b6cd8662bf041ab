"""The ``template.copy`` job: stream a template's image from its zone's image store to each
destination zone's store (the management server mounts NFS stores and reaches SMB shares),
then record the copies. A failure removes the copies this job made."""

from __future__ import annotations

from django.db import transaction

from compute.models import Zone
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.downloads import CHUNK, EXTENSIONS, StoreFile
from storage.models import ImageStore, Template, TemplateZone
from storage.ui.extract import open_image


def _copy_to(template: Template, zone: Zone, report, written: list) -> TemplateZone:
    store = ImageStore.objects.filter(zone=zone, read_only=False).order_by("id").first()
    if store is None:
        raise JobError(f"Zone {zone.name} has no secondary storage to copy to.", code=530)
    if store.pk == template.image_store_id:
        return TemplateZone(template=template, zone=zone, image_store=store,
                            install_path=template.install_path)  # fmt: skip
    relative = (
        f"template/tmpl/{template.account_id}/{template.pk}/"
        f"{template.uuid}.{EXTENSIONS.get(template.format, 'img')}"
    )
    report(20, f"Copying {template.name} to {store.name} in {zone.name}")
    target = StoreFile(store, relative)
    try:
        with open_image(template) as source:
            while chunk := source.read(CHUNK):
                target.write(chunk)
        target.close()
        written.append(target)
    except OSError as exc:
        target.discard()
        raise JobError(f"Copy of {template.name} to {zone.name} failed: {exc}", code=530) from exc
    return TemplateZone(template=template, zone=zone, image_store=store,
                        install_path=target.location)  # fmt: skip


@job_handler("template.copy")
def copy_template_job(job, report) -> dict:
    template = Template.objects.select_related("image_store").get(uuid=job.resource_id)
    zones = list(Zone.objects.filter(pk__in=job.params["zone_ids"]))
    written: list[StoreFile] = []
    try:
        copies = [_copy_to(template, zone, report, written) for zone in zones]
    except JobError as exc:
        for target in written:  # the zones copied before the failure get nothing either
            target.discard()
        record_event("TEMPLATE.COPY", acting_user=job.user, resource=template, job=job,
                     level=EventLevel.ERROR, description=str(exc))  # fmt: skip
        raise
    with transaction.atomic():
        TemplateZone.objects.bulk_create(copies, ignore_conflicts=True)
        record_event(
            "ISO.COPY" if template.is_iso else "TEMPLATE.COPY",
            acting_user=job.user,
            resource=template,
            job=job,
            description=f"Copied {template.name} to " + ", ".join(z.name for z in zones),
        )
    return {"template": str(template.uuid), "zones": [str(z.uuid) for z in zones]}
