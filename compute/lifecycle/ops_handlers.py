"""Job handlers for stop, reboot, destroy, expunge and migrate."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from agents.protocol import commands as c
from compute import capacity
from compute.choices import InstanceState
from compute.lifecycle import external, specs
from compute.lifecycle.handlers import _load, _refresh_rules
from compute.lifecycle.states import set_state
from compute.models import Host, Instance
from networking.choices import GuestIpType, NetworkState
from networking.models import Network
from portal.models import ResourceTag
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import VolumeState, VolumeType
from storage.models import Volume
from storage.volume_handlers import forget_snapshots

log = logging.getLogger(__name__)


def _power_off(instance: Instance, *, forced: bool) -> None:
    """Stop the VM on its host and give the host's capacity back."""
    host = instance.host
    if host is not None:
        external.send(
            host, c.StopVmCommand(vm_name=specs.vm_name(instance), forced=forced), instance
        )
        capacity.release_host(
            host.pk, cpu_mhz=instance.cpu_number * instance.cpu_speed, memory_mib=instance.memory
        )
    set_state(instance, InstanceState.STOPPED, host=None, last_host=host or instance.last_host)
    _refresh_rules(instance, "stop", None, old_host=host)


@job_handler("vm.stop")
def stop_instance_job(job, report) -> dict:
    instance = _load(job)
    report(30, "Stopping")
    try:
        _power_off(instance, forced=bool(job.params.get("forced")))
    except JobError:
        set_state(instance, InstanceState.RUNNING)
        raise
    record_event("VM.STOP", acting_user=job.user, resource=instance, job=job)
    return {"instance": str(instance.uuid), "state": "Stopped"}


@job_handler("vm.reboot")
def reboot_instance_job(job, report) -> dict:
    instance = _load(job)
    report(30, "Rebooting")
    external.send(instance.host, c.RebootVmCommand(vm_name=specs.vm_name(instance)), instance)
    record_event("VM.REBOOT", acting_user=job.user, resource=instance, job=job)
    return {"instance": str(instance.uuid), "state": "Running"}


@job_handler("vm.destroy")
def destroy_instance_job(job, report) -> dict:
    instance = _load(job)
    if instance.state == InstanceState.STOPPING:
        report(20, "Stopping")
        try:
            _power_off(instance, forced=True)
        except JobError:
            set_state(instance, InstanceState.RUNNING)
            raise
    with transaction.atomic():
        instance.volumes.filter(volume_type=VolumeType.ROOT, removed__isnull=True).update(
            state=VolumeState.DESTROY
        )
        doomed = job.params.get("volume_ids") or []
        instance.volumes.filter(pk__in=doomed).update(state=VolumeState.DESTROY)
        instance.volumes.filter(volume_type=VolumeType.DATADISK, removed__isnull=True).exclude(
            pk__in=doomed
        ).update(instance=None, device_id=None)
        set_state(instance, InstanceState.DESTROYED)
        record_event("VM.DESTROY", acting_user=job.user, resource=instance, job=job)
    if job.params.get("expunge"):
        Instance.objects.filter(pk=instance.pk).update(state=InstanceState.EXPUNGING)
        instance.state = InstanceState.EXPUNGING
        _expunge(instance, job, report)
    return {"instance": str(instance.uuid), "state": instance.state}


def _host_for_cleanup(instance: Instance, volume: Volume | None) -> Host | None:
    """A host that can reach the VM's storage: its last host, else any Up host of the pool."""
    if instance.last_host_id:
        return instance.last_host
    pool = volume.pool if volume is not None else None
    if pool is None:
        return None
    hosts = Host.objects.filter(zone_id=pool.zone_id, status="Up")
    if pool.cluster_id:
        hosts = hosts.filter(cluster_id=pool.cluster_id)
    return hosts.first()


def _expunge(instance: Instance, job, report) -> None:
    report(60, "Expunging: removing the VM and its disks from the hypervisor")
    volumes = list(
        instance.volumes.filter(removed__isnull=True)
        .exclude(volume_type=VolumeType.DATADISK, state=VolumeState.READY)
        .select_related("pool")
    )
    host = _host_for_cleanup(instance, volumes[0] if volumes else None)
    if host is not None:
        external.send(host, c.DestroyVmCommand(vm_name=specs.vm_name(instance)), instance)
    for volume in volumes:
        if volume.pool_id and volume.state != VolumeState.ALLOCATED and host is not None:
            external.send(
                host,
                c.DeleteVolumeCommand(
                    pool=specs.pool_name(volume.pool), volume=specs.volume_name(volume)
                ),
            )
        if volume.pool_id:
            capacity.release_pool(volume.pool_id, size_bytes=volume.size)
    with transaction.atomic():
        Volume.objects.filter(pk__in=[v.pk for v in volumes]).update(
            state=VolumeState.EXPUNGED, removed=timezone.now()
        )
        forget_snapshots([v.pk for v in volumes])
        networks = list(Network.objects.filter(nics__instance=instance).distinct())
        _refresh_rules(instance, "expunge", job)
        instance.nics.all().delete()
        _shutdown_idle_networks(networks)
        ResourceTag.objects.filter(resource_uuid=instance.uuid).delete()
        set_state(instance, InstanceState.EXPUNGED, removed=timezone.now())
        record_event("VM.EXPUNGE", acting_user=job.user, resource=instance, job=job)


def _shutdown_idle_networks(networks) -> None:
    """An isolated network without NICs gives its VLAN back (CloudStack's network GC)."""
    from networking.services import release_guest_vlan

    for network in networks:
        idle = not network.nics.exists() and not network.network_offering.is_persistent
        if idle and network.guest_type == GuestIpType.ISOLATED and network.vlan:
            release_guest_vlan(network)
            Network.objects.filter(pk=network.pk).update(state=NetworkState.ALLOCATED)


@job_handler("vm.expunge")
def expunge_instance_job(job, report) -> dict:
    instance = _load(job)
    _expunge(instance, job, report)
    return {"instance": str(instance.uuid), "state": "Expunged"}


@job_handler("vm.migrate")
def migrate_instance_job(job, report) -> dict:
    instance = _load(job)
    source = instance.host
    target = Host.objects.select_related("cluster").get(pk=job.params["host_id"])
    cpu_mhz = instance.cpu_number * instance.cpu_speed
    report(20, f"Claiming capacity on {target.name}")
    if not capacity.claim_host(target, cpu_mhz=cpu_mhz, memory_mib=instance.memory):
        set_state(instance, InstanceState.RUNNING)
        raise JobError(f"Host {target.name} has no room for {instance.name}.", code=533)
    try:
        report(50, f"Migrating from {source.name} to {target.name}")
        external.send(
            source, c.MigrateVmCommand(vm_name=specs.vm_name(instance), destination=target.url)
        )
    except JobError:
        capacity.release_host(target.pk, cpu_mhz=cpu_mhz, memory_mib=instance.memory)
        set_state(instance, InstanceState.RUNNING)
        raise
    capacity.release_host(source.pk, cpu_mhz=cpu_mhz, memory_mib=instance.memory)
    set_state(instance, InstanceState.RUNNING, host=target, last_host=target)
    _refresh_rules(instance, "migrate", job, old_host=source)
    record_event(
        "VM.MIGRATE",
        acting_user=job.user,
        resource=instance,
        job=job,
        description=f"{source.name} -> {target.name}",
    )
    return {"instance": str(instance.uuid), "host": target.name}
