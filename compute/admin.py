"""Django admin for compute objects. Secrets (host credentials, VNC passwords) are excluded."""

from django.contrib import admin

from compute.models import Cluster, Host, Instance, Pod, ServiceOffering, SSHKeyPair, Zone


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "network_type", "allocation_state", "dns1", "guest_cidr", "created")
    list_filter = ("network_type", "allocation_state", "security_group_enabled")
    search_fields = ("name", "description", "uuid")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "gateway", "netmask", "start_ip", "end_ip", "allocation_state")
    list_filter = ("allocation_state", "zone")
    search_fields = ("name", "gateway", "uuid")
    list_select_related = ("zone",)
    readonly_fields = ("uuid", "created", "updated")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "pod", "hypervisor", "allocation_state", "cpu_overcommit_ratio")
    list_filter = ("hypervisor", "allocation_state", "zone")
    search_fields = ("name", "uuid")
    list_select_related = ("zone", "pod")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "zone",
        "cluster",
        "hypervisor",
        "status",
        "resource_state",
        "url",
        "last_ping",
    )
    list_filter = ("status", "resource_state", "hypervisor", "host_type", "zone")
    search_fields = ("name", "url", "private_ip", "uuid")
    list_select_related = ("zone", "cluster")
    exclude = ("password", "agent_secret")
    readonly_fields = ("uuid", "created", "updated", "last_ping", "agent_version")


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ("name", "cpu_number", "cpu_speed", "memory", "customized", "state", "is_system")
    list_filter = ("state", "customized", "storage_type", "offer_ha", "is_system")
    search_fields = ("name", "display_text", "uuid")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(SSHKeyPair)
class SSHKeyPairAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "fingerprint", "created")
    list_filter = ("account__domain",)
    search_fields = ("name", "fingerprint", "account__name", "uuid")
    list_select_related = ("account",)
    readonly_fields = ("uuid", "created", "updated", "fingerprint")


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "zone", "host", "state", "cpu_number", "memory", "created")
    list_filter = ("state", "hypervisor", "zone")
    search_fields = ("name", "display_name", "uuid", "account__name")
    list_select_related = ("account", "zone", "host")
    exclude = ("vnc_password",)
    raw_id_fields = ("account", "domain", "user", "project", "host", "last_host", "template")
    readonly_fields = ("uuid", "created", "updated")
