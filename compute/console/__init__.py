"""Browser consoles of instances: single-use, short-lived tokens and where they lead.

:func:`issue_console` (pages, ``createConsoleEndpoint``) checks that the caller may use the
instance and that it runs on a host with VNC, stores the SHA-256 of a fresh token and
returns the token with the proxy's WebSocket URL. The console proxy
(:mod:`compute.console.proxy`, ``manage.py console_proxy``) calls :func:`redeem_console`
once per connection: it marks the session used (a second use, or one after
``CONSOLE_TOKEN_TTL`` seconds, finds nothing) and then asks the host's agent for the VNC
port. The VNC password never leaves the management side.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from compute.choices import InstanceState
from compute.models import ConsoleSession, Instance
from portal.services.jobs import JobError

#: Where browsers open the console WebSocket (setting or environment ``CONSOLE_PROXY_URL``).
DEFAULT_URL = "ws://127.0.0.1:8262/console"
DEFAULT_TTL_S = 60
KEEP_SESSIONS = timedelta(days=1)


class ConsoleUnavailable(JobError):
    """The instance has no console to open now (stopped, no host, or Hyper-V)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=431)


@dataclass(frozen=True)
class ConsoleGrant:
    """What the browser needs: the WebSocket URL and the token (valid once, until
    ``expires_at``)."""

    url: str
    token: str
    expires_at: datetime
    extra: str = ""

    @property
    def websocket(self) -> dict:
        parts = urlsplit(self.url)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        return {
            "host": parts.hostname,
            "port": port,
            "path": parts.path,
            "token": self.token,
            "extra": self.extra or None,
        }


@dataclass(frozen=True)
class ConsoleTarget:
    """A redeemed session: the instance (with host) and its VNC password."""

    instance: Instance
    vnc_password: str


def proxy_url() -> str:
    """The console proxy's URL for browsers."""
    return getattr(settings, "CONSOLE_PROXY_URL", None) or os.environ.get(
        "CONSOLE_PROXY_URL", DEFAULT_URL
    )


def token_ttl() -> int:
    return int(getattr(settings, "CONSOLE_TOKEN_TTL", DEFAULT_TTL_S))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def console_problem(instance: Instance) -> str:
    """Why ``instance`` has no browser console now ("" when it has one)."""
    if instance.state != InstanceState.RUNNING or instance.host_id is None:
        return f"The console is available while the instance is Running (it is {instance.state})."
    if instance.hypervisor.lower() == "hyperv":
        from compute.lifecycle.specs import vm_name

        return (
            f"Hyper-V has no VNC console: connect with Hyper-V Manager (vmconnect) to VM "
            f"{vm_name(instance)} on host {instance.host.name}."
        )
    return ""


def issue_console(
    *, acting_user, instance: Instance, client_ip: str | None = None, extra: str = ""
) -> ConsoleGrant:
    """A new single-use token for ``instance``'s console (the caller's access to the instance
    is checked by the caller's queryset); :class:`ConsoleUnavailable` when there is none.
    ``extra`` (createConsoleEndpoint's ``token``) must then come along as ``extra=``."""
    problem = console_problem(instance)
    if problem:
        raise ConsoleUnavailable(problem)
    now = timezone.now()
    # the instance's sessions stay a day (who opened its console, from where), then go
    ConsoleSession.objects.filter(instance=instance, expires_at__lt=now - KEEP_SESSIONS).delete()
    token = secrets.token_urlsafe(32)
    session = ConsoleSession.objects.create(
        instance=instance,
        user=acting_user,
        token_hash=_hash(token),
        expires_at=now + timedelta(seconds=token_ttl()),
        client_ip=client_ip,
        extra_hash=_hash(extra) if extra else "",
    )
    return ConsoleGrant(url=proxy_url(), token=token, expires_at=session.expires_at, extra=extra)


def redeem_console(token: str, extra: str = "") -> ConsoleTarget | None:
    """The target of ``token`` if it is unused and unexpired (and ``extra`` matches the one
    it was issued with), marking it used (atomically: of two concurrent uses only one wins);
    None otherwise or when the instance stopped."""
    if not token or len(token) > 128 or len(extra) > 1024:
        return None
    now = timezone.now()
    claimed = ConsoleSession.objects.filter(
        token_hash=_hash(token),
        extra_hash=_hash(extra) if extra else "",
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if claimed != 1:
        return None
    session = ConsoleSession.objects.select_related("instance__host").get(token_hash=_hash(token))
    instance = session.instance
    if console_problem(instance):
        return None
    return ConsoleTarget(instance=instance, vnc_password=instance.vnc_password[:8])
