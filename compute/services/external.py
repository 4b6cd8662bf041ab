"""Hosts of clusters of hypervisor type External (CloudStack's extension clusters).

Such a host runs no agent: the cluster's Orchestrator extension drives it. ``addHost``
stores the host's ``externaldetails`` (encrypted, they usually carry API tokens) and the
host is Up at once, with no connect job, as CloudStack marks external hosts Up. The
details reach the extension as ``externaldetails.host`` on every action.

CloudStack reports zero CPU and memory for these hosts and leaves capacity checks to the
extension; the portal's planner needs numbers, so a nominal capacity is recorded
(:data:`NOMINAL_CAPACITY`, or the ``cpus``/``cpu_speed``/``memory`` given).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compute.choices import HostStatus, Hypervisor
from compute.models import Cluster, Host

#: What an External host offers the planner when nothing else is said.
NOMINAL_CAPACITY = {"cpus": 64, "cpu_speed": 2000, "memory": 256 * 1024**3}
SECRET_KEY_RE = re.compile(r"(password|secret|token|apikey|api_key|sshkey|privatekey)", re.I)
MASK = "******"
MAX_DETAILS = 100


def check_details(details: Any, field: str = "externaldetails") -> dict[str, str]:
    """Flat ``{str: str}`` details, at most :data:`MAX_DETAILS` keys."""
    if details is None:
        return {}
    if not isinstance(details, dict):
        raise ValidationError({field: "Must be an object of key/value pairs."})
    if len(details) > MAX_DETAILS:
        raise ValidationError({field: f"At most {MAX_DETAILS} details."})
    clean = {}
    for key, value in details.items():
        key = str(key).strip()
        if not key or len(key) > 255:
            raise ValidationError({field: f"Bad detail name {key!r}."})
        if isinstance(value, dict | list):
            raise ValidationError({field: f"Detail {key} must be a plain value."})
        clean[key] = "" if value is None else str(value)
    return clean


def masked(details: dict[str, str]) -> dict[str, str]:
    """Details fit to show: values of secret-looking keys replaced by ``******``."""
    return {k: (MASK if SECRET_KEY_RE.search(k) else v) for k, v in details.items()}


def host_external_details(host: Host) -> dict[str, str]:
    """The stored externaldetails of ``host`` (decrypted)."""
    try:
        value = json.loads(host.external_details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _binding(cluster: Cluster):
    from marketplace.services.bindings import cluster_binding

    binding = cluster_binding(cluster.pk)
    if binding is None:
        raise ValidationError(
            {"cluster": f"Cluster {cluster.name} is not registered with an extension."}
        )
    return binding


def required_details(extension) -> list[str]:
    """Host details the extension declares it needs (``required_host_details`` in its
    manifest metadata); empty when it declares none."""
    names = (extension.metadata or {}).get("required_host_details") or []
    return [str(n) for n in names if str(n).strip()]


def check_required(binding, details: dict[str, str]) -> None:
    """Every declared required detail is given by the host, the binding or the extension."""
    extension = binding.extension
    known = {**(extension.details or {}), **(binding.details or {}), **details}
    secret = json.loads(extension.secret_details or "{}")
    missing = [n for n in required_details(extension) if not (known.get(n) or secret.get(n))]
    if missing:
        raise ValidationError(
            {
                "externaldetails": f"Extension {extension.name} needs the details: "
                f"{', '.join(missing)}."
            }
        )


def _check_url(url: str) -> str:
    """External hosts need no agent URL; any ``[scheme://]name`` identifies the host."""
    url = (url or "").strip()
    if not url or len(url) > 255 or any(c.isspace() for c in url):
        raise ValidationError({"url": "Give the host's URL or name (no spaces)."})
    return url


def _default_name(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"external://{url}")
    return parts.hostname or url


def create_external_host(
    *, acting_user, client_ip: str | None = None, cluster: Cluster, fields: dict
) -> Host:
    """Add a host to an External cluster bound to an extension: Up at once, no agent."""
    from compute.services.hosts import _validate_host
    from portal.services.base import save_validated

    details = check_details(fields.pop("external_details", None))
    binding = _binding(cluster)
    check_required(binding, details)
    hypervisor = fields.pop("hypervisor", None) or Hypervisor.EXTERNAL
    if hypervisor != Hypervisor.EXTERNAL:
        raise ValidationError(
            {"hypervisor": f"The cluster's hypervisor is External, not {hypervisor}."}
        )
    for derived in ("pod", "zone"):
        given = fields.pop(derived, None)
        if given is not None and given.pk != getattr(cluster, f"{derived}_id"):
            raise ValidationError({derived: f"The {derived} must be the cluster's {derived}."})
    fields.pop("agent_secret", None)
    fields["url"] = _check_url(fields.get("url", ""))
    if not fields.get("name"):
        fields["name"] = _default_name(fields["url"])
    for key, value in NOMINAL_CAPACITY.items():
        fields[key] = fields.get(key) or value
    host = Host(
        zone_id=cluster.zone_id,
        pod_id=cluster.pod_id,
        cluster=cluster,
        hypervisor=Hypervisor.EXTERNAL,
        status=HostStatus.UP,
        last_ping=timezone.now(),
        agent_version=f"extension:{binding.extension.name}"[:32],
        external_details=json.dumps(details),
        **{k: v for k, v in fields.items() if k != "cluster"},
    )
    _validate_host(host)
    with transaction.atomic():
        save_validated(host, event_type="HOST.ADD", acting_user=acting_user, client_ip=client_ip)
    host.connect_job = None
    return host


def update_external_details(
    host: Host,
    details: dict | None,
    *,
    cleanup: bool = False,
    acting_user,
    client_ip: str | None = None,
) -> Host:
    """Merge ``details`` into the host's externaldetails (``cleanup``: replace them all)."""
    from portal.services.base import save_validated

    if host.cluster.hypervisor != Hypervisor.EXTERNAL:
        raise ValidationError({"externaldetails": "Only hosts of External clusters have them."})
    details = check_details(details)
    current = {} if cleanup else host_external_details(host)
    host.external_details = json.dumps({**current, **details})
    return save_validated(
        host, event_type="HOST.EDIT", acting_user=acting_user, client_ip=client_ip
    )
