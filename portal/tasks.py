"""Celery tasks of the portal app: the one task that runs every job, and the sweeper."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from portal.services import jobs

log = logging.getLogger(__name__)


@shared_task(name="portal.tasks.run_job", acks_late=True)
def run_job(job_id: int) -> str:
    """Run the job's handler, recording running/progress/result/error on the job row."""
    job = jobs.mark_running(job_id)
    if job is None:
        return "skipped"
    handler = jobs.get_handler(job.command)
    if handler is None:
        jobs.finish_job(job, error=f"No handler for command {job.command}", code=530)
        return "failed"
    try:
        result = handler(job, lambda percent, message: jobs.report_progress(job, percent, message))
    except jobs.JobError as exc:
        jobs.finish_job(job, error=str(exc), code=exc.code)
        return "failed"
    except Exception as exc:  # a bug must still end the job, with the reason
        log.exception("job %s (%s) crashed", job.pk, job.command)
        jobs.finish_job(job, error=f"Internal error: {exc}", code=530)
        return "failed"
    jobs.finish_job(job, result=result)
    return "succeeded"


@shared_task(name="portal.tasks.sweep_stale_jobs")
def sweep_stale_jobs() -> int:
    """Periodic: fail jobs whose worker died (no heartbeat for JOB_STALE_AFTER_SECONDS) and
    re-send jobs the broker lost (pending for JOB_REQUEUE_AFTER_SECONDS)."""
    jobs.requeue_pending_jobs(settings.JOB_REQUEUE_AFTER_SECONDS)
    return jobs.fail_stale_jobs(settings.JOB_STALE_AFTER_SECONDS)


@shared_task(name="portal.tasks.ping")
def ping(value: str = "pong") -> str:
    """Round trip used by health checks and the infrastructure tests."""
    return value


@jobs.job_handler("ping")
def ping_job(job, report) -> dict:
    """A job that does nothing but report progress: exercises the job machinery end to end."""
    report(50, "halfway")
    if job.params.get("fail"):
        raise jobs.JobError(str(job.params["fail"]), code=530)
    return {"pong": job.params.get("value", "pong")}


@shared_task(name="portal.tasks.purge_events")
def purge_events() -> int:
    """Periodic: delete events older than ``event.purge.delay`` days (0: keep them all)."""
    from portal.services.audit import purge_old_events

    return purge_old_events()
