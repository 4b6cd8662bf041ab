"""The periodic usage job (beat entry ``usage-job``; only the lease holder sends it)."""

from celery import shared_task


@shared_task(name="portal.usage.tasks.run_usage_job")
def run_usage_job() -> dict:
    """Periodic: fold new usage events and generate every complete aggregation period."""
    from portal.usage.services import run_usage_job as run

    return run()
