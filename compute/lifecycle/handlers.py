"""Job handlers for instance lifecycle operations (run by the Celery worker).

Each handler claims what it needs step by step and, on any failure, gives back exactly what
it claimed (capacity, VLANs, volumes on the hypervisor) before the job fails with the reason.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.protocol import commands as c
from compute import agent, capacity
from compute.affinity import constraints_for, group_lock
from compute.choices import InstanceState
from compute.lifecycle import external, specs
from compute.lifecycle.states import set_state
from compute.models import Host, Instance
from compute.planner import InsufficientCapacity, PlacementRequest, place, pools_for
from networking.choices import GuestIpType, NetworkState
from networking.models import Network, Nic
from portal.choices import EventLevel
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import VolumeState
from storage.models import TemplatePoolCopy, Volume
from storage.services.template_copy import image_location

log = logging.getLogger(__name__)


@dataclass
class Claims:
    """What a start has claimed so far, to give back on failure."""

    host: Host | None = None
    cpu_mhz: int = 0
    memory_mib: int = 0
    pool_bytes: list[tuple[int, int]] = field(default_factory=list)
    placed_volume_ids: list[int] = field(default_factory=list)
    vlan_networks: list[Network] = field(default_factory=list)
    created_volumes: list[Volume] = field(default_factory=list)

    def release(self) -> None:
        from networking.services import release_guest_vlan

        for volume in self.created_volumes:
            try:
                external.send(
                    self.host,
                    c.DeleteVolumeCommand(
                        pool=specs.pool_name(volume.pool), volume=specs.volume_name(volume)
                    ),
                )
            except JobError:
                log.warning("could not delete volume %s during rollback", volume.pk)
            Volume.objects.filter(pk=volume.pk).update(state=VolumeState.ALLOCATED, path="")
        for pool_id, size in self.pool_bytes:
            capacity.release_pool(pool_id, size_bytes=size)
        Volume.objects.filter(pk__in=self.placed_volume_ids).update(pool=None)
        if self.host is not None:
            capacity.release_host(self.host.pk, cpu_mhz=self.cpu_mhz, memory_mib=self.memory_mib)
        for network in self.vlan_networks:
            release_guest_vlan(network)
            Network.objects.filter(pk=network.pk).update(state=NetworkState.ALLOCATED)


def _load(job) -> Instance:
    return Instance.objects.select_related(
        "zone", "service_offering", "template", "account__domain", "host__cluster"
    ).get(uuid=job.resource_id)


def _placement_request(instance: Instance, job) -> PlacementRequest:
    offering = instance.service_offering
    root = instance.volumes.filter(volume_type="ROOT").first()
    pinned = job.params.get("host_id")
    affinity = constraints_for(instance)
    return PlacementRequest(
        zone=instance.zone,
        cpu_number=instance.cpu_number,
        cpu_speed=instance.cpu_speed,
        memory_mib=instance.memory,
        root_disk_bytes=root.size if root is not None and root.pool_id is None else 0,
        hypervisor=instance.hypervisor,
        host_tags=list(offering.host_tags or []),
        storage_tags=list(offering.storage_tags or []),
        local_storage=offering.storage_type == "local",
        account_id=instance.account_id,
        host_id=pinned,
        avoid_host_ids=affinity.avoid_host_ids,
        required_host_ids=affinity.required_host_ids,
        affinity_rules=affinity.rules,
    )


def _plan(instance: Instance, job, claims: Claims, report) -> None:
    report(10, "Planning: choosing a host and primary storage")
    with group_lock(instance) as grouped:
        request = _placement_request(instance, job)
        existing_pool = instance.volumes.filter(pool__isnull=False).select_related("pool").first()
        if existing_pool is not None and existing_pool.pool.cluster_id:
            request.root_disk_bytes = 0
        strategy = job.params.get("planner") or settings.DEFAULT_PLANNER
        last = instance.last_host_id
        try:
            if last and not request.host_id:
                try:
                    placement = place(dataclasses.replace(request, host_id=last), strategy)
                except InsufficientCapacity:
                    placement = place(request, strategy)
            else:
                placement = place(request, strategy)
        except InsufficientCapacity as exc:
            raise JobError(str(exc), code=533) from exc
        if grouped:  # members placed after this one see where it goes
            Instance.objects.filter(pk=instance.pk).update(host=placement.host)
    claims.host, claims.cpu_mhz, claims.memory_mib = (
        placement.host,
        request.cpu_mhz,
        request.memory_mib,
    )
    if placement.pool is not None:
        claims.pool_bytes.append((placement.pool.pk, request.root_disk_bytes))
        root = instance.volumes.filter(volume_type="ROOT", pool__isnull=True).first()
        if root is not None:
            claims.placed_volume_ids.append(root.pk)
            Volume.objects.filter(pk=root.pk).update(pool=placement.pool)
    for volume in instance.volumes.filter(pool__isnull=True, removed__isnull=True):
        pool = next(
            (
                p
                for p in pools_for(
                    placement.host,
                    PlacementRequest(
                        zone=instance.zone,
                        cpu_number=0,
                        cpu_speed=0,
                        memory_mib=0,
                        root_disk_bytes=volume.size,
                    ),
                )
                if capacity.claim_pool(p, size_bytes=volume.size)
            ),
            None,
        )
        if pool is None:
            raise JobError(
                f"No primary storage with {volume.size // 1024**3} GiB free for "
                f"volume {volume.name}.",
                code=533,
            )
        claims.pool_bytes.append((pool.pk, volume.size))
        claims.placed_volume_ids.append(volume.pk)
        Volume.objects.filter(pk=volume.pk).update(pool=pool)


def _implement_networks(instance: Instance, claims: Claims, report) -> list[Nic]:
    report(30, "Implementing networks")
    nics = list(instance.nics.select_related("network__physical_network").order_by("device_id"))
    for nic in nics:
        network = nic.network
        if network.guest_type == GuestIpType.ISOLATED and not network.vlan:
            network = nic.network = _implement(network, claims)
        if nic.broadcast_uri != network.vlan:
            nic.broadcast_uri = network.vlan
            Nic.objects.filter(pk=nic.pk).update(broadcast_uri=network.vlan)
    return nics


def _implement(network: Network, claims: Claims) -> Network:
    """Give an isolated network its VLAN once, even when many deploys race for it: the
    network row is locked, so the others wait and then find the VLAN set."""
    from networking.services import allocate_guest_vlan

    with transaction.atomic():
        network = (
            Network.objects.select_for_update(of=("self",), no_key=True)
            .select_related("physical_network", "network_offering")
            .get(pk=network.pk)
        )
        if not network.vlan:
            allocate_guest_vlan(network)
            claims.vlan_networks.append(network)
            Network.objects.filter(pk=network.pk).update(state=NetworkState.IMPLEMENTED)
    return network


def _ensure_template(host: Host, volume: Volume, report, *, again: bool = False) -> str:
    """Copy the template to the volume's pool the first time it is used there (``again``:
    copy it even though the pool is recorded as holding it)."""
    template = volume.template
    copy, _ = TemplatePoolCopy.objects.get_or_create(
        template=template, pool=volume.pool, defaults={"path": specs.template_volume_name(template)}
    )
    if again:
        TemplatePoolCopy.objects.filter(pk=copy.pk).update(ready=False)
    if again or not copy.ready:
        report(45, f"Copying template {template.name} to primary storage {volume.pool.name}")
        source = image_location(template, volume.zone_id)
        answer = external.send(
            host,
            c.CopyTemplateCommand(
                source=source,
                pool=specs.pool_name(volume.pool),
                volume=specs.template_volume_name(template),
                format=specs.FORMATS.get(template.format, "qcow2"),
                sha256="",
            ),
        )
        TemplatePoolCopy.objects.filter(pk=copy.pk).update(ready=True, size=answer.size_bytes)
    return specs.template_volume_name(template)


def create_volume(host: Host, volume: Volume, report) -> c.VolumeAnswer:
    """Create ``volume`` on its pool through ``host``, from its template if it has one.

    The template's copy on the pool is made on first use. Should the agent answer that the
    copy is gone although the database records it (a reinstalled host, a wiped pool, a
    simulator that lost its state), the template is copied again and the volume created once
    more, instead of failing every deploy from it on that pool."""
    template = _ensure_template(host, volume, report) if volume.template_id else ""

    def create(template: str) -> c.VolumeAnswer:
        return external.send(
            host,
            c.CreateVolumeCommand(
                pool=specs.pool_name(volume.pool),
                volume=specs.volume_name(volume),
                size_bytes=volume.size,
                template=template,
            ),
        )

    try:
        return create(template)
    except agent.AgentAnswerError as exc:
        if not template or exc.error != "volume_not_found":
            raise
        log.warning("template %s missing on pool %s: copying it again", template, volume.pool)
        return create(_ensure_template(host, volume, report, again=True))


def _create_volumes(instance: Instance, claims: Claims, report) -> list[Volume]:
    report(40, "Creating volumes")
    host = claims.host
    volumes = list(
        instance.volumes.filter(removed__isnull=True)
        .select_related("pool", "template")
        .order_by("device_id")
    )
    from compute.host_handlers import pool_spec

    for pool in {v.pool_id: v.pool for v in volumes if v.state != VolumeState.READY}.values():
        external.send(host, c.ModifyStoragePoolCommand(pool=pool_spec(pool), add=True))
    for volume in volumes:
        if volume.state == VolumeState.READY:
            continue
        answer = create_volume(host, volume, report)
        claims.created_volumes.append(volume)
        volume.state, volume.path = VolumeState.READY, answer.path
        Volume.objects.filter(pk=volume.pk).update(state=VolumeState.READY, path=answer.path)
    return volumes


def _refresh_rules(instance: Instance, reason: str, job, old_host: Host | None = None) -> None:
    """Queue the network element's jobs so the hosts running the instance hold its rules."""
    from networking.rule_handlers import queue_rule_refresh

    acting_user = job.user if job is not None else None
    queue_rule_refresh(instance, reason, acting_user=acting_user, old_host=old_host)


def _release_deploy_reservations(instance: Instance) -> None:
    """A failed deploy gives back its NICs' addresses and never-created volumes."""
    instance.nics.all().delete()
    instance.volumes.filter(state=VolumeState.ALLOCATED).update(
        state=VolumeState.EXPUNGED, removed=timezone.now(), pool=None
    )


@job_handler("vm.deploy")
@job_handler("vm.start")
def start_instance_job(job, report) -> dict:
    """Place, create disks, implement networks and start the instance on its host."""
    instance = _load(job)
    claims = Claims()
    try:
        _plan(instance, job, claims, report)
        nics = _implement_networks(instance, claims, report)
        volumes = _create_volumes(instance, claims, report)
        report(80, f"Starting on host {claims.host.name}")
        answer = external.send(
            claims.host, c.StartVmCommand(vm=specs.vm_spec(instance, volumes, nics)), instance
        )
    except Exception as exc:
        with transaction.atomic():
            claims.release()
            if job.command == "vm.deploy":
                _release_deploy_reservations(instance)
            set_state(
                instance,
                InstanceState.ERROR if job.command == "vm.deploy" else InstanceState.STOPPED,
                host=None,
                error_text=str(exc)[:2000],
            )
            record_event(
                "VM.START",
                acting_user=job.user,
                resource=instance,
                job=job,
                level=EventLevel.ERROR,
                description=f"Start failed: {exc}",
            )
        raise
    set_state(
        instance, InstanceState.RUNNING, host=claims.host, last_host=claims.host, error_text=""
    )
    _refresh_rules(instance, "start", job)
    record_event(
        "VM.START",
        acting_user=job.user,
        resource=instance,
        job=job,
        description=f"Started on {claims.host.name}",
    )
    return {
        "instance": str(instance.uuid),
        "host": claims.host.name,
        "state": "Running",
        "vnc_port": getattr(answer, "vnc_port", -1),
        "started": timezone.now().isoformat(),
    }
