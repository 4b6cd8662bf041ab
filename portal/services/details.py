"""Resource details (CloudStack's ``addResourceDetail``/``removeResourceDetail``): free
``key=value`` settings on instances, volumes, templates, networks and infrastructure.

A detail belongs to the resource's owner, so a tenant adds, sees and removes only the
details of resources it may change; details of infrastructure (zones, hosts, clusters,
storage pools, offerings) are operators' (no account). ``display=False`` details are for
operators only, as upstream's ``fordisplay``.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from portal.models import ResourceDetail
from portal.services.audit import record_event

MAX_KEY_LENGTH = 255
MAX_VALUE_LENGTH = 1024

#: Options ``listDetailOptions`` offers for instances and templates (upstream's VM details).
VM_DETAIL_OPTIONS: dict[str, list[str]] = {
    "rootDiskController": ["osdefault", "ide", "scsi", "virtio", "sata"],
    "dataDiskController": ["osdefault", "ide", "scsi", "virtio", "sata"],
    "nicAdapter": ["e1000", "virtio", "rtl8139", "vmxnet3", "ne2k_pci"],
    "video.hardware": ["cirrus", "vga", "qxl", "virtio"],
    "video.ram": [],
    "io.policy": ["threads", "native", "io_uring", "storage_specific"],
    "iothreads": [],
    "keyboard": ["us", "uk", "jp", "fr", "de", "es", "it", "sc", "dk", "no", "fi", "se"],
    "guest.cpu.mode": ["custom", "host-model", "host-passthrough"],
    "guest.cpu.model": [],
    "cpuOvercommitRatio": [],
    "memoryOvercommitRatio": [],
    "extraconfig": [],
}


def _models() -> dict[str, tuple]:
    """CloudStack resource type -> (model, extra filter) of the types that take details."""
    from compute.models import Cluster, Host, Instance, ServiceOffering, Zone
    from networking.models import Network, Nic
    from storage.models import DiskOffering, Snapshot, StoragePool, Template, Volume

    return {
        "UserVm": (Instance, Q(removed__isnull=True)),
        "Volume": (Volume, Q(removed__isnull=True)),
        "Snapshot": (Snapshot, Q()),
        "Template": (Template, Q(removed__isnull=True, is_iso=False)),
        "ISO": (Template, Q(removed__isnull=True, is_iso=True)),
        "Network": (Network, Q(removed__isnull=True)),
        "Nic": (Nic, Q()),
        "Zone": (Zone, Q()),
        "Cluster": (Cluster, Q()),
        "Host": (Host, Q()),
        "StoragePool": (StoragePool, Q()),
        "ServiceOffering": (ServiceOffering, Q()),
        "DiskOffering": (DiskOffering, Q()),
    }


RESOURCE_TYPES = (
    "UserVm",
    "Volume",
    "Snapshot",
    "Template",
    "ISO",
    "Network",
    "Nic",
    "Zone",
    "Cluster",
    "Host",
    "StoragePool",
    "ServiceOffering",
    "DiskOffering",
)


def resource_type_name(value: str) -> str:
    """CloudStack's spelling of a resource type that takes details (``uservm`` -> ``UserVm``)."""
    for name in RESOURCE_TYPES:
        if name.lower() == (value or "").strip().lower():
            return name
    raise ValidationError(
        {
            "resourcetype": f"Resource type '{value}' takes no details; "
            f"use one of {', '.join(RESOURCE_TYPES)}."
        }
    )


def find_resource(acting_user, resource_type: str, resource_id: str, action: str = "change"):
    """The resource ``resource_id`` (a UUID) of ``resource_type`` that ``acting_user`` may
    ``action``; unknown and foreign ids are the same field error."""
    resource_type = resource_type_name(resource_type)
    model, condition = _models()[resource_type]
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError as exc:
        raise ValidationError({"resourceid": f"'{resource_id}' is not a UUID."}) from exc
    found = model.objects.restrict(acting_user, action).filter(condition, uuid=key).first()
    if found is None:
        raise ValidationError({"resourceid": f"Unable to find {resource_type} {resource_id}."})
    return found


def _owner(resource):
    account = getattr(resource, "account", None)
    if account is None and getattr(resource, "instance", None) is not None:
        account = resource.instance.account  # a NIC belongs to its instance's owner
    return account, (account.domain if account else None)


def add_details(
    *,
    acting_user,
    resource_type: str,
    resource,
    details: dict[str, str],
    display: bool = True,
    client_ip: str | None = None,
) -> list[ResourceDetail]:
    """Set every ``key=value`` of ``details`` on ``resource`` (an existing key gets the new
    value, as upstream's ``addResourceDetail`` overwrites)."""
    resource_type = resource_type_name(resource_type)
    if not details:
        raise ValidationError({"details": "Give at least one key=value detail."})
    for key, value in details.items():
        if not key or not key.strip():
            raise ValidationError({"details": "A detail key cannot be empty."})
        if len(key) > MAX_KEY_LENGTH or len(value or "") > MAX_VALUE_LENGTH:
            raise ValidationError(
                {"details": f"Keys are at most {MAX_KEY_LENGTH} long, values {MAX_VALUE_LENGTH}."}
            )
    account, domain = _owner(resource)
    saved = []
    with transaction.atomic():
        for key, value in details.items():
            detail, _ = ResourceDetail.objects.update_or_create(
                resource_type=resource_type,
                resource_uuid=resource.uuid,
                key=key,
                defaults={
                    "value": value or "",
                    "display": display,
                    "account": account,
                    "domain": domain,
                },
            )
            saved.append(detail)
        record_event(
            "RESOURCE.DETAILS.CREATE",
            acting_user=acting_user,
            resource=resource,
            client_ip=client_ip,
            description=f"Details of {resource_type} {resource.uuid}: {', '.join(details)}",
        )
    return saved


def remove_details(
    *, acting_user, resource_type: str, resource, key: str | None = None, client_ip=None
) -> int:
    """Remove the detail ``key`` of ``resource`` (all of its details without a key)."""
    resource_type = resource_type_name(resource_type)
    doomed = ResourceDetail.objects.filter(resource_type=resource_type, resource_uuid=resource.uuid)
    if key:
        doomed = doomed.filter(key=key)
    with transaction.atomic():
        count, _ = doomed.delete()
        record_event(
            "RESOURCE.DETAILS.DELETE",
            acting_user=acting_user,
            resource=resource,
            client_ip=client_ip,
            description=f"Removed {key or 'all details'} of {resource_type} {resource.uuid}",
        )
    return count


def detail_options(resource_type: str) -> dict[str, list[str]]:
    """The detail keys (and their allowed values, empty: free text) offered for
    ``resource_type``; upstream offers them for instances and templates only."""
    resource_type = resource_type_name(resource_type)
    if resource_type not in ("UserVm", "Template"):
        raise ValidationError(
            {
                "resourcetype": "Detail options are listed for UserVm and Template, "
                f"not {resource_type}."
            }
        )
    return {k: list(v) for k, v in VM_DETAIL_OPTIONS.items()}
