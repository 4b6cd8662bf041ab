"""Pod services: a pod is a rack in a zone with its management IP range."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from netaddr import AddrFormatError, IPAddress, IPNetwork, IPRange

from compute.models import Pod
from compute.services._common import check_immutable, check_unique
from portal.services.base import apply_changes, delete_with_event, save_validated


def _ipv4(value, field: str) -> IPAddress:
    try:
        address = IPAddress(str(value), flags=0)
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ValidationError({field: f"'{value}' is not a valid IPv4 address."}) from exc
    if address.version != 4 or str(address) != str(value).strip():
        raise ValidationError({field: f"'{value}' is not a valid IPv4 address."})
    return address


def validate_pod(pod: Pod) -> None:
    """Check the pod's addresses, its range and that no other pod of the zone overlaps it.

    Raises ``ValidationError`` with the offending field.
    """
    gateway = _ipv4(pod.gateway, "gateway")
    netmask = _ipv4(pod.netmask, "netmask")
    start = _ipv4(pod.start_ip, "start_ip")
    end = _ipv4(pod.end_ip, "end_ip")
    if not netmask.is_netmask() or int(netmask) == 0:
        raise ValidationError({"netmask": f"'{pod.netmask}' is not a valid netmask."})
    if start > end:
        raise ValidationError({"end_ip": "The end IP must not be lower than the start IP."})
    network = IPNetwork(f"{gateway}/{netmask}")
    for field, address in (("start_ip", start), ("end_ip", end)):
        if address not in network:
            raise ValidationError(
                {field: f"{address} is outside the pod network {network.cidr} (gateway/netmask)."}
            )
    pod_range = IPRange(start, end)
    if gateway in pod_range:
        raise ValidationError({"gateway": "The gateway must not be inside the pod's IP range."})
    check_unique(
        Pod.objects.filter(zone=pod.zone_id),
        "name",
        pod.name,
        exclude_pk=pod.pk,
        message=f"A pod named '{pod.name}' already exists in this zone.",
    )
    others = Pod.objects.filter(zone=pod.zone_id).exclude(pk=pod.pk)
    for other in others.only("name", "start_ip", "end_ip"):
        other_range = IPRange(other.start_ip, other.end_ip)
        if pod_range.first <= other_range.last and other_range.first <= pod_range.last:
            raise ValidationError(
                {"start_ip": f"The range overlaps pod '{other.name}' ({other_range})."}
            )


def create_pod(*, acting_user, client_ip: str | None = None, **fields) -> Pod:
    """Add a pod to a zone after validating its management IP range."""
    pod = Pod(**fields)
    validate_pod(pod)
    return save_validated(
        pod, event_type="POD.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_pod(pod: Pod, *, acting_user, client_ip: str | None = None, **changes) -> Pod:
    """Change a pod's name, allocation state or IP range (its zone is fixed)."""
    check_immutable(pod, changes, ("zone",))
    pod = apply_changes(pod, changes)
    validate_pod(pod)
    return save_validated(pod, event_type="POD.EDIT", acting_user=acting_user, client_ip=client_ip)


def delete_pod(pod: Pod, *, acting_user, client_ip: str | None = None) -> None:
    """Delete an empty pod (one with clusters or hosts is refused)."""
    delete_with_event(pod, event_type="POD.DELETE", acting_user=acting_user, client_ip=client_ip)
