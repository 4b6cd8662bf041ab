"""Affinity groups: instances a tenant wants on one host, or on different hosts."""

from __future__ import annotations

from django.db import models

from portal.models.base import PortalModel


class AffinityGroupType(models.TextChoices):
    """CloudStack's host affinity processors (``listAffinityGroupTypes``)."""

    HOST_AFFINITY = "host affinity", "Host affinity"
    HOST_ANTI_AFFINITY = "host anti-affinity", "Host anti-affinity"


class AffinityGroup(PortalModel):
    """A tenant's affinity group: the planner keeps its instances on one host (host
    affinity) or on distinct hosts (host anti-affinity)."""

    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.CASCADE,
        related_name="affinity_groups",
    )
    name = models.CharField(verbose_name="name", max_length=255)
    description = models.CharField(verbose_name="description", max_length=4096, blank=True)
    group_type = models.CharField(
        verbose_name="type", max_length=32, choices=AffinityGroupType.choices
    )
    instances = models.ManyToManyField(
        "compute.Instance",
        verbose_name="instances",
        related_name="affinity_groups",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="affinitygroup_unique_name")
        ]
