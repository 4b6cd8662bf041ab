"""Async jobs: create a job row, enqueue its Celery task after commit, report progress.

A job handler is a function ``handler(job, report)`` registered under a command name with
:func:`job_handler`; it returns a JSON-serialisable result or raises :class:`JobError`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.choices import JobStatus
from portal.models import AsyncJob

log = logging.getLogger(__name__)
JobHandler = Callable[[AsyncJob, Callable[[int, str], None]], Any]
_HANDLERS: dict[str, JobHandler] = {}
_NEXT_UUID: ContextVar[uuid.UUID | None] = ContextVar("next_job_uuid", default=None)


class JobError(Exception):
    """A job failed with a CloudStack-style error code (530 internal, 533 capacity, ...)."""

    def __init__(self, message: str, code: int = 530):
        super().__init__(message)
        self.code = code


def job_handler(command: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of ``command``."""

    def register(func: JobHandler) -> JobHandler:
        _HANDLERS[command] = func
        return func

    return register


def get_handler(command: str) -> JobHandler | None:
    return _HANDLERS.get(command)


@contextmanager
def next_job_uuid(value: uuid.UUID | None) -> Iterator[None]:
    """The first job created inside the block gets ``value`` as its UUID (CloudStack's
    ``customjobid``: a client chooses the id it will poll)."""
    token = _NEXT_UUID.set(value)
    try:
        yield
    finally:
        _NEXT_UUID.reset(token)


def create_job(
    command: str,
    *,
    acting_user,
    resource: Any = None,
    params: dict | None = None,
) -> AsyncJob:
    """Create a pending job and enqueue it once the surrounding transaction commits."""
    account = getattr(resource, "account", None) or getattr(acting_user, "account", None)
    chosen = _NEXT_UUID.get()
    if chosen is not None:
        _NEXT_UUID.set(None)
    job = AsyncJob.objects.create(
        **({"uuid": chosen} if chosen is not None else {}),
        command=command,
        user=acting_user if getattr(acting_user, "pk", None) else None,
        account=account,
        resource_type=type(resource).__name__ if resource is not None else "",
        resource_id=str(getattr(resource, "uuid", "")) if resource is not None else "",
        params=params or {},
    )
    transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: AsyncJob) -> None:
    """Send the job to a worker. The job row is the source of truth: if the broker is down
    the job stays pending and :func:`requeue_pending_jobs` sends it again later."""
    from portal.tasks import run_job

    try:
        result = run_job.delay(job.pk)
    except Exception as exc:  # broker unreachable: never fail the request that accepted it
        log.warning("could not enqueue job %s (%s); the sweeper will retry", job.pk, exc)
        return
    AsyncJob.objects.filter(pk=job.pk, task_id="").update(task_id=result.id or "")


def requeue_pending_jobs(older_than_seconds: int) -> int:
    """Send again jobs still pending after ``older_than_seconds`` (lost by the broker or
    never sent). Running a job twice is harmless: only one worker can claim it."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    pending = list(AsyncJob.objects.filter(status=JobStatus.PENDING, created__lt=cutoff)[:1000])
    for job in pending:
        enqueue(job)
    return len(pending)


def report_progress(job: AsyncJob, percent: int, message: str) -> None:
    """Store progress on the job row (and refresh its heartbeat)."""
    job.progress, job.progress_message = max(0, min(100, percent)), message[:255]
    AsyncJob.objects.filter(pk=job.pk).update(
        progress=job.progress, progress_message=job.progress_message, heartbeat=timezone.now()
    )


def mark_running(job_id: int) -> AsyncJob | None:
    """Claim a pending job for this worker; None if it is already done or claimed."""
    now = timezone.now()
    claimed = AsyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started=now, heartbeat=now
    )
    if not claimed:
        return None
    job = AsyncJob.objects.get(pk=job_id)
    AsyncJob.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    return job


def finish_job(
    job: AsyncJob, *, result: Any = None, error: str = "", code: int | None = None
) -> None:
    """Record the outcome. A job only finishes once: late answers change nothing."""
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    AsyncJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        result=result,
        error_text=error,
        error_code=code if error else None,
        progress=100 if not error else job.progress,
        finished=timezone.now(),
    )


def fail_stale_jobs(older_than_seconds: int) -> int:
    """Fail running jobs whose worker stopped reporting (it died); returns how many."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    stale = AsyncJob.objects.filter(status=JobStatus.RUNNING, heartbeat__lt=cutoff)
    return stale.update(
        status=JobStatus.FAILED,
        error_code=530,
        error_text="Job abandoned: its worker stopped reporting progress.",
        finished=timezone.now(),
    )


def wait_for_job(job: AsyncJob, timeout_s: float, poll_s: float = 0.2) -> AsyncJob:
    """Wait up to ``timeout_s`` for ``job`` (already committed) to end, for the calls that
    are synchronous in CloudStack (addHost, createStoragePool). Returns the job with its
    status fresh; raises :class:`JobError` with the job's code (530) if it failed. A job
    still pending or running at the deadline is returned as it is: the caller decides."""
    deadline = time.monotonic() + timeout_s
    while True:
        job.refresh_from_db(fields=["status", "error_text", "error_code"])
        if job.status == JobStatus.FAILED:
            raise JobError(job.error_text, code=job.error_code or 530)
        if job.status == JobStatus.SUCCEEDED or time.monotonic() >= deadline:
            return job
        time.sleep(poll_s)
