"""Host HA (CloudStack's HA framework for hosts): per-host HA configuration and state, the
cluster/zone HA switches, and operator alerts."""

from django.db import models
from django.db.models import Q

from compute.models.infrastructure import Cluster, Host, Zone
from portal.choices import ColoredChoices
from portal.models import PortalModel


class HAState(ColoredChoices):
    """CloudStack's ``HAConfig.HAState``."""

    AVAILABLE = "Available", "Available"
    SUSPECT = "Suspect", "Suspect"
    CHECKING = "Checking", "Checking"
    DEGRADED = "Degraded", "Degraded"
    RECOVERING = "Recovering", "Recovering"
    RECOVERED = "Recovered", "Recovered"
    FENCING = "Fencing", "Fencing"
    FENCED = "Fenced", "Fenced"
    INELIGIBLE = "Ineligible", "Ineligible"
    DISABLED = "Disabled", "Disabled"


HAState._colors = {
    "Available": "success",
    "Suspect": "warning",
    "Checking": "warning",
    "Degraded": "warning",
    "Recovering": "danger",
    "Recovered": "info",
    "Fencing": "danger",
    "Fenced": "secondary",
    "Ineligible": "secondary",
    "Disabled": "secondary",
}


class HostHAConfig(PortalModel):
    """A host's HA resource (CloudStack's ``ha_config`` row): whether HA is enabled, the
    provider that checks and fences it, the state machine's state and its counters, and the
    last checks (``last_checks``: [{check, ok, detail, at}], newest last, a few kept)."""

    host = models.OneToOneField(
        Host, verbose_name="host", on_delete=models.CASCADE, related_name="ha_config"
    )
    enabled = models.BooleanField(verbose_name="HA enabled", default=False)
    provider = models.CharField(verbose_name="HA provider", max_length=64)
    state = models.CharField(
        verbose_name="HA state",
        max_length=16,
        choices=HAState.choices,
        default=HAState.DISABLED,
        db_index=True,
    )
    state_changed = models.DateTimeField(verbose_name="state changed", null=True, blank=True)
    activity_checks = models.PositiveIntegerField(verbose_name="activity checks", default=0)
    activity_failures = models.PositiveIntegerField(
        verbose_name="failed activity checks", default=0
    )
    recover_attempts = models.PositiveIntegerField(verbose_name="recovery attempts", default=0)
    last_health_check = models.DateTimeField(
        verbose_name="last health check", null=True, blank=True
    )
    last_activity_check = models.DateTimeField(
        verbose_name="last activity check", null=True, blank=True
    )
    last_checks = models.JSONField(verbose_name="last checks", default=list, blank=True)
    last_error = models.TextField(verbose_name="last error", blank=True)

    tenant_scope = "public"

    class Meta:
        ordering = ["host"]
        verbose_name = "host HA configuration"

    def __str__(self) -> str:
        return f"{self.host} HA ({self.state})"


class ResourceHASwitch(PortalModel):
    """HA switched on or off for a whole cluster or zone (CloudStack's ``resourceHAEnabled``
    cluster/zone detail). No row: HA is enabled there."""

    zone = models.OneToOneField(
        Zone,
        verbose_name="zone",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ha_switch",
    )
    cluster = models.OneToOneField(
        Cluster,
        verbose_name="cluster",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ha_switch",
    )
    enabled = models.BooleanField(verbose_name="HA enabled", default=True)

    class Meta:
        verbose_name = "HA switch"
        constraints = [
            models.CheckConstraint(
                condition=(Q(zone__isnull=False) & Q(cluster__isnull=True))
                | (Q(zone__isnull=True) & Q(cluster__isnull=False)),
                name="ha_switch_zone_xor_cluster",
            )
        ]


class Alert(PortalModel):
    """An operator alert (CloudStack's ``alert`` table, ``listAlerts``): what happened, where,
    and when; ``alert_type`` is upstream's AlertType name (``ALERT_TYPE_HA_ACTION``...)."""

    alert_type = models.CharField(verbose_name="type", max_length=64, db_index=True)
    name = models.CharField(verbose_name="name", max_length=255)
    description = models.TextField(verbose_name="description")
    zone = models.ForeignKey(
        Zone, verbose_name="zone", on_delete=models.SET_NULL, null=True, blank=True
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name="cluster", on_delete=models.SET_NULL, null=True, blank=True
    )
    host = models.ForeignKey(
        Host,
        verbose_name="host",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "alert"

    def __str__(self) -> str:
        return f"{self.alert_type}: {self.name}"


class HAWorkState(ColoredChoices):
    SCHEDULED = "Scheduled", "Scheduled"
    STARTING = "Starting", "Starting"
    DONE = "Done", "Done"
    FAILED = "Failed", "Failed"


HAWorkState._colors = {
    "Scheduled": "info",
    "Starting": "info",
    "Done": "success",
    "Failed": "danger",
}


class HAWorkItem(PortalModel):
    """VM HA's work: restart ``instance`` elsewhere after its host ``failed_host`` was
    fenced (CloudStack's ``op_ha_work``). A row, so a management restart resumes it: the
    periodic HA job starts it through the planner, follows its job and retries."""

    instance = models.ForeignKey(
        "compute.Instance",
        verbose_name="instance",
        on_delete=models.CASCADE,
        related_name="ha_work",
    )
    failed_host = models.ForeignKey(
        Host,
        verbose_name="failed host",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=HAWorkState.choices,
        default=HAWorkState.SCHEDULED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(verbose_name="attempts", default=0)
    job = models.ForeignKey(
        "portal.AsyncJob",
        verbose_name="job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(verbose_name="reason", blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "HA work item"

    def __str__(self) -> str:
        return f"HA restart of {self.instance} ({self.state})"
