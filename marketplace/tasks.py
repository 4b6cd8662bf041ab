"""Marketplace jobs: install/upgrade, rollback, uninstall, import and test run as jobs
whose progress log is visible on the job row (``progress_message``) and, in full, in the
job result (``log``) and the plugin's ``status_message``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from marketplace import services
from marketplace.models import CatalogItem, Plugin
from portal.models import AsyncJob
from portal.services.jobs import JobError, job_handler


class ProgressLog:
    """``report(percent, message)`` that also keeps every line."""

    def __init__(self, report):
        self.report, self.lines = report, []

    def __call__(self, percent: int, message: str) -> None:
        self.lines.append(message)
        self.report(percent, message)


def _actor(job: AsyncJob):
    return get_user_model().objects.filter(pk=job.user_id).first() if job.user_id else None


def _plugin(job: AsyncJob) -> Plugin:
    plugin = Plugin.objects.filter(pk=job.params.get("plugin")).first()
    if plugin is None:
        raise JobError("The plugin no longer exists.")
    return plugin


def _result(obj, log: ProgressLog) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "display": str(obj),
        "version": getattr(obj, "version", None),
        "log": log.lines,
    }


@job_handler("marketplace.install")
def install_job(job: AsyncJob, report) -> dict[str, Any]:
    item = (
        CatalogItem.objects.select_related("catalog").filter(pk=job.params.get("item_id")).first()
    )
    if item is None:
        raise JobError("The catalog item no longer exists; refresh the catalog.")
    log = ProgressLog(report)
    obj = services.install_item(item, acting_user=_actor(job), report=log)
    if job.params.get("state") and isinstance(obj, Plugin):  # from a site lock file
        from marketplace.transfer import apply_state

        apply_state(obj, job.params["state"], _actor(job))
    return _result(obj, log)


@job_handler("marketplace.rollback")
def rollback_job(job: AsyncJob, report) -> dict[str, Any]:
    log = ProgressLog(report)
    return _result(services.rollback_plugin(_plugin(job), acting_user=_actor(job), report=log), log)


@job_handler("marketplace.uninstall")
def uninstall_job(job: AsyncJob, report) -> dict[str, Any]:
    log = ProgressLog(report)
    plugin = services.uninstall_plugin(
        _plugin(job), acting_user=_actor(job), purge=bool(job.params.get("purge")), report=log
    )
    return _result(plugin, log)


@job_handler("marketplace.test")
def test_job(job: AsyncJob, report) -> dict[str, Any]:
    run = services.check_plugin(_plugin(job), acting_user=_actor(job))
    return {"ok": run.ok, "results": run.results, "test_run": run.pk}


@job_handler("marketplace.import")
def import_job(job: AsyncJob, report) -> dict[str, Any]:
    from marketplace.transfer import import_package

    log = ProgressLog(report)
    obj = import_package(job.params["path"], acting_user=_actor(job), report=log)
    return _result(obj, log)
