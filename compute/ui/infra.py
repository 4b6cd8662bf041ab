"""Admin pages for the infrastructure: zones, pods, clusters, hosts, service offerings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
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
from compute.models import (
    Alert,
    Cluster,
    Host,
    HostHAConfig,
    Instance,
    OutOfBandManagement,
    Pod,
    ServiceOffering,
    Zone,
)
from compute.ui.forms import (
    ClusterCreateForm,
    HostCreateForm,
    PodCreateForm,
    ServiceOfferingForm,
)
from portal.models import AsyncJob
from portal.services.jobs import JobError
from portal.ui.capacity import zone_capacity
from portal.ui.format import filesize, percent
from portal.ui.htmx import add_toast, error_text
from portal.ui.tables import Column, Table
from portal.ui.views import (
    BulkAction,
    ObjectDetailView,
    ObjectListView,
    PortalView,
    ServiceFormView,
)


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
    create_url = "compute:pod_create"
    create_label = "Add pod"
    bulk_actions = {
        "delete": BulkAction("Delete", services.delete_pod, "Delete the selected pods?", True)
    }


class ClusterTable(Table):
    detail_url = "compute:cluster_detail"
    columns = [
        Column("name", sort="name", link=True),
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
    create_url = "compute:cluster_create"
    create_label = "Add cluster"
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
    create_url = "compute:host_create"
    create_label = "Add host"
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
            "connect_job": AsyncJob.objects.filter(
                command="host.connect", resource_id=str(host.uuid)
            )
            .order_by("-id")
            .first(),
            "host_actions": host_actions(host),
            "ha": HostHAConfig.objects.filter(host=host).first(),
            "oobm": OutOfBandManagement.objects.filter(host=host).first(),
            "alerts": Alert.objects.filter(host=host).order_by("-created", "-pk")[:5],
        }


#: Resource-state verbs on the host page: (label, service, states it applies to, confirm).
HOST_ACTIONS = {
    "enable": ("Enable", services.enable_host, {ResourceState.DISABLED}, ""),
    "disable": (
        "Disable",
        services.disable_host,
        {ResourceState.ENABLED},
        "Disable {name}? No new instances will be placed on it.",
    ),
    "maintenance": (
        "Maintenance",
        services.prepare_host_for_maintenance,
        {ResourceState.ENABLED, ResourceState.DISABLED, ResourceState.ERROR_IN_MAINTENANCE},
        "Put {name} into maintenance?",
    ),
    "cancel_maintenance": (
        "Cancel maintenance",
        services.cancel_host_maintenance,
        {
            ResourceState.PREPARE_FOR_MAINTENANCE,
            ResourceState.MAINTENANCE,
            ResourceState.ERROR_IN_MAINTENANCE,
        },
        "",
    ),
}


def host_actions(host) -> list[dict]:
    return [
        {"key": key, "label": label, "confirm": confirm.format(name=host.name)}
        for key, (label, _, states, confirm) in HOST_ACTIONS.items()
        if host.resource_state in states
    ]


class HostActionView(PortalView):
    """POST a resource-state verb; htmx gets the page back with a toast, others a redirect."""

    admin_only = True

    def post(self, request, pk, action):
        if action not in HOST_ACTIONS:
            raise Http404("No such action.")
        detail = HostDetailView()
        detail.setup(request, pk=pk)
        host = detail.get_object(pk, "change")
        label, func, _, _ = HOST_ACTIONS[action]
        try:
            func(host, acting_user=request.user, client_ip=request.client_ip)
            message, level = f"{label}: done.", "success"
        except (ValidationError, PermissionDenied) as exc:
            message, level = error_text(exc), "error"
        if request.htmx:
            return add_toast(detail.get(request, pk), message, level)
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect("compute:host_detail", pk=pk)


class PodCreateView(ServiceFormView):
    admin_only = True
    form_class = PodCreateForm
    title = "Add pod"
    list_url = "compute:pod_list"

    def get_form_kwargs(self):
        self.cancel_url = reverse(self.list_url)
        return super().get_form_kwargs()

    def call_service(self, form):
        return services.create_pod(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("compute:pod_list")


class ClusterCreateView(PodCreateView):
    form_class = ClusterCreateForm
    title = "Add cluster"
    list_url = "compute:cluster_list"

    def call_service(self, form):
        return services.create_cluster(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("compute:cluster_list")


class HostCreateView(PodCreateView):
    """Add a host and wait for its ``host.connect`` job like addHost: the host page, or the
    form again with the reason it did not connect (no host is left behind)."""

    form_class = HostCreateForm
    title = "Add host"
    list_url = "compute:host_list"

    def call_service(self, form):
        try:
            return services.add_host_and_wait(**self.service_kwargs(), **form.cleaned_data)
        except JobError as exc:
            raise ValidationError(str(exc)) from exc

    def success_url(self, result):
        return reverse("compute:host_detail", args=[result.pk])


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
    queryset = ServiceOffering.objects.filter(removed__isnull=True)
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
