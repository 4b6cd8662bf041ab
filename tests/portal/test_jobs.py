"""The job machinery: create → enqueue after commit → run → progress/result/error on the row."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.choices import JobStatus
from portal.models import AsyncJob
from portal.services import jobs
from portal.tasks import run_job, sweep_stale_jobs


@pytest.mark.django_db(transaction=True)
def test_job_is_enqueued_only_after_commit(tenant, no_broker):
    from django.db import transaction

    with transaction.atomic():
        job = jobs.create_job("ping", acting_user=tenant, params={"value": "x"})
        assert no_broker == []
    assert [j.pk for j in no_broker] == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_job_is_never_enqueued(tenant, no_broker):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.create_job("ping", acting_user=tenant)
        raise RuntimeError("boom")
    assert no_broker == []
    assert not AsyncJob.objects.exists()


@pytest.mark.django_db
def test_run_job_records_progress_and_result(tenant, no_broker):
    job = jobs.create_job("ping", acting_user=tenant, params={"value": "hello"})
    assert run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"pong": "hello"}
    assert job.progress == 100 and job.progress_message == "halfway"
    assert job.started and job.finished and job.attempts == 1


@pytest.mark.django_db
def test_failing_job_stores_code_and_text(tenant, no_broker):
    job = jobs.create_job("ping", acting_user=tenant, params={"fail": "agent timed out"})
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_text) == ("failed", 530, "agent timed out")


@pytest.mark.django_db
def test_unknown_command_fails_cleanly(tenant, no_broker):
    job = jobs.create_job("no.such.command", acting_user=tenant)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "No handler" in job.error_text


@pytest.mark.django_db
def test_redelivered_job_runs_once(tenant, no_broker):
    job = jobs.create_job("ping", acting_user=tenant)
    assert run_job(job.pk) == "succeeded"
    assert run_job(job.pk) == "skipped"
    assert AsyncJob.objects.get(pk=job.pk).attempts == 1


@pytest.mark.django_db
def test_sweeper_fails_jobs_whose_worker_died(tenant, no_broker, settings):
    settings.JOB_STALE_AFTER_SECONDS = 60
    stale = jobs.create_job("ping", acting_user=tenant)
    fresh = jobs.create_job("ping", acting_user=tenant)
    old = timezone.now() - timezone.timedelta(seconds=120)
    AsyncJob.objects.filter(pk=stale.pk).update(status="running", heartbeat=old)
    AsyncJob.objects.filter(pk=fresh.pk).update(status="running", heartbeat=timezone.now())
    assert sweep_stale_jobs() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "failed" and "stopped reporting" in stale.error_text
    assert fresh.status == "running"
    # A late answer from the dead worker must not resurrect the job.
    jobs.finish_job(stale, result={"late": True})
    stale.refresh_from_db()
    assert stale.status == "failed" and stale.result is None


@pytest.mark.django_db
def test_job_api_is_tenant_scoped(api_client, tenant, other_tenant, no_broker):
    mine = jobs.create_job("ping", acting_user=tenant)
    theirs = jobs.create_job("ping", acting_user=other_tenant)
    client = api_client(tenant)
    listed = [j["id"] for j in client.get(reverse("api:job-list")).data["results"]]
    assert mine.pk in listed and theirs.pk not in listed
    detail = client.get(reverse("api:job-detail", kwargs={"pk": mine.pk}))
    assert detail.status_code == 200 and detail.data["status"] == "pending"
    assert client.get(reverse("api:job-detail", kwargs={"pk": theirs.pk})).status_code == 404


@pytest.mark.django_db
def test_event_api_filters_and_scopes(api_client, root_admin, tenant):
    from portal.services.audit import record_event

    record_event("VM.CREATE", acting_user=tenant, description="tenant vm")
    record_event("ZONE.CREATE", acting_user=root_admin, description="zone")
    client = api_client(tenant)
    types = {e["event_type"] for e in client.get(reverse("api:event-list")).data["results"]}
    assert types == {"VM.CREATE"}
    admin = api_client(root_admin)
    found = admin.get(reverse("api:event-list"), {"event_type": "ZONE.CREATE"}).data["results"]
    assert [e["description"] for e in found] == ["zone"]


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_job_pending_and_the_sweeper_resends_it(
    tenant, settings, monkeypatch
):
    from portal import tasks

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    calls = []

    def broker_down(job_id):
        calls.append(job_id)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.run_job, "delay", broker_down)
    job = jobs.create_job("ping", acting_user=tenant)  # commits: enqueue fails quietly
    assert calls == [job.pk]
    assert AsyncJob.objects.get(pk=job.pk).status == "pending"
    AsyncJob.objects.filter(pk=job.pk).update(
        created=timezone.now() - timezone.timedelta(minutes=5)
    )
    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", lambda job_id: sent.append(job_id) or _Result())
    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    sweep_stale_jobs()
    assert sent == [job.pk]


class _Result:
    id = "task-1"
