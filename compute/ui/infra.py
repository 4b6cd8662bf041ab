"""Admin pages for the infrastructure: zones, pods, clusters, hosts, service offerings."""

from __future__ import annotations

from django.urls import reverse

from compute import services
from compute.choices import AllocationState, HostStatus, ResourceState
from compute.filtersets import (
    ClusterFilterSet,
    HostFilterSet,
    PodFilterSet,
    ServiceOfferingFilterSet,
    ZoneFilterSet,
)
from compute.models import Cluster, Host, Instance, Pod, ServiceOffering, Zone
from compute.ui.forms import ServiceOfferingForm
from portal.models import AsyncJob
from portal.ui.capacity import zone_capacity
from portal.ui.format import filesize, percent
from portal.ui.tables import Column, Table
from portal.ui.views import BulkAction, ObjectDetailView, ObjectListView, ServiceFormView


def _enable_zone(zone, **kw):
    return services.update_zone(zone, allocation_state=AllocationState.ENABLED, **kw)


def _disable_zone(zone, **kw):
    return services.update_zone(zone, allocation_state=AllocationState.DISABLED, **kw)


class ZoneTable(Table):
    detail_url = "compute:zone_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("network_type", "Network", sort="network_type"),
        Column("allocation_state", "State", sort="allocation_state", badge=AllocationState),
        Column("dns1", "DNS"),
        Column("guest_cidr", "Guest CIDR"),
    ]


class ZoneListView(ObjectListView):
    admin_only = True
    queryset = Zone.objects.all()
    filterset = ZoneFilterSet
    table = ZoneTable
    title = "Zones"
    filter_fields = ("allocation_state", "network_type")
    create_url = "compute:zone_wizard"
    create_label = "Add zone (wizard)"
    bulk_actions = {
        "enable": BulkAction("Enable", _enable_zone),
        "disable": BulkAction("Disable", _disable_zone, "Disable the selected zones?"),
        "delete": BulkAction(
            "Delete", services.delete_zone, "Delete the selected zones?", danger=True
        ),
    }


class ZoneDetailView(ObjectDetailView):
    admin_only = True
    queryset = Zone.objects.all()
    template_name = "compute/zone_detail.html"

    def get_extra_context(self, obj):
        return {
            "capacity": zone_capacity([obj])[0],
            "pods": obj.pods.all(),
            "clusters": obj.clusters.select_related("pod"),
            "hosts": obj.hosts.select_related("cluster"),
        }


class PodTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("gateway"),
        Column("range", "IP range", render=lambda p: f"{p.start_ip} – {p.end_ip}"),
        Column("allocation_state", "State", badge=AllocationState),
    ]


class PodListView(ObjectListView):
    admin_only = True
    queryset = Pod.objects.select_related("zone")
    filterset = PodFilterSet
    table = PodTable
    title = "Pods"
    filter_fields = ("allocation_state",)
    bulk_actions = {
        "delete": BulkAction("Delete", services.delete_pod, "Delete the selected pods?", True)
    }


class ClusterTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("pod", accessor="pod.name"),
        Column("hypervisor", sort="hypervisor"),
        Column("allocation_state", "State", badge=AllocationState),
    ]


class ClusterListView(ObjectListView):
    admin_only = True
    queryset = Cluster.objects.select_related("zone", "pod")
    filterset = ClusterFilterSet
    table = ClusterTable
    title = "Clusters"
    filter_fields = ("hypervisor", "allocation_state")
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_cluster, "Delete the selected clusters?", True
        )
    }


def _cpu(host):
    total = host.cpus * host.cpu_speed
    return f"{host.cpu_allocated_mhz:,} / {total:,} MHz ({percent(host.cpu_allocated_mhz, total)}%)"


def _mem(host):
    return f"{filesize(host.memory_allocated)} / {filesize(host.memory)}"


class HostTable(Table):
    detail_url = "compute:host_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("status", "State", sort="status", badge=HostStatus),
        Column("resource_state", "Resource state", sort="resource_state", badge=ResourceState),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("cluster", accessor="cluster.name"),
        Column("hypervisor", sort="hypervisor"),
        Column("cpu", "CPU allocated", render=_cpu),
        Column("memory", "Memory allocated", render=_mem),
        Column("url", "Agent URL"),
    ]


class HostListView(ObjectListView):
    admin_only = True
    queryset = Host.objects.select_related("zone", "cluster")
    filterset = HostFilterSet
    table = HostTable
    title = "Hosts"
    filter_fields = ("status", "resource_state", "hypervisor")
    bulk_actions = {
        "enable": BulkAction("Enable", services.enable_host),
        "disable": BulkAction("Disable", services.disable_host, "Disable the selected hosts?"),
        "maintenance": BulkAction(
            "Maintenance",
            services.prepare_host_for_maintenance,
            "Put the selected hosts into maintenance?",
        ),
        "cancel_maintenance": BulkAction("Cancel maintenance", services.cancel_host_maintenance),
        "delete": BulkAction("Delete", services.delete_host, "Delete the selected hosts?", True),
    }


class HostDetailView(ObjectDetailView):
    admin_only = True
    queryset = Host.objects.select_related("zone", "pod", "cluster")
    template_name = "compute/host_detail.html"

    def get_extra_context(self, host):
        cpu_total = host.cpus * host.cpu_speed
        return {
            "cpu": (host.cpu_allocated_mhz, cpu_total, percent(host.cpu_allocated_mhz, cpu_total)),
            "memory": (
                filesize(host.memory_allocated),
                filesize(host.memory),
                percent(host.memory_allocated, host.memory),
            ),
            "mem_raw": (host.memory_allocated, host.memory),
            "instances": Instance.objects.filter(host=host).select_related("account")[:50],
            "jobs": AsyncJob.objects.filter(resource_id=str(host.uuid)).select_related("user")[:20],
        }


class ServiceOfferingTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("cpu_number", "CPUs", sort="cpu_number"),
        Column("cpu_speed", "MHz"),
        Column("memory", "Memory (MiB)", sort="memory"),
        Column("offer_ha", "HA"),
        Column("state", sort="state"),
        Column("is_system", "System"),
    ]


class ServiceOfferingListView(ObjectListView):
    admin_only = True
    queryset = ServiceOffering.objects.all()
    filterset = ServiceOfferingFilterSet
    table = ServiceOfferingTable
    title = "Service offerings"
    filter_fields = ("state", "is_system")
    create_url = "compute:offering_create"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_service_offering, "Delete the selected offerings?", True
        )
    }


class ServiceOfferingCreateView(ServiceFormView):
    admin_only = True
    form_class = ServiceOfferingForm
    title = "Add service offering"

    def call_service(self, form):
        return services.create_service_offering(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("compute:offering_list")
