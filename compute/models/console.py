"""Console sessions: short-lived, single-use tokens for an instance's console."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models.base import PortalModel


class ConsoleSession(PortalModel):
    """One browser console grant for ``instance``: the console proxy redeems ``token_hash``
    (SHA-256 of the token the browser got) once, before ``expires_at``, and then connects
    to the instance's VNC on the host. The token itself is never stored."""

    instance = models.ForeignKey(
        "compute.Instance",
        verbose_name="instance",
        on_delete=models.CASCADE,
        related_name="console_sessions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(verbose_name="token hash", max_length=64, unique=True)
    expires_at = models.DateTimeField(verbose_name="expires at")
    used_at = models.DateTimeField(verbose_name="used at", null=True, blank=True)
    client_ip = models.GenericIPAddressField(verbose_name="client IP", null=True, blank=True)
    extra_hash = models.CharField(
        verbose_name="extra token hash",
        max_length=64,
        blank=True,
        help_text="createConsoleEndpoint's token: the WebSocket must present it as extra=.",
    )

    tenant_scope = "instance__account"

    class Meta:
        ordering = ["-id"]
        verbose_name = "console session"
