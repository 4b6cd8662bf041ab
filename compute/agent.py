"""Management-side access to host agents: a client per host and VM specs from instances.

Only Celery job handlers (and the console proxy, for get_vnc_port) call this module: requests,
pages and models never talk to agents.
A host's URL is the agent's base URL; a simulator fleet serving many hosts from one process
uses ``http://HOST:PORT/hosts/<host-id>``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from agents.client import AgentClient
from agents.errors import AgentAuthError, AgentCommandError, AgentUnreachable
from agents.protocol import Answer, Command
from portal.services.jobs import JobError

_FLEET_PATH = re.compile(r"^(?P<prefix>.*)/hosts/(?P<host>[A-Za-z0-9._-]{1,64})/?$")


_SESSIONS: dict[str, requests.Session] = {}


class AgentAnswerError(JobError):
    """The agent ran the command and answered a failure; ``error`` is its error code
    (``volume_not_found``, ``insufficient_capacity``, ...), for callers that can recover."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message, code=530)
        self.error = error


def _session(base_url: str) -> requests.Session:
    """One pooled HTTP session per agent base URL in this process. Connection failures are
    retried (the request never reached the agent); read errors and timeouts are not."""
    session = _SESSIONS.get(base_url)
    if session is None:
        retry = Retry(
            total=2,
            connect=2,
            read=0,
            status=0,
            other=0,
            allowed_methods=None,
            backoff_factor=0.2,
            raise_on_status=False,
        )
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=32))
        session.mount("https://", HTTPAdapter(max_retries=retry, pool_maxsize=32))
        _SESSIONS[base_url] = session
    return session


def client_for(host) -> AgentClient:
    """An authenticated client for ``host``'s agent with explicit timeouts; a connected
    host (``connected://<uuid>``) is reached through the agent gateway's relay."""
    if host.url.startswith("connected://"):
        from agents.connected.relay import GatewayClient
        from compute.gateway import relay_key, relay_url

        return GatewayClient(
            relay_url(),
            relay_key(),
            host.url.removeprefix("connected://"),
            timeout=(settings.AGENT_CONNECT_TIMEOUT, settings.AGENT_COMMAND_TIMEOUT),
        )
    parts = urlsplit(host.url)
    host_id = None
    match = _FLEET_PATH.match(parts.path)
    if match:
        host_id = match["host"]
        parts = parts._replace(path=match["prefix"])
    base_url = urlunsplit(parts)
    return AgentClient(
        base_url,
        host.agent_secret or "",
        timeout=(settings.AGENT_CONNECT_TIMEOUT, settings.AGENT_COMMAND_TIMEOUT),
        verify=settings.AGENT_TLS_VERIFY,
        host_id=host_id,
        session=_session(base_url),
    )


def send(host, command: Command) -> Answer:
    """Send one command; any failure becomes a :class:`JobError` naming the host."""
    client = client_for(host)
    try:
        answer = client.send(command)
    except AgentUnreachable as exc:
        _alert(host)
        raise JobError(f"Host {host.name} is unreachable: {exc}", code=530) from exc
    except AgentAuthError as exc:
        raise JobError(f"Host {host.name} refused our credentials: {exc}", code=530) from exc
    except AgentCommandError as exc:
        raise JobError(f"Host {host.name} rejected {command.name}: {exc}", code=530) from exc
    if not answer.result:
        raise AgentAnswerError(
            f"{command.name} failed on host {host.name}: {answer.details}", answer.error
        )
    return answer


def _alert(host) -> None:
    """A host whose agent cannot be reached goes Alert; its next answered ping makes it Up."""
    from compute.choices import HostStatus
    from compute.models import Host

    Host.objects.filter(pk=host.pk, status=HostStatus.UP).update(status=HostStatus.ALERT)
