"""Management-side access to host agents: a client per host and VM specs from instances.

Only Celery job handlers call this module: requests, pages and models never talk to agents.
A host's URL is the agent's base URL; a simulator fleet serving many hosts from one process
uses ``http://HOST:PORT/hosts/<host-id>``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from agents.client import AgentClient
from agents.errors import AgentAuthError, AgentCommandError, AgentUnreachable
from agents.protocol import Answer, Command
from portal.services.jobs import JobError

_FLEET_PATH = re.compile(r"^(?P<prefix>.*)/hosts/(?P<host>[A-Za-z0-9._-]{1,64})/?$")


def client_for(host) -> AgentClient:
    """An authenticated client for ``host``'s agent with explicit timeouts."""
    parts = urlsplit(host.url)
    host_id = None
    match = _FLEET_PATH.match(parts.path)
    if match:
        host_id = match["host"]
        parts = parts._replace(path=match["prefix"])
    return AgentClient(
        urlunsplit(parts),
        host.agent_secret or "",
        timeout=(settings.AGENT_CONNECT_TIMEOUT, settings.AGENT_COMMAND_TIMEOUT),
        verify=settings.AGENT_TLS_VERIFY,
        host_id=host_id,
    )


def send(host, command: Command) -> Answer:
    """Send one command; any failure becomes a :class:`JobError` naming the host."""
    client = client_for(host)
    try:
        answer = client.send(command)
    except AgentUnreachable as exc:
        raise JobError(f"Host {host.name} is unreachable: {exc}", code=530) from exc
    except AgentAuthError as exc:
        raise JobError(f"Host {host.name} refused our credentials: {exc}", code=530) from exc
    except AgentCommandError as exc:
        raise JobError(f"Host {host.name} rejected {command.name}: {exc}", code=530) from exc
    finally:
        client.close()
    if not answer.result:
        raise JobError(f"{command.name} failed on host {host.name}: {answer.details}", code=530)
    return answer
