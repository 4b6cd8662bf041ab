"""Case 1: a page of 500 instances out of 100,000 (1,000,000 with --large), through the DRF
API and /client/api listVirtualMachines, as root admin and as one tenant account, first page
and a deep page; floor: the same rows with one raw SQL query (+ the count) and stdlib json."""

from __future__ import annotations

import json
import math
import time
from urllib.parse import urlencode

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bench.seed import add_instances, seed_base
from tests.bench.stats import measure

PAGE = 500

FLOOR_SQL = """
SELECT i.id, i.uuid, i.name, i.display_name, i.state, i.cpu_number, i.cpu_speed, i.memory,
       i.hypervisor, i.ha_enabled, i.created,
       z.uuid AS zone_id, z.name AS zone_name,
       a.uuid AS account_id, a.name AS account_name,
       d.uuid AS domain_id, d.name AS domain_name, d.path AS domain_path,
       so.uuid AS offering_id, so.name AS offering_name,
       t.uuid AS template_id, t.name AS template_name,
       h.uuid AS host_id, h.name AS host_name
FROM compute_instance i
JOIN portal_account a ON a.id = i.account_id
JOIN portal_domain d ON d.id = a.domain_id
JOIN compute_zone z ON z.id = i.zone_id
JOIN compute_serviceoffering so ON so.id = i.service_offering_id
JOIN storage_template t ON t.id = i.template_id
LEFT JOIN compute_host h ON h.id = i.host_id
WHERE {where}
ORDER BY i.id DESC LIMIT %(limit)s OFFSET %(offset)s
"""
NIC_SQL = """
SELECT n.instance_id, n.uuid AS nic_id, n.ip_address, n.mac_address, n.netmask, n.gateway,
       net.uuid AS network_id, net.name AS network_name
FROM networking_nic n JOIN networking_network net ON net.id = n.network_id
WHERE n.instance_id = ANY(%(ids)s)
"""


class Floor:
    """The cheapest same answer on a raw connection: count, one joined query for the page,
    one for its NICs, json.dumps."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)

    def page(self, *, account_id: int | None, offset: int) -> bytes:
        where = "i.account_id = %(account)s" if account_id else "TRUE"
        params = {"account": account_id, "limit": PAGE, "offset": offset}
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM compute_instance i WHERE {where}", params)
            count = cur.fetchone()[0]
            cur.execute(FLOOR_SQL.format(where=where), params)
            names = [d.name for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
            cur.execute(NIC_SQL, {"ids": [r["id"] for r in rows]})
            nic_names = [d.name for d in cur.description]
            nics: dict[int, list] = {}
            for nic in cur.fetchall():
                nics.setdefault(nic[0], []).append(dict(zip(nic_names[1:], nic[1:], strict=True)))
            for row in rows:
                row["nic"] = nics.get(row["id"], [])
        return json.dumps({"count": count, "results": rows}, default=str).encode()

    def close(self) -> None:
        self.conn.close()


def _drf(client, offset: int):
    def call():
        response = client.get(f"/api/compute/instances/?limit={PAGE}&offset={offset}")
        assert response.status_code == 200, response.content[:300]
        return response

    return call


def _cloudstack(client, pair, page: int, listall: bool):
    from portal.cloudstack.signing import sign

    def call():
        params = {
            "command": "listVirtualMachines",
            "response": "json",
            "apiKey": pair.api_key,
            "signatureVersion": "3",
            "expires": "2099-01-01T00:00:00+0000",
            "page": str(page),
            "pagesize": str(PAGE),
        }
        if listall:
            params["listall"] = "true"
        params["signature"] = sign(params, pair.secret_key)
        response = client.get("/client/api?" + urlencode(params))
        assert response.status_code == 200, response.content[:300]
        return response

    return call


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _check_page(response, expected: int, key: str) -> None:
    body = response.json()
    if key == "drf":
        rows = len(body["results"])
    else:
        rows = len(body["listvirtualmachinesresponse"].get("virtualmachine", []))
    if rows != expected:
        raise AssertionError(f"expected {expected} rows, got {rows}")


def measure_size(ctx, cloud, label: str) -> None:
    from django.test import Client

    from portal.services.apikeys import create_api_key

    report, runs = ctx.report, ctx.runs(15)
    floor = Floor(ctx.dsn)
    try:
        for who, user, total, account_id in (
            ("root admin", cloud.root_user, cloud.instances, None),
            ("tenant", cloud.tenant_user, cloud.tenant_instances, cloud.tenant_user.account_id),
        ):
            client = Client()
            client.force_login(user)
            pair = ctx.state.setdefault("keys", {}).get(user.pk) or create_api_key(
                acting_user=user, user=user
            )
            ctx.state["keys"][user.pk] = pair
            cs_client = Client()  # no session: the signature authenticates
            last_offset = max(0, total - PAGE)
            last_page = math.ceil(total / PAGE)
            pages = (("first page", 0, 1), ("deep page", last_offset, last_page))
            for where, offset, page in pages:
                floor_timing = measure(
                    lambda o=offset, a=account_id: floor.page(account_id=a, offset=o), runs, 2
                )
                expected = min(PAGE, total - offset)
                drf = _drf(client, offset)
                _check_page(drf(), expected, "drf")
                if who == "root admin" and offset == 0 and label not in ctx.state.get("prof", ()):
                    report.profile(f"case 1: DRF list, root admin, first page, {label}", drf)
                report.add(
                    "1",
                    f"DRF list, {who}, {where} (offset {offset:,} of {total:,}), {label}",
                    measure(drf, runs, 1),
                    sql=_queries(drf),
                    floor_name="raw SQL + json",
                    floor=floor_timing,
                )
                cs = _cloudstack(cs_client, pair, page, listall=account_id is None)
                _check_page(cs(), expected, "cs")
                if who == "root admin" and offset == 0 and label not in ctx.state.get("prof", ()):
                    report.profile(f"case 1: listVirtualMachines, root admin, page 1, {label}", cs)
                    ctx.state.setdefault("prof", set()).add(label)
                report.add(
                    "1",
                    f"listVirtualMachines, {who}, {where} (page {page:,}), {label}",
                    measure(cs, runs, 1),
                    sql=_queries(cs),
                    floor_name="raw SQL + json",
                    floor=floor_timing,
                )
    finally:
        floor.close()


def run(ctx) -> None:
    report = ctx.report
    n = 20_000 if ctx.quick else 100_000
    t0 = time.monotonic()
    cloud = seed_base(log=print)
    add_instances(cloud, n, log=print)
    report.fact(
        "1",
        f"bulk load of {n:,} instances + NICs + ROOT volumes, VACUUM ANALYZE",
        round(time.monotonic() - t0, 1),
        "s",
    )
    ctx.state["listing"] = cloud
    measure_size(ctx, cloud, f"{n // 1000}k")
    if ctx.large:
        t0 = time.monotonic()
        add_instances(cloud, 1_000_000 - n, log=print)
        seconds = round(time.monotonic() - t0, 1)
        report.fact("1", f"bulk load of {1_000_000 - n:,} more instances", seconds, "s")
        measure_size(ctx, cloud, "1M")
