"""``deploy_instance``: validate, check quota, write the instance, its volumes and NICs,
and enqueue the job that places and starts it."""

from __future__ import annotations

import json
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import AllocationState, Hypervisor, InstanceState, OfferingState
from compute.models import Instance, ServiceOffering, SSHKeyPair, Zone
from networking.choices import AclType, GuestIpType, NetworkState
from networking.models import Network, NetworkOffering, Nic
from networking.services.ipam import ancestor_paths
from portal.choices import EventState, ResourceType
from portal.models import AsyncJob
from portal.services.audit import record_event
from portal.services.jobs import create_job
from portal.services.limits import check_limit
from storage.choices import TemplateState, VolumeState, VolumeType
from storage.models import DiskOffering, Template, Volume
from storage.services.disk_sizes import check_disk_size
from storage.services.template_copy import available_in

GIB = 1024**3
DEFAULT_ROOT_GIB = 8


def _check_inputs(
    *, zone, service_offering, template, disk_offering, size_gib, cpu_number, cpu_speed, memory
) -> dict[str, int]:
    """Return the instance's size; raise field errors for anything unusable."""
    errors: dict[str, str] = {}
    if zone.allocation_state != AllocationState.ENABLED:
        errors["zone"] = f"Zone {zone.name} is disabled."
    if service_offering.state != OfferingState.ACTIVE:
        errors["service_offering"] = f"Service offering {service_offering.name} is inactive."
    if template.state != TemplateState.READY or template.removed:
        errors["template"] = f"Template {template.name} is not ready ({template.state})."
    elif not available_in(template, zone.pk):
        errors["template"] = f"Template {template.name} is not available in zone {zone.name}."
    elif template.is_iso:
        errors["template"] = "Deploying from an ISO needs a root disk offering; use a template."
    size = {
        "cpu_number": cpu_number or service_offering.cpu_number,
        "cpu_speed": cpu_speed or service_offering.cpu_speed,
        "memory": memory or service_offering.memory,
    }
    if service_offering.customized:
        for name, value in size.items():
            if not value or value < 1:
                errors[name] = "Required (>= 1) with a custom service offering."
    if disk_offering is not None:
        if disk_offering.state != OfferingState.ACTIVE:
            errors["disk_offering"] = f"Disk offering {disk_offering.name} is inactive."
        elif disk_offering.customized and not size_gib:
            errors["size"] = "Required with a custom-size disk offering."
        elif disk_offering.customized and (
            (disk_offering.min_size and size_gib < disk_offering.min_size)
            or (disk_offering.max_size and size_gib > disk_offering.max_size)
        ):
            errors["size"] = (
                f"Must be between {disk_offering.min_size or 1} and "
                f"{disk_offering.max_size or 'unlimited'} GiB."
            )
    if errors:
        raise ValidationError(errors)
    return size


def _check_disk_sizes(zone, disk_offering, size_gib, root_gib) -> None:
    """The data and root disks fit the zone's primary storage (and the custom-size max)."""
    if disk_offering is not None:
        custom = disk_offering.customized
        check_disk_size(zone, size_gib if custom else disk_offering.disk_size, custom=custom)
    if root_gib:
        check_disk_size(zone, root_gib, field="root_disk_size")


def _default_network(account, zone, acting_user, client_ip) -> Network:
    """The account's first network in the zone, or a new isolated one (as CloudStack does)."""
    existing = (
        Network.objects.filter(account=account, zone=zone, removed__isnull=True)
        .exclude(state=NetworkState.DESTROY)
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    offering = NetworkOffering.objects.filter(
        guest_ip_type=GuestIpType.ISOLATED, availability="Required", state="Enabled"
    ).first()
    if offering is None:
        raise ValidationError({"networks": "No network given and no default offering enabled."})
    from networking.services import create_network

    return create_network(
        acting_user=acting_user,
        client_ip=client_ip,
        zone=zone,
        network_offering=offering,
        account=account,
        name=f"{account.name}-network",
        display_text="Default network",
    )


def _check_networks(networks, account, zone) -> None:
    for network in networks:
        if network.zone_id != zone.pk:
            raise ValidationError(
                {"networks": f"Network {network.name} is not in zone {zone.name}."}
            )
        if network.state == NetworkState.DESTROY or network.removed:
            raise ValidationError({"networks": f"Network {network.name} is destroyed."})
        shared = (
            network.guest_type == GuestIpType.SHARED
            and network.acl_type == AclType.DOMAIN
            and network.domain is not None
            and network.domain.path in ancestor_paths(account.domain.path)
        )
        if not shared and network.account_id != account.pk:
            raise ValidationError({"networks": f"Network {network.name} is not yours."})


def _quota(account, size: dict, disks: list[int]) -> None:
    check_limit(account, ResourceType.INSTANCE, 1)
    check_limit(account, ResourceType.CPU, size["cpu_number"])
    check_limit(account, ResourceType.MEMORY, size["memory"])
    check_limit(account, ResourceType.VOLUME, len(disks))
    check_limit(account, ResourceType.PRIMARY_STORAGE, sum(disks) // GIB)


def _external_details(template: Template, details: dict | None) -> str:
    """deployVirtualMachine's ``externaldetails`` (External templates only), as stored."""
    if not details:
        return ""
    from compute.services.external import check_details

    if template.hypervisor != Hypervisor.EXTERNAL:
        raise ValidationError({"externaldetails": "Only instances of External templates."})
    return json.dumps(check_details(details))


def deploy_instance(
    *,
    acting_user,
    zone: Zone,
    service_offering: ServiceOffering,
    template: Template,
    account=None,
    networks: list[Network] | None = None,
    disk_offering: DiskOffering | None = None,
    size: int | None = None,
    root_disk_size: int | None = None,
    cpu_number: int | None = None,
    cpu_speed: int | None = None,
    memory: int | None = None,
    ssh_keypair: SSHKeyPair | None = None,
    user_data: str = "",
    name: str = "",
    display_name: str = "",
    start: bool = True,
    host=None,
    security_groups: list | None = None,
    client_ip: str | None = None,
    external_details: dict | None = None,
    affinity_groups: list | None = None,
) -> tuple[Instance, AsyncJob | None]:
    """Create an instance for ``account`` (default: the actor's) and, when ``start``,
    enqueue ``vm.deploy`` which plans, creates its disks and starts it.

    Quota, offerings, template and networks are validated here (400 with field errors);
    capacity is claimed by the job, which rolls back everything it claimed on failure.
    ``security_groups`` (the account's) become the instance's groups in the same
    transaction; the start pushes their rules to the instance's host. ``affinity_groups``
    (the account's) steer the planner (see :mod:`compute.affinity`).
    """
    account = account or acting_user.account
    external = _external_details(template, external_details)
    size_values = _check_inputs(
        zone=zone,
        service_offering=service_offering,
        template=template,
        disk_offering=disk_offering,
        size_gib=size,
        cpu_number=cpu_number,
        cpu_speed=cpu_speed,
        memory=memory,
    )
    _check_disk_sizes(zone, disk_offering, size, root_disk_size)
    root_gib = root_disk_size or service_offering.root_disk_size
    root_bytes = root_gib * GIB if root_gib else (template.size or DEFAULT_ROOT_GIB * GIB)
    data_bytes = ((size or disk_offering.disk_size) * GIB) if disk_offering else 0
    with transaction.atomic():
        _quota(account, size_values, [root_bytes] + ([data_bytes] if data_bytes else []))
        networks = list(networks or []) or [_default_network(account, zone, acting_user, client_ip)]
        _check_networks(networks, account, zone)
        instance = Instance.objects.create(
            name=name or "",
            display_name=display_name or name or "",
            account=account,
            domain=account.domain,
            user=acting_user if acting_user.pk else None,
            zone=zone,
            service_offering=service_offering,
            template=template,
            hypervisor=template.hypervisor or (host.hypervisor if host else ""),
            state=InstanceState.STOPPED,
            ha_enabled=service_offering.offer_ha,
            ssh_keypair=ssh_keypair,
            user_data=user_data,
            vnc_password=secrets.token_urlsafe(6)[:8],
            external_details=external,
            **size_values,
        )
        if not name:
            instance.name = instance.display_name = f"VM-{instance.uuid}"
            instance.save(update_fields=["name", "display_name"])
        _create_volumes(instance, template, root_bytes, disk_offering, data_bytes)
        _create_nics(instance, networks)
        if affinity_groups:
            from compute.services.affinity import check_groups_for

            instance.affinity_groups.set(check_groups_for(account, affinity_groups))
        if security_groups:
            from networking.services.security_groups import assign_security_groups

            assign_security_groups(
                instance, security_groups, acting_user=acting_user, client_ip=client_ip
            )
        job = None
        if start:
            instance.state = InstanceState.STARTING
            instance.save(update_fields=["state"])
            job = create_job(
                "vm.deploy",
                acting_user=acting_user,
                resource=instance,
                params={"host_id": host.pk if host else None},
            )
        record_event(
            "VM.CREATE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            state=EventState.SCHEDULED if start else EventState.COMPLETED,
            job=job,
        )
    return instance, job


def _create_volumes(instance, template, root_bytes, disk_offering, data_bytes) -> None:
    common = {
        "format": "VHDX" if instance.hypervisor == "Hyperv" else "QCOW2",
        "account": instance.account,
        "domain": instance.domain,
        "zone": instance.zone,
        "instance": instance,
        "state": VolumeState.ALLOCATED,
    }
    Volume.objects.create(
        name=f"ROOT-{instance.pk}",
        volume_type=VolumeType.ROOT,
        size=root_bytes,
        template=template,
        device_id=0,
        **common,
    )
    if disk_offering is not None:
        Volume.objects.create(
            name=f"DATA-{instance.pk}",
            volume_type=VolumeType.DATADISK,
            size=data_bytes,
            disk_offering=disk_offering,
            device_id=1,
            **common,
        )


def _create_nics(instance, networks) -> None:
    from networking.services import allocate_nic_ip, generate_mac

    for device_id, network in enumerate(networks):
        nic = Nic(
            instance=instance,
            network=network,
            mac_address=generate_mac(),
            ip_address=allocate_nic_ip(network),
            netmask=network.netmask,
            gateway=network.gateway,
            broadcast_uri=network.vlan,
            device_id=device_id,
            is_default=device_id == 0,
        )
        nic.save()
