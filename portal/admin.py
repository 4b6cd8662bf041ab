"""Django admin of the portal models: an operator's back door, never a secret's window.

Secrets are not shown: API secret keys are excluded, passwords appear only as Django's hash
summary. Audit events and jobs are read-only; API keys can only be revoked from here.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from portal.models import (
    Account,
    ApiKeyPair,
    AsyncJob,
    Domain,
    Event,
    ManagementLease,
    ManagementServer,
    Project,
    ResourceLimit,
    Role,
    RolePermission,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody edits by hand (audit events, jobs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResourceLimitInline(admin.TabularInline):
    model = ResourceLimit
    extra = 0
    fields = ["resource_type", "max"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "parent", "state", "network_domain", "created"]
    list_filter = ["state"]
    search_fields = ["name", "path", "uuid"]
    readonly_fields = ["uuid", "path", "created", "updated"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [ResourceLimitInline]


class UserInline(admin.TabularInline):
    model = User
    extra = 0
    fields = ["username", "email", "state", "is_active", "last_login"]
    readonly_fields = ["last_login"]
    show_change_link = True


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "account_type", "role", "state", "created"]
    list_filter = ["account_type", "state", "role"]
    search_fields = ["name", "domain__name", "domain__path", "uuid"]
    readonly_fields = ["uuid", "created", "updated"]
    list_select_related = ["domain", "role"]
    autocomplete_fields = ["domain", "role"]
    inlines = [UserInline, ResourceLimitInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "account", "state", "is_active", "is_staff", "last_login"]
    list_filter = ["state", "is_active", "is_staff", "is_superuser", "account__account_type"]
    search_fields = ["username", "email", "first_name", "last_name", "account__name", "uuid"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    readonly_fields = ["uuid", "failed_logins", "last_login", "date_joined", "updated"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Cloud", {"fields": ["uuid", "account", "state", "timezone", "failed_logins"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Cloud", {"fields": ["account", "email"]}),
    ]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "account", "state", "created"]
    list_filter = ["state"]
    search_fields = ["name", "display_text", "domain__path", "account__name", "uuid"]
    readonly_fields = ["uuid", "created", "updated"]
    list_select_related = ["domain", "account"]
    autocomplete_fields = ["domain", "account", "members"]


class RolePermissionInline(admin.TabularInline):
    model = RolePermission
    extra = 0
    fields = ["sort_order", "rule", "permission", "description"]
    ordering = ["sort_order", "id"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "role_type", "is_default", "read_only", "description"]
    list_filter = ["role_type", "is_default", "read_only"]
    search_fields = ["name", "description"]
    readonly_fields = ["uuid", "is_default", "created", "updated"]
    inlines = [RolePermissionInline]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ApiKeyPair)
class ApiKeyPairAdmin(admin.ModelAdmin):
    """Key pairs are made by their users; here they can be inspected and revoked."""

    list_display = ["short_key", "name", "user", "revoked", "last_used", "created"]
    list_filter = ["revoked"]
    search_fields = ["name", "api_key", "user__username"]
    list_select_related = ["user"]
    exclude = ["secret_key"]
    readonly_fields = ["uuid", "user", "api_key", "last_used", "created", "updated"]
    actions = ["revoke"]

    @admin.display(description="API key")
    def short_key(self, obj) -> str:
        return f"{obj.api_key[:12]}…"

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected key pairs")
    def revoke(self, request, queryset):
        from portal.services.apikeys import revoke_api_key

        count = 0
        for pair in queryset.filter(revoked=False).select_related("user__account"):
            revoke_api_key(pair, acting_user=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} key pair(s).", messages.SUCCESS)


@admin.register(ResourceLimit)
class ResourceLimitAdmin(admin.ModelAdmin):
    list_display = ["resource_type", "account", "domain", "max"]
    list_filter = ["resource_type"]
    search_fields = ["account__name", "domain__path"]
    list_select_related = ["account", "domain"]
    autocomplete_fields = ["account", "domain"]


@admin.register(AsyncJob)
class AsyncJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "command", "status", "progress", "account", "user", "created", "finished"]
    list_filter = ["status", "command"]
    search_fields = ["uuid", "command", "resource_id", "error_text"]
    list_select_related = ["account", "user"]
    date_hierarchy = "created"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created", "event_type", "level", "state", "user", "account", "description"]
    list_filter = ["level", "state", "event_type"]
    search_fields = ["event_type", "description", "resource_id", "user__username"]
    list_select_related = ["user", "account"]
    date_hierarchy = "created"


@admin.register(ManagementServer)
class ManagementServerAdmin(ReadOnlyAdmin):
    """Written by the nodes themselves (heartbeats); listManagementServers shows the leader."""

    list_display = ["name", "state", "service_ip", "service_port", "last_heartbeat", "version"]
    list_filter = ["state"]
    search_fields = ["name", "uuid"]


@admin.register(ManagementLease)
class ManagementLeaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "holder", "acquired_at", "renewed_at", "expires_at"]
