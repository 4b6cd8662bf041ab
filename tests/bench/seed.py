"""Build a large cloud fast: small tables through the ORM, big ones with PostgreSQL COPY.

``seed_listing(n)`` creates 100 domains, 1,000 accounts (one "big" tenant owning 5% of the
instances, spread over the id range), 2,000 hosts in Maintenance (so heartbeats and the
planner leave them alone), 10 offerings, 10 templates, one isolated network per account and
``n`` instances, each with a NIC and a ROOT volume. Then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

GIB = 1024**3
DOMAINS = 100
ACCOUNTS = 1000
LIST_HOSTS = 2000
BIG_TENANT_EVERY = 20  # every 20th instance belongs to the big tenant (5%)


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` (tuples in ``columns`` order, attnames) into ``model``'s table."""
    opts = model._meta
    cols = ", ".join(f'"{opts.get_field(c).column}"' for c in columns)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{opts.db_table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


def reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT MAX(id) FROM "{table}"))'
        )


def vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


@dataclass
class ListingCloud:
    zone: object
    root_user: object
    tenant_user: object
    tenant_instances: int
    instances: int
    seconds: float
    accounts: list
    hosts: list[int]
    offerings: list
    templates: list
    networks: list
    ip_next: list[int]


def _admin_user(username: str):
    from django.contrib.auth import get_user_model

    from portal.models import Account

    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create_user(
            username, f"{username}@bench.test", None,
            account=Account.objects.get(name="admin", domain__parent=None),
        )  # fmt: skip
    return user


def seed_listing(n: int, log=print) -> ListingCloud:
    """The data-size cloud for the listing cases (see the module docstring)."""
    start = time.monotonic()
    cloud = seed_base(log)
    add_instances(cloud, n, log)
    cloud.seconds = time.monotonic() - start
    return cloud


def seed_base(log=print) -> ListingCloud:
    """Domains, accounts, the listing zone with its hosts, offerings, templates, networks."""
    from django.contrib.auth import get_user_model

    from compute.models import Cluster, Host, Pod, ServiceOffering, Zone
    from networking.models import Network, NetworkOffering
    from portal.models import Account, Domain, Role
    from storage.models import OSType, Template

    start = time.monotonic()
    root = Domain.objects.get(parent=None)
    user_role = Role.objects.get(name="User")
    with transaction.atomic():
        domains = Domain.objects.bulk_create(
            Domain(name=f"bd{i}", parent=root, path=f"{root.path}bd{i}/") for i in range(DOMAINS)
        )
        accounts = Account.objects.bulk_create(
            Account(name=f"ba{i}", domain=domains[i % DOMAINS], account_type=0, role=user_role)
            for i in range(ACCOUNTS)
        )
        tenant_user = get_user_model().objects.create_user(
            "bigtenant", "bigtenant@bench.test", None, account=accounts[0]
        )
        zone = Zone.objects.create(
            name="bench-list", dns1="8.8.8.8", internal_dns1="10.0.0.2", allocation_state="Enabled"
        )
        pod = Pod.objects.create(
            zone=zone, name="list-pod", gateway="192.168.0.1", netmask="255.255.0.0",
            start_ip="192.168.0.10", end_ip="192.168.255.200",
        )  # fmt: skip
        clusters = Cluster.objects.bulk_create(
            Cluster(zone=zone, pod=pod, name=f"list-c{i}", hypervisor="Simulator")
            for i in range(10)
        )
        hosts = Host.objects.bulk_create(
            Host(
                zone=zone, pod=pod, cluster=clusters[i % 10], name=f"list-h{i}",
                hypervisor="Simulator", url=f"http://10.255.{i // 250}.{i % 250}:8250",
                status="Up", resource_state="Maintenance", cpus=64, cpu_speed=2000,
                memory=512 * GIB,
            )
            for i in range(LIST_HOSTS)
        )  # fmt: skip
        offerings = ServiceOffering.objects.bulk_create(
            ServiceOffering(name=f"bench-so{i}", cpu_number=1 + i % 4, cpu_speed=1000,
                            memory=512 * (1 + i % 4))
            for i in range(10)
        )  # fmt: skip
        os_type = OSType.objects.order_by("id").first()
        admin_account = Account.objects.get(name="admin", domain__parent=None)
        templates = Template.objects.bulk_create(
            Template(name=f"bench-t{i}", display_text=f"Bench template {i}", format="QCOW2",
                     hypervisor="Simulator", os_type=os_type, account=admin_account,
                     is_public=True, state="Ready", size=8 * GIB, url="http://example.test/t")
            for i in range(10)
        )  # fmt: skip
        offering = NetworkOffering.objects.get(
            name="DefaultIsolatedNetworkOfferingWithSourceNatService"
        )
        networks = Network.objects.bulk_create(
            Network(name=f"bn{i}", display_text="bench", zone=zone, network_offering=offering,
                    account=a, domain_id=a.domain_id, guest_type="Isolated", state="Implemented",
                    cidr="10.0.0.0/16", gateway="10.0.0.1", netmask="255.255.0.0",
                    vlan=f"vlan://{100 + i}")
            for i, a in enumerate(accounts)
        )  # fmt: skip
    log(f"    small tables in {time.monotonic() - start:.1f} s")
    return ListingCloud(
        zone=zone,
        root_user=_admin_user("benchroot"),
        tenant_user=tenant_user,
        tenant_instances=0,
        instances=0,
        seconds=0.0,
        accounts=accounts,
        hosts=[h.pk for h in hosts],
        offerings=offerings,
        templates=templates,
        networks=networks,
        ip_next=[0] * ACCOUNTS,
    )


def add_instances(cloud: ListingCloud, n: int, log=print) -> None:
    """COPY ``n`` more instances (with a NIC and a ROOT volume each), then VACUUM ANALYZE."""
    from compute.models import Instance
    from networking.models import Nic
    from storage.models import Volume

    now = timezone.now()
    zone, accounts, hosts = cloud.zone, cloud.accounts, cloud.hosts
    offerings, templates, networks = cloud.offerings, cloud.templates, cloud.networks
    base = cloud.instances

    vnc = Instance._meta.get_field("vnc_password").get_db_prep_save("benchpwd", connection)
    first_vm, first_nic, first_vol = next_id(Instance), next_id(Nic), next_id(Volume)
    others = accounts[1:]
    ip_next = cloud.ip_next
    states = ("Running",) * 8 + ("Stopped", "Stopped")

    def plan(i: int):
        i += base
        if i % BIG_TENANT_EVERY == 0:
            a_index = 0
        else:
            a_index = 1 + (i % len(others))
        return a_index

    t0 = time.monotonic()
    vm_cols = (
        "id uuid created updated name display_name account_id domain_id zone_id host_id "
        "last_host_id service_offering_id template_id hypervisor state cpu_number cpu_speed "
        "memory ha_enabled user_data vnc_password error_text"
    ).split()

    def vm_rows():
        for i in range(n):
            a = accounts[plan(i)]
            so = offerings[i % 10]
            state = states[i % 10]
            host_id = hosts[i % LIST_HOSTS]
            yield (
                first_vm + i, uuid.uuid4(), now, now, f"vm-{base + i}", f"VM {base + i}", a.pk,
                a.domain_id, zone.pk, host_id if state == "Running" else None, host_id, so.pk,
                templates[i % 10].pk, "Simulator", state, so.cpu_number, so.cpu_speed,
                so.memory, False, "", vnc, "",
            )  # fmt: skip

    copy_rows(Instance, vm_cols, vm_rows())
    log(f"    {n:,} instances in {time.monotonic() - t0:.1f} s")

    t0 = time.monotonic()
    nic_cols = (
        "id uuid created updated instance_id network_id mac_address ip_address netmask "
        "gateway broadcast_uri device_id is_default state"
    ).split()

    def nic_rows():
        for i in range(n):
            a_index = plan(i)
            k = ip_next[a_index] = ip_next[a_index] + 1
            ip = f"10.0.{(k + 1) // 256}.{(k + 1) % 256}"
            vm = first_vm + i
            mac = "02:" + ":".join(f"{(vm >> s) & 0xFF:02x}" for s in (32, 24, 16, 8, 0))
            net = networks[a_index]
            yield (
                first_nic + i, uuid.uuid4(), now, now, vm, net.pk, mac, ip, "255.255.0.0",
                "10.0.0.1", net.vlan, 0, True, "Reserved",
            )  # fmt: skip

    copy_rows(Nic, nic_cols, nic_rows())
    log(f"    {n:,} NICs in {time.monotonic() - t0:.1f} s")

    t0 = time.monotonic()
    vol_cols = (
        "id uuid created updated name account_id domain_id zone_id instance_id volume_type "
        "size template_id device_id path format state"
    ).split()

    def vol_rows():
        for i in range(n):
            a = accounts[plan(i)]
            yield (
                first_vol + i, uuid.uuid4(), now, now, f"ROOT-{first_vm + i}", a.pk, a.domain_id,
                zone.pk, first_vm + i, "ROOT", 8 * GIB, templates[i % 10].pk, 0,
                f"/sim/primary/ROOT-{first_vm + i}", "QCOW2", "Ready",
            )  # fmt: skip

    copy_rows(Volume, vol_cols, vol_rows())
    log(f"    {n:,} volumes in {time.monotonic() - t0:.1f} s")
    for model in (Instance, Nic, Volume):
        reset_sequence(model)
    t0 = time.monotonic()
    vacuum_analyze()
    log(f"    VACUUM ANALYZE in {time.monotonic() - t0:.1f} s")
    cloud.instances += n
    cloud.tenant_instances = len(range(0, cloud.instances, BIG_TENANT_EVERY))
