"""Browser pages of the networking app: guest networks (tenants); physical networks,
offerings and public IP ranges (admins). Lists reuse the API's FilterSets."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from compute.choices import AllocationState
from compute.models import Zone
from networking import services
from networking.filtersets import (
    NetworkFilterSet,
    NetworkOfferingFilterSet,
    PhysicalNetworkFilterSet,
    PublicIpRangeFilterSet,
)
from networking.models import Network, NetworkOffering, PhysicalNetwork, PublicIpRange
from portal.ui.forms import PortalForm
from portal.ui.tables import Column, Table
from portal.ui.views import BulkAction, ObjectListView, ServiceFormView


class NetworkTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("state", sort="state"),
        Column("guest_type", "Type"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("cidr", "CIDR"),
        Column("gateway"),
        Column("vlan", "VLAN"),
        Column("offering", accessor="network_offering.name"),
        Column("account", accessor="account.name"),
    ]


class NetworkListView(ObjectListView):
    queryset = Network.objects.filter(removed__isnull=True).select_related(
        "zone", "network_offering", "account"
    )
    filterset = NetworkFilterSet
    table = NetworkTable
    title = "Networks"
    filter_fields = ("state",)
    create_url = "networking:network_create"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_network, "Delete the selected networks?", True
        )
    }


class PhysicalNetworkTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("isolation_method", "Isolation"),
        Column("vlan_range", "VLAN range"),
        Column(
            "traffic",
            "Traffic types",
            render=lambda p: ", ".join(t.traffic_type for t in p.traffic_types.all()),
        ),
        Column("state", sort="state"),
    ]


class PhysicalNetworkListView(ObjectListView):
    admin_only = True
    queryset = PhysicalNetwork.objects.select_related("zone").prefetch_related("traffic_types")
    filterset = PhysicalNetworkFilterSet
    table = PhysicalNetworkTable
    title = "Physical networks"
    filter_fields = ("state", "isolation_method")
    bulk_actions = {
        "delete": BulkAction(
            "Delete",
            services.delete_physical_network,
            "Delete the selected physical networks?",
            True,
        )
    }


class NetworkOfferingTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("guest_ip_type", "Guest type"),
        Column("traffic_type", "Traffic"),
        Column("availability"),
        Column("state", sort="state"),
    ]


class NetworkOfferingListView(ObjectListView):
    admin_only = True
    queryset = NetworkOffering.objects.filter(removed__isnull=True)
    filterset = NetworkOfferingFilterSet
    table = NetworkOfferingTable
    title = "Network offerings"
    filter_fields = ("state", "guest_ip_type")


class IpRangeTable(Table):
    columns = [
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("vlan", "VLAN"),
        Column("gateway"),
        Column("netmask"),
        Column("range", "Range", render=lambda r: f"{r.start_ip} – {r.end_ip}"),
        Column("account", accessor="account.name"),
    ]


class IpRangeListView(ObjectListView):
    admin_only = True
    queryset = PublicIpRange.objects.select_related("zone", "account")
    filterset = PublicIpRangeFilterSet
    table = IpRangeTable
    title = "Public IP ranges"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_public_ip_range, "Delete the selected ranges?", True
        )
    }


class NetworkForm(PortalForm):
    name = forms.CharField(max_length=255)
    display_text = forms.CharField(max_length=255, required=False)
    zone = forms.ModelChoiceField(queryset=None, empty_label=None)
    network_offering = forms.ModelChoiceField(queryset=None, empty_label=None, label="Offering")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.restrict(self.user).filter(
            allocation_state=AllocationState.ENABLED
        )
        self.fields["network_offering"].queryset = NetworkOffering.objects.restrict(
            self.user
        ).filter(state="Enabled", guest_ip_type__in=["Isolated", "L2"])


class NetworkCreateView(ServiceFormView):
    form_class = NetworkForm
    title = "Add network"

    def call_service(self, form):
        return services.create_network(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("networking:network_list")
