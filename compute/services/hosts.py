"""Host services: add hypervisor hosts to clusters and move them through resource states.

The host's connection status (Up, Connecting, ...) is set by the agent side; the services
here only manage the resource state (Enabled, Disabled, maintenance).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import HostStatus, InstanceState, ResourceState
from compute.hypervisors import validate_hypervisor
from compute.models import Host, Instance
from compute.services._common import check_immutable, check_tag_list, check_unique
from compute.services.host_names import default_host_name
from portal.services.audit import record_event
from portal.services.base import apply_changes, delete_with_event, save_validated
from portal.services.jobs import create_job, get_handler

#: Instance states that keep a host from reaching Maintenance.
ACTIVE_INSTANCE_STATES = (
    InstanceState.RUNNING,
    InstanceState.STARTING,
    InstanceState.STOPPING,
    InstanceState.MIGRATING,
)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValidationError({"url": f"'{url}' is not a valid agent URL."}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "The agent URL must be http(s)://host[:port]."})
    return url


def _validate_host(host: Host) -> None:
    host.host_tags = check_tag_list(host.host_tags, "host_tags")
    check_unique(Host.objects.all(), "url", host.url, exclude_pk=host.pk)
    check_unique(
        Host.objects.filter(zone=host.zone_id),
        "name",
        host.name,
        exclude_pk=host.pk,
        message=f"A host named '{host.name}' already exists in this zone.",
    )


def create_host(*, acting_user, client_ip: str | None = None, **fields) -> Host:
    """Add a host to a cluster in state Connecting.

    The pod and zone are the cluster's; the hypervisor must be the cluster's. If a
    ``host.connect`` job handler is registered, a job to connect the agent is enqueued and
    left on the returned host as ``host.connect_job``.
    """
    cluster = fields["cluster"]
    if cluster.hypervisor == "External":  # no agent: compute/services/external.py
        from compute.services.external import create_external_host

        return create_external_host(
            acting_user=acting_user, client_ip=client_ip, cluster=cluster, fields=fields
        )
    if fields.pop("external_details", None):
        raise ValidationError({"externaldetails": "Only hosts of External clusters take them."})
    fields["url"] = _check_url(fields.get("url", ""))
    hypervisor = fields.pop("hypervisor", None) or cluster.hypervisor
    validate_hypervisor(hypervisor)
    if hypervisor != cluster.hypervisor:
        raise ValidationError(
            {"hypervisor": f"The cluster's hypervisor is {cluster.hypervisor}, not {hypervisor}."}
        )
    for derived in ("pod", "zone"):
        given = fields.pop(derived, None)
        if given is not None and given.pk != getattr(cluster, f"{derived}_id"):
            raise ValidationError({derived: f"The {derived} must be the cluster's {derived}."})
    default_name = not fields.get("name")
    if default_name:  # provisional; the connect job takes the hostname the agent reports
        fields["name"] = default_host_name(cluster.zone_id, fields["url"])
    host = Host(
        zone_id=cluster.zone_id,
        pod_id=cluster.pod_id,
        hypervisor=hypervisor,
        status=HostStatus.CONNECTING,
        **fields,
    )
    _validate_host(host)
    with transaction.atomic():
        save_validated(host, event_type="HOST.ADD", acting_user=acting_user, client_ip=client_ip)
        host.connect_job = None
        if get_handler("host.connect") is not None:
            params = {"host_id": host.pk, "default_name": default_name}
            host.connect_job = create_job(
                "host.connect", acting_user=acting_user, resource=host, params=params
            )
    return host


def update_host(host: Host, *, acting_user, client_ip: str | None = None, **changes) -> Host:
    """Change a host's name, tags or credentials (cluster, URL and hypervisor are fixed)."""
    check_immutable(host, changes, ("cluster", "pod", "zone", "url", "hypervisor"))
    host = apply_changes(host, changes)
    _validate_host(host)
    return save_validated(
        host, event_type="HOST.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_host(host: Host, *, acting_user, client_ip: str | None = None) -> None:
    """Remove a host that no instance is placed on."""
    if host.instances.exclude(state=InstanceState.EXPUNGED).exists():
        raise ValidationError("The host still has instances; migrate or destroy them first.")
    delete_with_event(host, event_type="HOST.DELETE", acting_user=acting_user, client_ip=client_ip)


def _set_resource_state(
    host: Host,
    *,
    allowed_from: tuple[str, ...],
    new_state: str,
    event_type: str,
    acting_user,
    client_ip: str | None,
) -> Host:
    with transaction.atomic():
        locked = Host.objects.select_for_update(no_key=True).get(pk=host.pk)
        if locked.resource_state not in allowed_from:
            raise ValidationError(
                {
                    "resource_state": f"Not possible while the host is {locked.resource_state} "
                    f"(allowed from: {', '.join(allowed_from)})."
                }
            )
        Host.objects.filter(pk=host.pk).update(resource_state=new_state)
        host.resource_state = new_state
        record_event(event_type, acting_user=acting_user, resource=host, client_ip=client_ip)
    host.refresh_from_db()
    return host


def enable_host(host: Host, *, acting_user, client_ip: str | None = None) -> Host:
    """Let the allocator place instances on a disabled host again."""
    return _set_resource_state(
        host,
        allowed_from=(ResourceState.DISABLED, ResourceState.ENABLED),
        new_state=ResourceState.ENABLED,
        event_type="HOST.ENABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def disable_host(host: Host, *, acting_user, client_ip: str | None = None) -> Host:
    """Stop placing new instances on the host (running ones stay)."""
    return _set_resource_state(
        host,
        allowed_from=(ResourceState.ENABLED, ResourceState.DISABLED),
        new_state=ResourceState.DISABLED,
        event_type="HOST.DISABLE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def prepare_host_for_maintenance(host: Host, *, acting_user, client_ip: str | None = None) -> Host:
    """Put the host in Maintenance, or PrepareForMaintenance while instances still run on it."""
    busy = Instance.objects.filter(host=host, state__in=ACTIVE_INSTANCE_STATES).exists()
    return _set_resource_state(
        host,
        allowed_from=(
            ResourceState.ENABLED,
            ResourceState.DISABLED,
            ResourceState.ERROR_IN_MAINTENANCE,
        ),
        new_state=ResourceState.PREPARE_FOR_MAINTENANCE if busy else ResourceState.MAINTENANCE,
        event_type="HOST.MAINTENANCE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def cancel_host_maintenance(host: Host, *, acting_user, client_ip: str | None = None) -> Host:
    """Bring a host out of (preparing for) maintenance, back to Enabled."""
    return _set_resource_state(
        host,
        allowed_from=(
            ResourceState.PREPARE_FOR_MAINTENANCE,
            ResourceState.MAINTENANCE,
            ResourceState.ERROR_IN_MAINTENANCE,
        ),
        new_state=ResourceState.ENABLED,
        event_type="HOST.MAINTENANCE.CANCEL",
        acting_user=acting_user,
        client_ip=client_ip,
    )
