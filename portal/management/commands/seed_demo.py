"""Seed an idempotent demo cloud: a zone with a pod, a cluster of simulator hosts, primary
and secondary storage, a physical network with guest VLANs and public IPs, a template, and
a tenant (domain ``Demo``, account ``demo``, user ``demo``)."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from compute import services as compute
from compute.models import Cluster, Host, Pod, Zone
from networking import services as networking
from networking.models import PhysicalNetwork, PublicIpRange, TrafficType
from portal import demo
from portal.models import Account, Domain
from portal.services import accounts, domains
from storage import services as storage
from storage.models import ImageStore, OSType, StoragePool, Template


def get_or(model, create, **lookup):
    """The object matching ``lookup`` or the one ``create()`` makes."""
    found = model.objects.filter(**lookup).first()
    return found if found is not None else create()


class Command(BaseCommand):
    help = "Create the demo cloud (safe to run again: existing objects are kept)."

    def handle(self, *args, **options):
        admin = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
        if admin is None:
            raise CommandError("No admin user yet: run `manage.py ensure_admin` first.")
        with transaction.atomic():
            zone = self.infrastructure(admin)
            self.tenant(admin)
        self.stdout.write(self.style.SUCCESS(f"Demo cloud ready: zone {zone.name}."))

    def infrastructure(self, admin) -> Zone:
        actor = {"acting_user": admin}
        zone = get_or(
            Zone,
            lambda: compute.create_zone(
                **actor,
                name="Demo Zone",
                network_type="Advanced",
                dns1="192.0.2.53",
                internal_dns1="192.0.2.54",
                guest_cidr="10.1.0.0/16",
                allocation_state="Enabled",
            ),
            name="Demo Zone",
        )
        pod = get_or(
            Pod,
            lambda: compute.create_pod(
                **actor,
                zone=zone,
                name="Demo Pod",
                gateway="172.16.0.1",
                netmask="255.255.255.0",
                start_ip="172.16.0.10",
                end_ip="172.16.0.250",
            ),
            zone=zone,
            name="Demo Pod",
        )
        cluster = get_or(
            Cluster,
            lambda: compute.create_cluster(
                **actor,
                pod=pod,
                name="Demo Cluster",
                hypervisor="Simulator",
            ),
            pod=pod,
            name="Demo Cluster",
        )
        secret = demo.simulator_secret()
        for number in range(1, demo.DEMO_HOSTS + 1):
            name = f"sim-host-{number}"
            get_or(
                Host,
                lambda name=name: compute.create_host(
                    **actor,
                    cluster=cluster,
                    name=name,
                    hypervisor="Simulator",
                    url=f"{demo.simulator_url()}/hosts/{name}",
                    agent_secret=secret,
                ),
                zone=zone,
                name=name,
            )
        get_or(
            StoragePool,
            lambda: storage.create_storage_pool(
                **actor,
                zone=zone,
                pod=pod,
                cluster=cluster,
                scope="CLUSTER",
                name="Demo Primary",
                url="nfs://192.0.2.10/export/primary",
                capacity_bytes=4 * 1024**4,
            ),
            zone=zone,
            name="Demo Primary",
        )
        get_or(
            ImageStore,
            lambda: storage.create_image_store(
                **actor,
                zone=zone,
                name="Demo Secondary",
                url="nfs://192.0.2.10/export/secondary",
            ),
            name="Demo Secondary",
        )
        physical = get_or(
            PhysicalNetwork,
            lambda: networking.create_physical_network(
                **actor,
                zone=zone,
                name="Demo Physical",
                vlan_range="100-199",
                state="Enabled",
            ),
            zone=zone,
            name="Demo Physical",
        )
        for kind, label in (
            ("Guest", "cloudbr1"),
            ("Public", "cloudbr0"),
            ("Management", "cloudbr0"),
        ):
            get_or(
                TrafficType,
                lambda kind=kind, label=label: networking.create_traffic_type(
                    **actor,
                    physical_network=physical,
                    traffic_type=kind,
                    kvm_label=label,
                    simulator_label=label,
                ),
                physical_network=physical,
                traffic_type=kind,
            )
        get_or(
            PublicIpRange,
            lambda: networking.create_public_ip_range(
                **actor,
                zone=zone,
                physical_network=physical,
                vlan="untagged",
                gateway="203.0.113.1",
                netmask="255.255.255.0",
                start_ip="203.0.113.10",
                end_ip="203.0.113.100",
            ),
            zone=zone,
            start_ip="203.0.113.10",
        )
        root_account = Account.objects.get(name="admin", domain__parent=None)
        get_or(Template, lambda: self.template(admin, root_account), name="Demo Linux")
        return zone

    def template(self, admin, account) -> Template:
        template = storage.create_template(
            acting_user=admin,
            name="Demo Linux",
            display_text="Tiny Linux for the simulator",
            url="https://images.example.org/demo-linux.qcow2",
            format="QCOW2",
            hypervisor="Simulator",
            os_type=OSType.objects.get(description="Other Linux (64-bit)"),
            account=account,
            is_public=True,
            is_featured=True,
            download=False,
        )
        # The simulator needs no download: mark the demo template ready.
        Template.objects.filter(pk=template.pk).update(state="Ready", size=2 * 1024**3)
        return template

    def tenant(self, admin) -> None:
        root = Domain.objects.get(parent=None)
        domain = get_or(
            Domain,
            lambda: domains.create_domain(acting_user=admin, name="Demo", parent=root),
            parent=root,
            name="Demo",
        )
        if Account.objects.filter(domain=domain, name="demo").exists():
            return
        password = os.environ.get("PORTAL_DEMO_PASSWORD") or secrets.token_urlsafe(12)
        kept = demo.simulator_config_path().with_name("demo_password")
        kept.touch(mode=0o600)
        kept.write_text(password)
        accounts.create_account(
            acting_user=admin,
            domain=domain,
            name="demo",
            account_type=0,
            username="demo",
            password=password,
            email="demo@example.org",
        )
        self.stdout.write(f"Demo tenant: user 'demo', password '{password}'")
