"""Management side of host enrollment: trade the operator's host credentials for a
per-host agent secret (protocol in :mod:`agents.enroll`, docs/agent-protocol.md
"Enrollment").

Runs only inside the ``host.connect`` job. The password is used once, never logged, and
wiped from the host row once the secret (encrypted at rest) is stored.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from agents.enroll import EnrollmentError, enroll
from agents.errors import AgentCommandError, AgentUnreachable
from compute import agent
from compute.models import Host
from portal.services.jobs import JobError

log = logging.getLogger(__name__)

#: Agent resource kind -> the management server's hypervisor type.
HYPERVISORS = {"kvm": "KVM", "hyperv": "Hyperv", "simulator": "Simulator"}
RESOURCES = {hypervisor: kind for kind, hypervisor in HYPERVISORS.items()}
AGENT_SECRET_HELP = (
    "Only for agents configured with a pre-shared secret instead of enrollment accounts; "
    "when given, it is used and username/password are not."
)


def needs_enrollment(host: Host) -> bool:
    """A host added with credentials and no pre-shared secret is enrolled."""
    return bool(host.username and host.password and not host.agent_secret)


def _address(url: str) -> tuple[str, str | None]:
    """The agent's base URL and, for a simulator fleet URL (``.../hosts/<id>``), the id."""
    parts = urlsplit(url)
    match = agent._FLEET_PATH.match(parts.path)
    if match is None:
        return url, None
    return urlunsplit(parts._replace(path=match["prefix"])), match["host"]


def enroll_host(host: Host) -> None:
    """Enroll ``host``'s agent with its username/password; on success store the issued
    secret and wipe the password. Failures raise a :class:`JobError` (530) naming the
    cause; the agent then keeps whatever secret it had."""
    base_url, host_id = _address(host.url)
    expected = RESOURCES.get(host.hypervisor)
    try:
        enrolled = enroll(
            base_url,
            host.username,
            host.password,
            host_id=host_id,
            expected_resource=expected,
            verify=settings.AGENT_TLS_VERIFY,
            timeout=(settings.AGENT_CONNECT_TIMEOUT, settings.AGENT_ENROLL_TIMEOUT),
        )
    except AgentUnreachable as exc:
        raise JobError(f"Host {host.name} is unreachable: {exc}", code=530) from exc
    except EnrollmentError as exc:
        raise JobError(_explain(host, exc), code=530) from exc
    except AgentCommandError as exc:
        raise JobError(f"Host {host.name} refused enrollment: {exc}", code=530) from exc
    host.agent_secret, host.password = enrolled.secret, ""
    Host.objects.filter(pk=host.pk).update(agent_secret=enrolled.secret, password="")
    log.info("host %s enrolled as %r (agent %s)", host.name, host.username, enrolled.agent_version)


def _explain(host: Host, exc: EnrollmentError) -> str:
    if exc.reason == "refused":
        return (
            f"its agent refused the credentials of {host.username!r}: {exc}. Check the "
            "username and password of the host's enrollment account."
        )
    if exc.reason == "hypervisor_mismatch":
        reported = HYPERVISORS.get(exc.resource, exc.resource)
        return f"Agent reports hypervisor {reported}, host is {host.hypervisor}."
    if exc.reason == "not_supported":
        return f"Host {host.name} cannot be enrolled: {exc}; give its agent's shared secret."
    return f"Host {host.name} could not be enrolled: {exc}"
