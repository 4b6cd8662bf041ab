"""Enrollment tokens for connected agents (the agent dials the management server)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from compute.models.infrastructure import Cluster
from portal.models.base import PortalModel


class HostEnrollmentToken(PortalModel):
    """A one-time (or ``max_uses``-time) token with which a connected agent registers itself
    as a host of ``cluster`` (zone, pod and hypervisor come from the cluster). Only the
    SHA-256 of the token is stored; the token itself is shown once, when it is created."""

    cluster = models.ForeignKey(
        Cluster,
        verbose_name="cluster",
        on_delete=models.CASCADE,
        related_name="enrollment_tokens",
    )
    token_hash = models.CharField(verbose_name="token hash", max_length=64, unique=True)
    prefix = models.CharField(verbose_name="token prefix", max_length=16)
    expires_at = models.DateTimeField(verbose_name="expires at")
    max_uses = models.PositiveIntegerField(verbose_name="maximum uses", default=1)
    uses = models.PositiveIntegerField(verbose_name="uses", default=0)
    used_at = models.DateTimeField(verbose_name="last used at", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses__lte=models.F("max_uses")),
                name="enrollment_token_uses_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.cluster})"
