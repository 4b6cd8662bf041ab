"""Usage events (what happened to a metered resource, with its offering and size at that
moment), the intervals the job builds from them, the records per aggregation period and the
periods already generated."""

from django.db import models

from portal.querysets import RestrictedManager
from portal.usage.choices import TYPE_CHOICES


class _Owned(models.Model):
    """Account, domain and zone of a usage row (kept when the resource is gone)."""

    account = models.ForeignKey(
        "portal.Account", verbose_name="account", on_delete=models.CASCADE, related_name="+"
    )
    domain = models.ForeignKey(
        "portal.Domain", verbose_name="domain", on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(
        "compute.Zone",
        verbose_name="zone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resource_uuid = models.CharField(verbose_name="resource UUID", max_length=64, db_index=True)
    resource_name = models.CharField(verbose_name="resource name", max_length=255, blank=True)
    offering_uuid = models.CharField(verbose_name="offering UUID", max_length=64, blank=True)
    offering_name = models.CharField(verbose_name="offering name", max_length=255, blank=True)
    template_uuid = models.CharField(verbose_name="template UUID", max_length=64, blank=True)
    size = models.BigIntegerField(verbose_name="size (bytes)", default=0)
    details = models.JSONField(verbose_name="details", default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        abstract = True


class UsageEvent(_Owned):
    """One change of a metered resource (CloudStack's ``usage_event``), captured from the
    audit event that the lifecycle writes: ``VM.START``, ``VOLUME.CREATE``, ``NET.IPASSIGN``...

    Unlike audit events these are not purged by ``event.purge.delay``; the job marks them
    ``processed`` once they are folded into :class:`UsageInterval` rows.
    """

    created = models.DateTimeField(verbose_name="time", db_index=True)
    event_type = models.CharField(verbose_name="type", max_length=32)
    audit_event = models.ForeignKey(
        "portal.Event",
        verbose_name="audit event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    processed = models.BooleanField(verbose_name="processed", default=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["processed", "created"], name="usageevent_pending")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.resource_name or self.resource_uuid}"


class UsageInterval(_Owned):
    """A span during which a resource was metered under one usage type with one offering and
    size (CloudStack's helper tables such as ``usage_vm_instance``); ``end`` is empty while
    it lasts."""

    usage_type = models.PositiveSmallIntegerField(verbose_name="usage type", choices=TYPE_CHOICES)
    start = models.DateTimeField(verbose_name="start", db_index=True)
    end = models.DateTimeField(verbose_name="end", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["resource_uuid", "usage_type", "end"], name="usageinterval_open")
        ]

    def __str__(self) -> str:
        return f"{self.usage_type} {self.resource_name} {self.start}..{self.end or ''}"


class UsageRecord(_Owned):
    """What an account used of one resource in one aggregation period (``listUsageRecords``):
    ``raw_usage`` hours, for storage types of ``size`` bytes."""

    usage_type = models.PositiveSmallIntegerField(
        verbose_name="usage type", choices=TYPE_CHOICES, db_index=True
    )
    description = models.CharField(verbose_name="description", max_length=512, blank=True)
    raw_usage = models.FloatField(verbose_name="hours")
    start_date = models.DateTimeField(verbose_name="period start", db_index=True)
    end_date = models.DateTimeField(verbose_name="period end")

    class Meta:
        ordering = ["start_date", "usage_type", "id"]
        indexes = [
            models.Index(fields=["account", "start_date"], name="usagerecord_account_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "account",
                    "usage_type",
                    "resource_uuid",
                    "offering_uuid",
                    "size",
                    "start_date",
                ],
                name="usagerecord_unique_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.raw_usage:.6f} h"

    @property
    def gib_hours(self) -> float:
        """Storage types: GiB-hours (``raw_usage`` x size in GiB); others: the hours."""
        from portal.usage.choices import BY_ID

        info = BY_ID.get(self.usage_type)
        if info is not None and info.per_gib:
            return self.raw_usage * self.size / 1024**3
        return self.raw_usage


class UsagePeriod(models.Model):
    """An aggregation period whose records were generated (CloudStack's ``usage_job``); its
    row is locked while the period is (re)generated, so two runs never interleave."""

    start = models.DateTimeField(verbose_name="start", unique=True)
    end = models.DateTimeField(verbose_name="end")
    generated = models.DateTimeField(verbose_name="generated", null=True, blank=True)
    records = models.PositiveIntegerField(verbose_name="records", default=0)

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}..{self.end:%H:%M}"
