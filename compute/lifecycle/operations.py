"""Lifecycle services: start, stop, reboot, destroy, expunge, recover, migrate, scale.

Each validates the state transition atomically, records an audit event and, for operations
that need the hypervisor, enqueues a job (the API answers 202 with it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import HostStatus, InstanceState, ResourceState
from compute.lifecycle.states import begin
from compute.models import Host, Instance, ServiceOffering
from portal.choices import EventState, ResourceType
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import check_limit
from storage.choices import VolumeState


def _schedule(instance, operation, command, *, acting_user, client_ip, event, params=None, to=None):
    with transaction.atomic():
        begin(instance, operation, to=to)
        job = create_job(command, acting_user=acting_user, resource=instance, params=params or {})
        record_event(
            event,
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            state=EventState.SCHEDULED,
            job=job,
        )
    return job


def start_instance(
    instance: Instance, *, acting_user, host: Host | None = None, client_ip=None
) -> AsyncJob:
    """Start a stopped instance (on ``host`` if given: admins only)."""
    return _schedule(
        instance,
        "start",
        "vm.start",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.START",
        params={"host_id": host.pk if host else None},
    )


def stop_instance(
    instance: Instance, *, acting_user, forced: bool = False, client_ip=None
) -> AsyncJob:
    """Stop a running instance; ``forced`` powers it off at once."""
    return _schedule(
        instance,
        "stop",
        "vm.stop",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.STOP",
        params={"forced": forced},
    )


def reboot_instance(instance: Instance, *, acting_user, client_ip=None) -> AsyncJob:
    return _schedule(
        instance,
        "reboot",
        "vm.reboot",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.REBOOT",
    )


def destroy_instance(
    instance: Instance, *, acting_user, expunge: bool = False, volumes=None, client_ip=None
) -> AsyncJob:
    """Destroy an instance; its root disk goes with it, data disks in ``volumes`` too, the
    others are detached and kept. With ``expunge`` nothing can be recovered; an instance
    already Destroyed is then expunged (as upstream's destroyVirtualMachine expunge=true)."""
    if expunge and instance.state == InstanceState.DESTROYED:
        return expunge_instance(instance, acting_user=acting_user, client_ip=client_ip)
    data_ids = [v.pk for v in volumes or []]
    foreign = set(data_ids) - set(instance.volumes.values_list("pk", flat=True))
    if foreign:
        raise ValidationError({"volumes": "Only the instance's own data disks can be destroyed."})
    return _schedule(
        instance,
        "destroy",
        "vm.destroy",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.DESTROY",
        to=InstanceState.STOPPING
        if instance.state == InstanceState.RUNNING
        else InstanceState.DESTROYED,
        params={"expunge": expunge, "volume_ids": data_ids},
    )


def expunge_instance(instance: Instance, *, acting_user, client_ip=None) -> AsyncJob:
    return _schedule(
        instance,
        "expunge",
        "vm.expunge",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.EXPUNGE",
    )


def recover_instance(instance: Instance, *, acting_user, client_ip=None) -> Instance:
    """Bring a destroyed (not yet expunged) instance back as Stopped."""
    with transaction.atomic():
        check_limit(instance.account, ResourceType.INSTANCE, 1)
        begin(instance, "recover")
        instance.volumes.filter(state=VolumeState.DESTROY, removed__isnull=True).update(
            state=VolumeState.READY
        )
        record_event("VM.RECOVER", acting_user=acting_user, resource=instance, client_ip=client_ip)
    return instance


def migrate_instance(instance: Instance, *, acting_user, host: Host, client_ip=None) -> AsyncJob:
    """Live-migrate a running instance to another host of the same cluster."""
    errors = {}
    if instance.host_id == host.pk:
        errors["host"] = "The instance already runs on that host."
    elif instance.host is None or host.cluster_id != instance.host.cluster_id:
        errors["host"] = "Live migration works between hosts of the same cluster."
    elif host.status != HostStatus.UP or host.resource_state != ResourceState.ENABLED:
        errors["host"] = f"Host {host.name} is not Up and Enabled."
    if errors:
        raise ValidationError(errors)
    return _schedule(
        instance,
        "migrate",
        "vm.migrate",
        acting_user=acting_user,
        client_ip=client_ip,
        event="VM.MIGRATE",
        params={"host_id": host.pk},
    )


def scale_instance(
    instance: Instance,
    *,
    acting_user,
    service_offering: ServiceOffering,
    cpu_number=None,
    cpu_speed=None,
    memory=None,
    client_ip=None,
) -> Instance:
    """Change the service offering of a stopped instance (quota checked on the difference)."""
    size = {
        "cpu_number": cpu_number or service_offering.cpu_number,
        "cpu_speed": cpu_speed or service_offering.cpu_speed,
        "memory": memory or service_offering.memory,
    }
    missing = {k: "Required with a custom service offering." for k, v in size.items() if not v}
    if missing:
        raise ValidationError(missing)
    with transaction.atomic():
        begin(instance, "scale")
        check_limit(instance.account, ResourceType.CPU, size["cpu_number"] - instance.cpu_number)
        check_limit(instance.account, ResourceType.MEMORY, size["memory"] - instance.memory)
        Instance.objects.filter(pk=instance.pk).update(service_offering=service_offering, **size)
        for name, value in size.items():
            setattr(instance, name, value)
        instance.service_offering = service_offering
        record_event(
            "VM.UPGRADE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            description=f"Scaled to {service_offering.name}",
        )
    return instance
