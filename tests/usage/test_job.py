"""The usage job over a scripted timeline on the simulator: exact hours per usage type,
offering and period, and re-running a period never counts twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC

import pytest

from portal.usage import services
from portal.usage.models import UsageEvent, UsageInterval, UsagePeriod, UsageRecord
from tests.usage.conftest import T0
from tests.usage.helpers import GIB, timeline

pytestmark = pytest.mark.django_db


def totals(records=None) -> dict:
    out: dict = defaultdict(float)
    for r in records if records is not None else UsageRecord.objects.all():
        out[(r.usage_type, r.resource_name, r.offering_name, r.size)] += r.raw_usage
    return {k: round(v, 6) for k, v in out.items()}


def expected(t) -> dict:
    vm, root, data, ip = t["vm"], t["root"], t["data"], t["ip"]
    return {
        (1, vm.name, "Small Instance", 0): 2.0,
        (1, vm.name, "Medium Instance", 0): 1.0,
        (2, vm.name, "Small Instance", 0): 3.0,
        (2, vm.name, "Medium Instance", 0): 2.0,
        (6, root.name, "", 2 * GIB): 5.0,
        (6, data.name, "data-5", 5 * GIB): 5.0,
        (3, ip.address, "", 0): 3.5,
        (9, t["snapshot"].name, "", 2 * GIB): 2.0,
    }


def test_timeline_exact_hours_per_type_offering_and_period(
    tenant, cloud, ip_cloud, clock, no_broker
):
    t = timeline(tenant, cloud, clock)
    assert (
        not UsageEvent.objects.filter(account=tenant.account)
        .exclude(account__domain=tenant.account.domain)
        .exists()
    )
    clock.at(hours=7, minutes=10)
    result = services.run_usage_job()
    assert result["periods"] == 7  # 10:00 .. 17:00, the running 17:00 period is left
    assert totals() == expected(t)
    # per hour: the VM ran on Small 10-12, was stopped 12-14, ran on Medium 14-15
    running = {
        r.start_date.hour: (r.offering_name, r.raw_usage)
        for r in UsageRecord.objects.filter(usage_type=1)
    }
    assert running == {
        10: ("Small Instance", 1.0),
        11: ("Small Instance", 1.0),
        14: ("Medium Instance", 1.0),
    }
    ip_hours = {r.start_date.hour: r.raw_usage for r in UsageRecord.objects.filter(usage_type=3)}
    assert ip_hours == {11: 1.0, 12: 1.0, 13: 1.0, 14: 0.5}
    data = UsageRecord.objects.get(usage_type=6, resource_name=t["data"].name, start_date__hour=11)
    assert data.raw_usage == 1.0 and data.gib_hours == 5.0  # the attach at 11:30 changes nothing
    assert data.end_date == T0.replace(hour=12)
    assert all(r.account_id == tenant.account.pk for r in UsageRecord.objects.all())

    # idempotent: the periodic job has nothing new; regenerating the whole range rewrites
    count = UsageRecord.objects.count()
    assert services.run_usage_job()["periods"] == 0
    again = services.generate_usage(T0, T0.replace(hour=17))
    assert again["periods"] == 7 and again["records"] == count
    assert UsageRecord.objects.count() == count and totals() == expected(t)
    assert UsagePeriod.objects.count() == 7


def test_open_spans_continue_into_later_periods(tenant, cloud, ip_cloud, clock, no_broker):
    from networking.services.ipam import allocate_public_ip

    clock.at(minutes=45)
    ip = allocate_public_ip(tenant.account, cloud["zone"], acting_user=tenant)
    clock.at(hours=3, minutes=5)
    services.run_usage_job()
    hours = {r.start_date.hour: r.raw_usage for r in UsageRecord.objects.filter(usage_type=3)}
    assert hours == {10: 0.25, 11: 1.0, 12: 1.0}
    assert UsageInterval.objects.get(resource_uuid=str(ip.uuid)).end is None


def test_failed_deploy_meters_nothing_after_the_failure(tenant, cloud, clock, no_broker):
    from compute.lifecycle import deploy_instance
    from compute.models import Host, ServiceOffering
    from portal.tasks import run_job

    Host.objects.update(resource_state="Maintenance")
    clock.at(hours=0)
    vm, job = deploy_instance(
        acting_user=tenant,
        zone=cloud["zone"],
        service_offering=ServiceOffering.objects.get(name="Small Instance"),
        template=cloud["template"],
    )
    clock.at(minutes=20)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    clock.at(hours=2)
    services.run_usage_job()
    assert totals() == {
        (2, vm.name, "Small Instance", 0): round(20 / 60, 6),
        (6, f"ROOT-{vm.pk}", "", 2 * GIB): round(20 / 60, 6),
    }


def test_periods_follow_the_aggregation_setting(settings):
    from datetime import datetime

    settings.USAGE_AGGREGATION_MINUTES = 15
    moment = datetime(2026, 1, 5, 10, 44, 59, tzinfo=UTC)
    assert services.period_start(moment) == moment.replace(minute=30, second=0)
    settings.USAGE_AGGREGATION_MINUTES = 1440
    assert services.period_start(moment) == moment.replace(hour=0, minute=0, second=0)
