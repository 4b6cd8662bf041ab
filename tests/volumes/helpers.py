"""Shared helpers: deploy an instance, create a volume, run a job in-process."""

from compute.lifecycle import deploy_instance
from compute.models import ServiceOffering
from portal.tasks import run_job
from storage.models import DiskOffering, StoragePool
from storage.services.volumes import create_volume


def run(job):
    run_job(job.pk)
    job.refresh_from_db()
    return job


def deploy(user, cloud, *, start=True, **kwargs):
    instance, job = deploy_instance(
        acting_user=user,
        zone=cloud["zone"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        template=cloud["template"],
        start=start,
        **kwargs,
    )
    if job is not None:
        assert run(job).status == "succeeded", job.error_text
    instance.refresh_from_db()
    return instance


def offering(size=5, **kwargs) -> DiskOffering:
    return DiskOffering.objects.create(
        name=f"data-{size}-{kwargs.get('customized', False)}", disk_size=size, **kwargs
    )


def new_volume(user, cloud, *, size_gib=5, **kwargs):
    return create_volume(
        acting_user=user, zone=cloud["zone"], disk_offering=offering(size_gib), **kwargs
    )


def pool_allocated(cloud) -> int:
    return StoragePool.objects.get(pk=cloud["pool"].pk).allocated_bytes
