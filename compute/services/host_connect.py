"""Synchronous host addition (CloudStack's ``addHost`` contract, also the zone wizard's):
add the host, then wait for its ``host.connect`` job, so the caller gets the host Up or the
reason it failed, with nothing left behind."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from compute.choices import HostStatus
from compute.models import Host
from compute.services.hosts import create_host
from portal.choices import JobStatus
from portal.services.audit import record_event
from portal.services.jobs import JobError, wait_for_job


def add_host_and_wait(
    *, acting_user, client_ip: str | None = None, timeout_s: float | None = None, **fields
) -> Host:
    """:func:`create_host`, then wait up to ``timeout_s`` (``ADD_HOST_WAIT_SECONDS``) for
    the connect job. Returns the host (Up); raises :class:`JobError` (530) with the job's
    reason (the job has removed the never-connected host) or on timeout (the host is
    removed here). Inside an outer transaction the job cannot start before the caller
    commits: the host is returned as it is (Connecting)."""
    host = create_host(acting_user=acting_user, client_ip=client_ip, **fields)
    job = getattr(host, "connect_job", None)
    if job is None or transaction.get_connection().in_atomic_block:
        return host
    timeout_s = settings.ADD_HOST_WAIT_SECONDS if timeout_s is None else timeout_s
    if wait_for_job(job, timeout_s).status == JobStatus.SUCCEEDED:
        host.refresh_from_db()
        host.connect_job = job
        return host
    removed, _ = Host.objects.filter(
        pk=host.pk, status=HostStatus.CONNECTING, last_ping__isnull=True
    ).delete()
    message = (
        f"Host {host.name} was not added: it did not connect within {timeout_s:g} s "
        f"(job {job.uuid} is {job.status})."
    )
    if not removed:  # the job ended between the last look and now
        current = Host.objects.filter(pk=host.pk).first()
        if current is not None and current.status == HostStatus.UP:
            return current
    else:
        record_event("HOST.DELETE", acting_user=acting_user, description=message)
    raise JobError(message, code=530)
