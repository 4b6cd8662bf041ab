"""Async jobs and audit events."""

from django.conf import settings
from django.db import models

from portal.choices import EventLevel, EventState, JobStatus
from portal.querysets import RestrictedManager

from .base import PortalModel


class AsyncJob(PortalModel):
    """One long-running command: its owner, the resource it acts on, progress and outcome.

    The API, the htmx job badge and CloudStack's ``queryAsyncJobResult`` all read this row.
    """

    command = models.CharField(verbose_name="command", max_length=128, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    resource_type = models.CharField(verbose_name="resource type", max_length=64, blank=True)
    resource_id = models.CharField(verbose_name="resource ID", max_length=64, blank=True)
    params = models.JSONField(verbose_name="parameters", default=dict, blank=True)
    status = models.CharField(
        verbose_name="status",
        max_length=16,
        choices=JobStatus.choices,
        default=JobStatus.PENDING,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(verbose_name="progress (%)", default=0)
    progress_message = models.CharField(verbose_name="progress message", max_length=255, blank=True)
    result = models.JSONField(verbose_name="result", null=True, blank=True)
    error_code = models.PositiveIntegerField(verbose_name="error code", null=True, blank=True)
    error_text = models.TextField(verbose_name="error text", blank=True)
    started = models.DateTimeField(verbose_name="started", null=True, blank=True)
    finished = models.DateTimeField(verbose_name="finished", null=True, blank=True)
    heartbeat = models.DateTimeField(verbose_name="heartbeat", null=True, blank=True)
    task_id = models.CharField(verbose_name="Celery task ID", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(verbose_name="attempts", default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "heartbeat"], name="asyncjob_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.command} {self.uuid}"

    @property
    def is_done(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Event(models.Model):
    """An audit record written by every state-changing service call."""

    created = models.DateTimeField(verbose_name="created", auto_now_add=True, db_index=True)
    event_type = models.CharField(verbose_name="type", max_length=64, db_index=True)
    level = models.CharField(
        verbose_name="level", max_length=8, choices=EventLevel.choices, default=EventLevel.INFO
    )
    state = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=EventState.choices,
        default=EventState.COMPLETED,
    )
    description = models.TextField(verbose_name="description", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    account = models.ForeignKey(
        "portal.Account",
        verbose_name="account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="domain",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    resource_type = models.CharField(verbose_name="resource type", max_length=64, blank=True)
    resource_id = models.CharField(verbose_name="resource ID", max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(verbose_name="client IP", null=True, blank=True)
    job = models.ForeignKey(
        AsyncJob,
        verbose_name="job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.resource_type}:{self.resource_id}"
