"""Management servers (the nodes of the management plane) and the leader lease.

Every node (web + Celery worker + Celery beat, started by ``runportal``) registers one
:class:`ManagementServer` row and heartbeats it from its beat process. The single
:class:`ManagementLease` row names the node that runs the periodic jobs; it is taken and
renewed with one conditional ``UPDATE`` (``portal.services.management``).
"""

from django.db import models

from portal.models.base import PortalModel


class ManagementServerState(models.TextChoices):
    UP = "Up", "Up"
    DOWN = "Down", "Down"


class ManagementServer(PortalModel):
    """One management node; ``uuid`` is its node id (kept in ``var/management_node_id``).

    ``last_heartbeat`` is refreshed every ``MANAGEMENT_RENEW_INTERVAL`` seconds by the node's
    beat process; a node whose heartbeat is older than ``MANAGEMENT_DOWN_AFTER`` seconds is
    marked Down by any live node (or by itself on a clean stop)."""

    name = models.CharField(verbose_name="name", max_length=255)
    version = models.CharField(verbose_name="version", max_length=64, blank=True)
    service_ip = models.CharField(verbose_name="service IP", max_length=64, blank=True)
    service_port = models.PositiveIntegerField(verbose_name="service port", default=0)
    pid = models.PositiveIntegerField(verbose_name="beat process ID", default=0)
    state = models.CharField(
        verbose_name="state",
        max_length=8,
        choices=ManagementServerState.choices,
        default=ManagementServerState.UP,
    )
    last_heartbeat = models.DateTimeField(verbose_name="last heartbeat", null=True, blank=True)
    last_start = models.DateTimeField(verbose_name="last server start", null=True, blank=True)
    last_stop = models.DateTimeField(verbose_name="last server stop", null=True, blank=True)
    last_boot = models.DateTimeField(verbose_name="last boot time", null=True, blank=True)
    os_distribution = models.CharField(verbose_name="OS distribution", max_length=128, blank=True)
    kernel_version = models.CharField(verbose_name="kernel version", max_length=128, blank=True)
    python_version = models.CharField(verbose_name="Python version", max_length=64, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "management server"


class ManagementLease(models.Model):
    """A named lease (``beat``: who runs the periodic jobs). ``holder`` is a node's UUID (empty
    when released); the lease is the holder's until ``expires_at``."""

    name = models.CharField(verbose_name="name", max_length=64, unique=True)
    holder = models.CharField(verbose_name="holder", max_length=64, blank=True)
    expires_at = models.DateTimeField(verbose_name="expires at")
    acquired_at = models.DateTimeField(verbose_name="held since", null=True, blank=True)
    renewed_at = models.DateTimeField(verbose_name="renewed at", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "management lease"

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or '-'}"
