"""Async answers and ``queryAsyncJobResult``: everything reads the portal's job row.

Some CloudStack commands are async while our service does the work at once (scale, IP
association, ...): they get a job that is already finished, created and closed through the
job services, so clients poll it like any other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from portal import crypto
from portal.choices import JobStatus
from portal.cloudstack.context import clean, cs_date
from portal.cloudstack.registry import Shape
from portal.models import AsyncJob
from portal.services import jobs

COMPLETED = "cloudstack.completed"
# resource type -> (queryset factory, shape, CloudStack instance type)
RESULTS: dict[str, tuple[Callable[[], Any], Shape, str]] = {}
SUCCESS_COMMANDS = {"vm.expunge"}
JOB_STATUS = {
    JobStatus.PENDING: 0,
    JobStatus.RUNNING: 0,
    JobStatus.SUCCEEDED: 1,
    JobStatus.FAILED: 2,
}
CMD_NAMES = {
    "vm.deploy": "org.apache.cloudstack.api.command.user.vm.DeployVMCmd",
    "vm.start": "org.apache.cloudstack.api.command.user.vm.StartVMCmd",
    "vm.stop": "org.apache.cloudstack.api.command.user.vm.StopVMCmd",
    "vm.reboot": "org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
    "vm.destroy": "org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
    "vm.expunge": "org.apache.cloudstack.api.command.admin.vm.ExpungeVMCmd",
    "vm.migrate": "org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd",
}


def register_result(
    resource_type: str, queryset: Callable[[], Any], shape: Shape, instance_type: str
):
    RESULTS[resource_type] = (queryset, shape, instance_type)


@jobs.job_handler(COMPLETED)
def _completed(job, report) -> dict:
    """Never runs in practice: these jobs are finished when created."""
    return job.result or {}


def completed_job(ctx, resource, *, success_only: bool = False) -> AsyncJob:
    """A job for work the service already did, finished at once."""
    job = jobs.create_job(
        COMPLETED,
        acting_user=ctx.user,
        resource=resource,
        params={"cmd": ctx.command.name, "success": success_only},
    )
    claimed = jobs.mark_running(job.pk)
    if claimed is not None:
        jobs.finish_job(claimed, result={"cmd": ctx.command.name})
    return AsyncJob.objects.get(pk=job.pk)


def finished_job(ctx, resource=None, *, secret_result=None, error="", code=None) -> AsyncJob:
    """A job for work the command did at once: succeeded with ``secret_result`` (the
    CloudStack answer, kept encrypted in the job row), or failed with ``error``/``code``."""
    job = jobs.create_job(
        COMPLETED, acting_user=ctx.user, resource=resource, params={"cmd": ctx.command.name}
    )
    claimed = jobs.mark_running(job.pk)
    if claimed is not None:
        result = {"cmd": ctx.command.name}
        if secret_result is not None:
            result["cloudstack_result_encrypted"] = crypto.encrypt(json.dumps(secret_result))
        jobs.finish_job(claimed, result=None if error else result, error=error, code=code)
    return AsyncJob.objects.get(pk=job.pk)


def answer(job: AsyncJob | None, obj=None) -> dict:
    out = {"jobid": str(job.uuid)} if job is not None else {}
    if obj is not None:
        out["id"] = str(obj.uuid)
    return out


def _result(job: AsyncJob, ctx) -> dict:
    if job.status == JobStatus.FAILED:
        return {"errorcode": job.error_code or 530, "errortext": job.error_text or "Job failed"}
    if job.command in SUCCESS_COMMANDS or job.params.get("success"):
        return {"success": True}
    if isinstance(job.result, dict) and "cloudstack_result" in job.result:
        return job.result["cloudstack_result"]  # the handler answered CloudStack's object
    if isinstance(job.result, dict) and "cloudstack_result_encrypted" in job.result:
        # an answer carrying a secret (issueCertificate's private key), encrypted at rest
        return json.loads(crypto.decrypt(job.result["cloudstack_result_encrypted"]))
    spec = RESULTS.get(job.resource_type)
    if spec is not None and job.resource_id:
        queryset, shape, _ = spec
        obj = queryset().filter(uuid=job.resource_id).first()
        if obj is not None:
            return {shape.key: shape.render(obj, ctx)}
    return {"success": True}


def render_job(job: AsyncJob, ctx, *, with_result: bool = True) -> dict:
    status = JOB_STATUS.get(job.status, 0)
    spec = RESULTS.get(job.resource_type)
    account = job.account
    out = {
        "jobid": str(job.uuid),
        "accountid": str(account.uuid) if account else None,
        "account": account.name if account else None,
        "domainid": str(account.domain.uuid) if account else None,
        "domainpath": account.domain.path if account else None,
        "userid": str(job.user.uuid) if job.user else None,
        "cmd": job.params.get("cmd") or CMD_NAMES.get(job.command, job.command),
        "created": cs_date(job.created),
        "jobstatus": status,
        "jobprocstatus": 0,
        "jobresultcode": (job.error_code or 530) if status == 2 else 0,
        "jobinstancetype": spec[2] if spec else (job.resource_type or None),
        "jobinstanceid": job.resource_id or None,
    }
    if status and with_result:
        out["jobresulttype"] = "object"
        out["jobresult"] = _result(job, ctx)
        out["completed"] = cs_date(job.finished)
    return clean(out)
