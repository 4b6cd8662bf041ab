"""Connected agents: enrollment tokens, registration through the gateway, heartbeats.

A connected agent dials the management server's gateway (``manage.py agent_gateway``)
instead of being dialled. Its first registration presents an enrollment token, created
here and shown once; the gateway calls :func:`register_connected_host`, which consumes one
use of the token and creates the host (zone, pod and cluster from the token) together with
a random per-host secret. Later connections prove that secret in answer to a fresh
challenge (:func:`authenticate_connected_host`). Connected hosts have the URL
``connected://<host uuid>``; :mod:`compute.agent` sends their commands through the gateway.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agents.connected import check_proof
from agents.errors import InvalidCommand
from agents.protocol import decode_answer
from compute.choices import HostStatus, Hypervisor
from compute.models import Cluster, Host, HostEnrollmentToken
from compute.services._common import check_positive
from compute.services.host_names import unique_host_name
from compute.services.hosts import _validate_host
from portal.services.audit import record_event
from portal.services.base import delete_with_event

log = logging.getLogger(__name__)

CONNECTED_SCHEME = "connected://"
TOKEN_PREFIX = "cpt_"
MAX_VALID_HOURS = 30 * 24
MAX_USES = 100_000
#: The agent's resource kind -> the cluster hypervisor it can serve.
RESOURCE_HYPERVISORS = {"kvm": "KVM", "hyperv": "Hyperv", "simulator": "Simulator"}


class EnrollmentRefused(Exception):
    """A registration the gateway refuses; ``error`` is one of
    :data:`agents.connected.REFUSALS` and travels to the agent with ``details``."""

    def __init__(self, error: str, details: str) -> None:
        super().__init__(f"{error}: {details}")
        self.error = error
        self.details = details


def is_connected(host: Host) -> bool:
    """True for a host whose agent dialled in (its commands go through the gateway)."""
    return host.url.startswith(CONNECTED_SCHEME)


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256 (tokens are 256-bit random, so no salt)."""
    return hashlib.sha256(token.encode()).hexdigest()


def connect_command(cluster: Cluster, token: str) -> str:
    """The command line that starts a connected agent for ``cluster`` with ``token``."""
    from compute.gateway import gateway_url

    kinds = {hv: kind for kind, hv in RESOURCE_HYPERVISORS.items()}
    resource = kinds.get(cluster.hypervisor, "<kvm|hyperv|simulator>")
    return f"python -m agents serve --resource {resource} --connect {gateway_url()} --token {token}"


def create_enrollment_token(
    *,
    acting_user,
    cluster: Cluster,
    valid_hours: int = 24,
    max_uses: int = 1,
    client_ip: str | None = None,
) -> tuple[HostEnrollmentToken, str]:
    """Create a token with which ``max_uses`` connected agents can register as hosts of
    ``cluster`` within ``valid_hours``. Returns the row and the token, which is shown once
    and never stored (only its hash is)."""
    if cluster.hypervisor == Hypervisor.EXTERNAL:
        raise ValidationError({"cluster": "External clusters have no agents to enroll."})
    for value, field, top in ((valid_hours, "valid_hours", MAX_VALID_HOURS),
                              (max_uses, "max_uses", MAX_USES)):  # fmt: skip
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError({field: "Must be an integer."})
        check_positive(value, field)
        if value > top:
            raise ValidationError({field: f"Must be at most {top}."})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = HostEnrollmentToken(
        cluster=cluster,
        token_hash=hash_token(token),
        prefix=token[:10],
        expires_at=timezone.now() + timedelta(hours=valid_hours),
        max_uses=max_uses,
        created_by=acting_user,
    )
    with transaction.atomic():
        row.save()
        record_event(
            "HOST.ENROLLMENT.TOKEN.CREATE",
            acting_user=acting_user,
            resource=row,
            client_ip=client_ip,
            description=f"cluster {cluster.name}, {max_uses} use(s), valid {valid_hours} h",
        )
    return row, token


def delete_enrollment_token(token: HostEnrollmentToken, *, acting_user, client_ip=None) -> None:
    """Revoke a token: agents that did not register with it yet cannot."""
    delete_with_event(
        token,
        event_type="HOST.ENROLLMENT.TOKEN.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def _refusal(row: HostEnrollmentToken | None, now) -> EnrollmentRefused | None:
    """Why ``row`` cannot be used now, or None."""
    if row is None:
        return EnrollmentRefused("token_unknown", "The enrollment token is not valid.")
    if row.expires_at <= now:
        when = f"{row.expires_at:%Y-%m-%d %H:%M} UTC"
        return EnrollmentRefused("token_expired", f"The enrollment token expired at {when}.")
    if row.uses >= row.max_uses:
        return EnrollmentRefused(
            "token_used",
            f"The enrollment token was already used ({row.uses} of {row.max_uses} uses).",
        )
    return None


def _usable_token(token: str) -> HostEnrollmentToken:
    row = (
        HostEnrollmentToken.objects.select_related("cluster", "created_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    refusal = _refusal(row, timezone.now())
    if refusal is not None:
        raise refusal
    return row


def _take_use(row: HostEnrollmentToken) -> None:
    """Take one use atomically: a conditional UPDATE, so two agents racing for the last use
    cannot both win. Run last in the registration's transaction (the row stays locked only
    until its commit)."""
    now = timezone.now()
    taken = HostEnrollmentToken.objects.filter(
        pk=row.pk, uses__lt=F("max_uses"), expires_at__gt=now
    ).update(uses=F("uses") + 1, used_at=now)
    if not taken:
        row.refresh_from_db()
        raise _refusal(row, now) or EnrollmentRefused("token_used", "The token is used up.")


def _facts(data) -> object:
    try:
        return decode_answer(data, "startup")
    except InvalidCommand as exc:
        raise EnrollmentRefused("invalid_register", f"bad host facts: {exc.details}") from exc


def register_connected_host(token: str, facts_data, resource: str) -> tuple[Host, str]:
    """First registration of a connected agent: consume a use of ``token``, check that the
    agent's hypervisor is the cluster's and create the host Up, named after the agent's
    hostname (made unique in the zone). Returns the host and its new secret (the agent keeps
    it; only its encrypted copy stays here). Nothing is kept when anything is refused."""
    facts = _facts(facts_data)
    row = _usable_token(token)
    cluster = row.cluster
    reported = RESOURCE_HYPERVISORS.get(resource)
    if reported != cluster.hypervisor:
        raise EnrollmentRefused(
            "hypervisor_mismatch",
            f"The agent runs {reported or resource!r} but cluster {cluster.name} is "
            f"{cluster.hypervisor}.",
        )
    with transaction.atomic():
        secret = secrets.token_urlsafe(32)
        host_uuid = uuid.uuid4()
        host = Host(
            uuid=host_uuid,
            zone_id=cluster.zone_id,
            pod_id=cluster.pod_id,
            cluster=cluster,
            name=unique_host_name(cluster.zone_id, facts.hostname),
            hypervisor=cluster.hypervisor,
            url=f"{CONNECTED_SCHEME}{host_uuid}",
            status=HostStatus.UP,
            cpus=facts.cpus,
            cpu_sockets=facts.cpu_sockets or 1,
            cpu_speed=facts.cpu_speed_mhz,
            memory=facts.memory_bytes,
            capabilities=facts.capabilities,
            agent_version=facts.agent_version,
            agent_secret=secret,
            last_ping=timezone.now(),
        )
        _validate_host(host)
        host.save()
        record_event(
            "HOST.ADD",
            acting_user=row.created_by,
            resource=host,
            description=f"connected agent registered with enrollment token {row.prefix}…",
        )
        _take_use(row)
    return host, secret


def authenticate_connected_host(host_uuid: str, challenge: str, given: str, facts_data) -> Host:
    """A reconnect: the agent proves it holds the secret issued to ``host_uuid`` for this
    connection's ``challenge``. On success the host is Up with a fresh ``last_ping``."""
    try:
        wanted = uuid.UUID(str(host_uuid))
    except ValueError as exc:
        raise EnrollmentRefused("unknown_host", f"{host_uuid!r} is not a host UUID.") from exc
    host = Host.objects.filter(uuid=wanted, url=f"{CONNECTED_SCHEME}{wanted}").first()
    if host is None:
        raise EnrollmentRefused("unknown_host", f"No connected host has the UUID {wanted}.")
    if not isinstance(given, str) or not check_proof(
        host.agent_secret, challenge, str(wanted), given
    ):
        raise EnrollmentRefused("bad_proof", f"Wrong identity proof for host {host.name}.")
    facts = _facts(facts_data)
    Host.objects.filter(pk=host.pk).update(
        status=HostStatus.UP, last_ping=timezone.now(), agent_version=facts.agent_version
    )
    return host


def record_heartbeats(host_ids, chunk: int = 5000) -> int:
    """Mark the hosts that pinged since the last call Up with a fresh ``last_ping``: one
    UPDATE per ``chunk`` hosts (the gateway calls this once per ping interval)."""
    ids = sorted(host_ids)
    now = timezone.now()
    done = 0
    for i in range(0, len(ids), chunk):
        done += Host.objects.filter(pk__in=ids[i : i + chunk]).update(
            last_ping=now, status=HostStatus.UP
        )
    return done


def mark_disconnected(host_id: int) -> int:
    """A connected host whose connection dropped is Disconnected at once (a direct host
    needs 2.5 silent ping intervals); the usual rules then make it Down after
    ``AGENT_DOWN_AFTER_SECONDS``, and its next registration makes it Up."""
    return Host.objects.filter(
        Q(status=HostStatus.UP) | Q(status=HostStatus.ALERT), pk=host_id
    ).update(status=HostStatus.DISCONNECTED)
