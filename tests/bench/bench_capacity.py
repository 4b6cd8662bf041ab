"""Case 2: capacity summary of a zone with 10,000 hosts.

The app provides it: CloudStack ``listCapacity`` (``portal/cloudstack/commands/infra.py``),
measured through /client/api as root admin. Floor: one aggregate SQL over the zone's hosts
and one over its pools, serialised with json."""

from __future__ import annotations

import json

import psycopg

from tests.bench.bench_listing import _queries
from tests.bench.infra import ensure_sim_zone
from tests.bench.stats import measure

FLOOR_SQL = """
SELECT count(*), COALESCE(sum(memory), 0), COALESCE(sum(memory_allocated), 0),
       COALESCE(sum(cpus * cpu_speed), 0), COALESCE(sum(cpu_allocated_mhz), 0)
FROM compute_host WHERE zone_id = %(zone)s
"""
POOL_SQL = """
SELECT COALESCE(sum(capacity_bytes), 0), COALESCE(sum(used_bytes), 0),
       COALESCE(sum(allocated_bytes), 0)
FROM storage_storagepool WHERE zone_id = %(zone)s
"""


def run(ctx) -> None:
    from urllib.parse import urlencode

    from django.test import Client

    from compute.models import Host
    from portal.cloudstack.signing import sign
    from portal.services.apikeys import create_api_key

    report, runs = ctx.report, ctx.runs(30, 10)
    sim_zone = ensure_sim_zone(ctx)
    zone = sim_zone.zone
    hosts = Host.objects.filter(zone=zone).count()
    user = sim_zone.root_user
    pair = ctx.state.setdefault("keys", {}).get(user.pk) or create_api_key(
        acting_user=user, user=user
    )
    ctx.state["keys"][user.pk] = pair
    client = Client()

    def list_capacity():
        params = {
            "command": "listCapacity", "response": "json", "apiKey": pair.api_key,
            "zoneid": str(zone.uuid), "signatureVersion": "3",
            "expires": "2099-01-01T00:00:00+0000",
        }  # fmt: skip
        params["signature"] = sign(params, pair.secret_key)
        response = client.get("/client/api?" + urlencode(params))
        assert response.status_code == 200, response.content[:300]
        return response

    body = list_capacity().json()["listcapacityresponse"]
    conn = psycopg.connect(ctx.dsn, autocommit=True)

    def floor():
        with conn.cursor() as cur:
            cur.execute(FLOOR_SQL, {"zone": zone.pk})
            h = cur.fetchone()
            cur.execute(POOL_SQL, {"zone": zone.pk})
            p = cur.fetchone()
        rows = [
            {"type": 0, "capacityused": h[2], "capacitytotal": h[1]},
            {"type": 1, "capacityused": h[4], "capacitytotal": h[3]},
            {"type": 2, "capacityused": p[1], "capacitytotal": p[0]},
            {"type": 3, "capacityused": p[2], "capacitytotal": p[0]},
        ]
        return json.dumps({"count": len(rows), "capacity": rows}, default=str)

    try:
        floor_timing = measure(floor, runs, 2)
    finally:
        pass
    report.add(
        "2", f"listCapacity for a zone with {hosts:,} hosts (root admin, /client/api)",
        measure(list_capacity, runs, 1), sql=_queries(list_capacity),
        floor_name="2 aggregate SQL + json", floor=floor_timing,
        notes=f"{body.get('count')} capacity rows",
    )  # fmt: skip
    conn.close()
