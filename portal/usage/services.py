"""The usage job: usage events -> intervals -> records per aggregation period.

1. :func:`process_events` folds unprocessed :class:`UsageEvent` rows, in time order, into
   :class:`UsageInterval` rows (a VM's running spans per offering, its allocated spans, a
   volume's or snapshot's life per size, a public IP's allocation).
2. :func:`generate_period` writes the :class:`UsageRecord` rows of one period: each interval
   that overlaps it, clipped to it, summed per account, type, resource, offering and size.
   A period is regenerated under a lock on its :class:`UsagePeriod` row by deleting and
   rewriting its records, so running it again never counts twice.
3. :func:`run_usage_job` (the periodic task, on the lease holder) does both for every
   complete period since the last one generated; :func:`generate_usage` does it for a date
   range on demand (``generateUsageRecords``).

The aggregation period is ``USAGE_AGGREGATION_MINUTES`` (default 60), aligned to UTC.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.usage import choices as t
from portal.usage.models import UsageEvent, UsageInterval, UsagePeriod, UsageRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# event type -> (usage types it closes, usage types it opens)
TRANSITIONS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "VM.CREATE": ((), (t.ALLOCATED_VM,)),
    "VM.START": ((), (t.RUNNING_VM,)),
    "VM.STOP": ((t.RUNNING_VM,), ()),
    "VM.DESTROY": ((t.RUNNING_VM, t.ALLOCATED_VM), ()),
    "VM.UPGRADE": ((), ()),  # handled by _upgrade: new spans with the new offering
    "VOLUME.CREATE": ((), (t.VOLUME,)),
    "VOLUME.DELETE": ((t.VOLUME,), ()),
    "VOLUME.RESIZE": ((t.VOLUME,), (t.VOLUME,)),
    "NET.IPASSIGN": ((), (t.IP_ADDRESS,)),
    "NET.IPRELEASE": ((t.IP_ADDRESS,), ()),
    "SNAPSHOT.CREATE": ((), (t.SNAPSHOT,)),
    "SNAPSHOT.DELETE": ((t.SNAPSHOT,), ()),
}
_COPIED = (
    "account_id",
    "domain_id",
    "zone_id",
    "resource_uuid",
    "resource_name",
    "offering_uuid",
    "offering_name",
    "template_uuid",
    "size",
    "details",
)


def aggregation() -> timedelta:
    """The aggregation period (``USAGE_AGGREGATION_MINUTES``)."""
    return timedelta(minutes=max(1, int(getattr(settings, "USAGE_AGGREGATION_MINUTES", 60))))


def period_start(moment: datetime) -> datetime:
    """Start of the aggregation period that contains ``moment`` (UTC-aligned)."""
    step = aggregation()
    return EPOCH + ((moment - EPOCH) // step) * step


def process_events(limit: int = 10000) -> int:
    """Fold up to ``limit`` unprocessed usage events into intervals; the number folded."""
    done = 0
    with transaction.atomic():
        events = list(
            UsageEvent.objects.select_for_update(skip_locked=True)
            .filter(processed=False)
            .order_by("created", "id")[:limit]
        )
        for event in events:
            _apply(event)
            done += 1
        UsageEvent.objects.filter(pk__in=[e.pk for e in events]).update(processed=True)
    return done


def _open(event: UsageEvent, usage_type: int) -> None:
    if UsageInterval.objects.filter(
        resource_uuid=event.resource_uuid, usage_type=usage_type, end__isnull=True
    ).exists():
        return  # already metered (a repeated start): the first span goes on
    UsageInterval.objects.create(
        usage_type=usage_type,
        start=event.created,
        **{f: getattr(event, f) for f in _COPIED},
    )


def _close(event: UsageEvent, usage_type: int) -> bool:
    return bool(
        UsageInterval.objects.filter(
            resource_uuid=event.resource_uuid, usage_type=usage_type, end__isnull=True
        ).update(end=event.created)
    )


def _apply(event: UsageEvent) -> None:
    if event.event_type == "VM.UPGRADE":
        for usage_type in (t.ALLOCATED_VM, t.RUNNING_VM):
            if _close(event, usage_type):
                _open(event, usage_type)
        return
    closes, opens = TRANSITIONS.get(event.event_type, ((), ()))
    for usage_type in closes:
        _close(event, usage_type)
    for usage_type in opens:
        _open(event, usage_type)


def _description(usage_type: int, iv) -> str:
    if usage_type == t.RUNNING_VM:
        return f"{iv.resource_name} running time (ServiceOffering: {iv.offering_name})"
    if usage_type == t.ALLOCATED_VM:
        return f"{iv.resource_name} allocated (ServiceOffering: {iv.offering_name})"
    if usage_type == t.IP_ADDRESS:
        return f"IPAddress: {iv.resource_name}"
    gib = iv.size / 1024**3
    if usage_type == t.VOLUME:
        offering = f" (DiskOffering: {iv.offering_name})" if iv.offering_name else ""
        return f"Volume {iv.resource_name} usage time{offering} Size: {gib:g} GiB"
    return f"Snapshot {iv.resource_name} Size: {gib:g} GiB"


def generate_period(start: datetime) -> int:
    """(Re)write the records of the period starting at ``start``; the number written."""
    end = start + aggregation()
    with transaction.atomic():
        period, _ = UsagePeriod.objects.get_or_create(start=start, defaults={"end": end})
        period = UsagePeriod.objects.select_for_update().get(pk=period.pk)
        UsageRecord.objects.filter(start_date=start).delete()
        sums: dict[tuple, list] = defaultdict(lambda: [0.0, None])
        spans = UsageInterval.objects.filter(start__lt=end).exclude(end__lte=start)
        for iv in spans.order_by("start", "id").iterator():
            seconds = (min(iv.end or end, end) - max(iv.start, start)).total_seconds()
            if seconds <= 0:
                continue
            key = (iv.account_id, iv.usage_type, iv.resource_uuid, iv.offering_uuid, iv.size)
            sums[key][0] += seconds
            sums[key][1] = iv
        records = [
            UsageRecord(
                usage_type=usage_type,
                description=_description(usage_type, iv)[:512],
                raw_usage=round(seconds / 3600, 6),
                start_date=start,
                end_date=end,
                **{f: getattr(iv, f) for f in _COPIED},
            )
            for (_, usage_type, *_rest), (seconds, iv) in sums.items()
        ]
        UsageRecord.objects.bulk_create(records)
        period.end, period.generated, period.records = end, timezone.now(), len(records)
        period.save(update_fields=["end", "generated", "records"])
    return len(records)


def generate_usage(start: datetime, end: datetime) -> dict[str, int]:
    """Process pending events, then (re)generate every complete period overlapping
    ``[start, end)`` (a period still running is left for later)."""
    processed = process_events()
    now = timezone.now()
    step = aggregation()
    cursor = period_start(start)
    periods = records = 0
    while cursor < end and cursor + step <= now:
        records += generate_period(cursor)
        periods += 1
        cursor += step
    return {"events": processed, "periods": periods, "records": records}


def run_usage_job(max_periods: int = 24 * 31) -> dict[str, int]:
    """The periodic job: every complete period after the last generated one (or since the
    first usage event) up to now."""
    processed = process_events()
    last = UsagePeriod.objects.filter(generated__isnull=False).order_by("-start").first()
    if last is not None:
        cursor = last.start + aggregation()
    else:
        first = UsageEvent.objects.order_by("created").values_list("created", flat=True).first()
        if first is None:
            return {"events": processed, "periods": 0, "records": 0}
        cursor = period_start(first)
    now, step = timezone.now(), aggregation()
    periods = records = 0
    while cursor + step <= now and periods < max_periods:
        records += generate_period(cursor)
        periods += 1
        cursor += step
    return {"events": processed, "periods": periods, "records": records}


def remove_raw_records(days: int) -> int:
    """Delete processed usage events and closed intervals older than ``days`` days
    (``removeRawUsageRecords``); records stay. The number of rows deleted."""
    if days <= 0:
        raise ValueError("interval must be a positive number of days")
    cutoff = timezone.now() - timedelta(days=days)
    events, _ = UsageEvent.objects.filter(processed=True, created__lt=cutoff).delete()
    spans, _ = UsageInterval.objects.filter(end__lt=cutoff).delete()
    return events + spans
