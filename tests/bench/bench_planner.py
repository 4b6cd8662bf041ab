"""Case 5: the planner placing one instance among 10,000 hosts.

``compute.planner.place`` claims capacity, so each call runs in a transaction that is rolled
back. Floor: the same decision as one SQL (first host with room, in id order) plus the
conditional UPDATE that claims it, also rolled back."""

from __future__ import annotations

from django.db import connection, transaction

from tests.bench.infra import ensure_sim_zone
from tests.bench.stats import measure

GIB = 1024**3

FLOOR_SQL = """
SELECT h.id FROM compute_host h JOIN compute_cluster c ON c.id = h.cluster_id
JOIN compute_pod p ON p.id = h.pod_id
WHERE h.zone_id = %s AND h.host_type = 'Routing' AND h.status = 'Up'
  AND h.resource_state = 'Enabled' AND c.allocation_state = 'Enabled'
  AND p.allocation_state = 'Enabled' AND h.hypervisor = 'Simulator'
  AND h.cpus * h.cpu_speed * c.cpu_overcommit_ratio - h.cpu_allocated_mhz >= %s
  AND h.memory * c.memory_overcommit_ratio - h.memory_allocated >= %s
ORDER BY h.id LIMIT 1
"""


class _Rollback(Exception):
    pass


def rolled_back(fn):
    def call():
        try:
            with transaction.atomic():
                fn()
                raise _Rollback
        except _Rollback:
            pass

    return call


def run(ctx) -> None:
    from compute.models import Host
    from compute.planner import PlacementRequest, place

    report, runs = ctx.report, ctx.runs(50, 15)
    sim_zone = ensure_sim_zone(ctx)
    zone = sim_zone.zone
    hosts = Host.objects.filter(zone=zone, status="Up").count()
    cpu_mhz, memory_mib = 1000, 512

    def request():
        return PlacementRequest(
            zone=zone, cpu_number=1, cpu_speed=cpu_mhz, memory_mib=memory_mib,
            root_disk_bytes=8 * GIB, hypervisor="Simulator", account_id=None,
        )  # fmt: skip

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [zone.pk, cpu_mhz, memory_mib * 1024**2])
            host_id = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE compute_host SET cpu_allocated_mhz = cpu_allocated_mhz + %s "
                "WHERE id = %s AND cpu_allocated_mhz + %s <= cpus * cpu_speed",
                [cpu_mhz, host_id, cpu_mhz],
            )

    def cases(label: str) -> None:
        floor_timing = measure(rolled_back(floor), runs, 2)
        for strategy in ("firstfit", "userdispersing"):
            req = request()
            if strategy == "userdispersing":
                req.account_id = sim_zone.root_user.account_id
            report.add(
                "5", f"place one instance, {strategy}, {hosts:,} Up hosts, {label}",
                measure(rolled_back(lambda r=req, s=strategy: place(r, s)), runs, 2),
                floor_name="1 SQL pick + claim UPDATE", floor=floor_timing,
            )  # fmt: skip

    cases("all hosts free")
    # Nearly full zone: every host but the last 10 (by id) has no CPU left.
    with transaction.atomic():
        keep = list(
            Host.objects.filter(zone=zone, status="Up")
            .order_by("-id")
            .values_list("id", flat=True)[:10]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE compute_host SET cpu_allocated_mhz = cpus * cpu_speed "
                "WHERE zone_id = %s AND NOT (id = ANY(%s))",
                [zone.pk, keep],
            )
        cases("all but the last 10 hosts full")
        transaction.set_rollback(True)
