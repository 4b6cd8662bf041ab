"""Django admin for networking objects (operators' escape hatch; the portal UI and API are the
normal way, and they go through the services)."""

from django.contrib import admin

from networking.models import (
    GuestVlan,
    IPAddress,
    Network,
    NetworkOffering,
    Nic,
    PhysicalNetwork,
    PublicIpRange,
    TrafficType,
)


class TrafficTypeInline(admin.TabularInline):
    model = TrafficType
    extra = 0


@admin.register(PhysicalNetwork)
class PhysicalNetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "isolation_method", "vlan_range", "state")
    list_filter = ("state", "isolation_method", "zone")
    search_fields = ("name", "vlan_range")
    readonly_fields = ("uuid", "created", "updated")
    inlines = [TrafficTypeInline]


@admin.register(TrafficType)
class TrafficTypeAdmin(admin.ModelAdmin):
    list_display = ("physical_network", "traffic_type", "kvm_label", "hyperv_label")
    list_filter = ("traffic_type",)
    list_select_related = ("physical_network",)
    readonly_fields = ("uuid",)


@admin.register(GuestVlan)
class GuestVlanAdmin(admin.ModelAdmin):
    list_display = ("vnet", "physical_network", "network", "account", "allocated")
    list_filter = ("physical_network",)
    list_select_related = ("physical_network", "network", "account")
    search_fields = ("vnet",)
    raw_id_fields = ("network", "account")


@admin.register(NetworkOffering)
class NetworkOfferingAdmin(admin.ModelAdmin):
    list_display = ("name", "guest_ip_type", "state", "availability", "is_default", "for_vpc")
    list_filter = ("guest_ip_type", "state", "is_default", "for_vpc")
    search_fields = ("name", "display_text")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "account", "guest_type", "state", "cidr", "vlan")
    list_filter = ("guest_type", "state", "zone")
    list_select_related = ("zone", "account")
    search_fields = ("name", "cidr", "vlan", "account__name")
    raw_id_fields = ("account", "domain", "project", "physical_network", "network_offering")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(PublicIpRange)
class PublicIpRangeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "zone", "physical_network", "vlan", "gateway", "netmask")
    list_filter = ("zone", "for_virtual_network")
    list_select_related = ("zone", "physical_network")
    search_fields = ("start_ip", "end_ip", "gateway", "vlan")
    raw_id_fields = ("network", "account", "domain", "pod")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(IPAddress)
class IPAddressAdmin(admin.ModelAdmin):
    list_display = ("address", "zone", "state", "account", "network", "is_source_nat")
    list_filter = ("state", "zone", "is_source_nat")
    list_select_related = ("zone", "account", "network")
    search_fields = ("address",)
    raw_id_fields = ("ip_range", "account", "network")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(Nic)
class NicAdmin(admin.ModelAdmin):
    list_display = ("mac_address", "instance", "network", "ip_address", "device_id", "state")
    list_filter = ("state", "is_default")
    list_select_related = ("instance", "network")
    search_fields = ("mac_address", "ip_address", "instance__name")
    raw_id_fields = ("instance", "network")
    readonly_fields = ("uuid", "created", "updated")
