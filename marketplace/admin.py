"""Django admin: read-mostly views of the marketplace (changes go through the API/services)."""

from django.contrib import admin

from marketplace.models import (
    Catalog,
    CatalogItem,
    Extension,
    ExtensionRun,
    ExtensionVersion,
    Plugin,
    PluginTestRun,
)


@admin.register(Catalog)
class CatalogAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "url", "ref", "enabled", "last_fetched"]
    list_filter = ["kind", "enabled"]


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["plugin_id", "version", "kind", "catalog", "sha256", "size"]
    list_filter = ["kind", "catalog"]
    search_fields = ["plugin_id", "name"]
    readonly_fields = [f.name for f in CatalogItem._meta.fields]


@admin.register(Plugin)
class PluginAdmin(admin.ModelAdmin):
    list_display = ["plugin_id", "name", "version", "status", "enabled", "updated"]
    list_filter = ["status", "enabled", "kind"]
    search_fields = ["plugin_id", "name"]
    exclude = ["secret_config"]
    readonly_fields = [
        f.name for f in Plugin._meta.fields if f.name not in ("enabled", "secret_config")
    ]


@admin.register(PluginTestRun)
class PluginTestRunAdmin(admin.ModelAdmin):
    list_display = ["plugin", "version", "ok", "created"]


class ExtensionVersionInline(admin.TabularInline):
    model = ExtensionVersion
    fields = ["number", "entrypoint", "sha256", "comment", "created"]
    readonly_fields = fields
    extra = 0


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "enabled", "current_version", "updated"]
    list_filter = ["type", "enabled"]
    exclude = ["secret_details"]
    inlines = [ExtensionVersionInline]


@admin.register(ExtensionRun)
class ExtensionRunAdmin(admin.ModelAdmin):
    list_display = ["extension", "action", "exit_code", "timed_out", "duration", "created"]
    list_filter = ["timed_out", "extension"]
    readonly_fields = [f.name for f in ExtensionRun._meta.fields]
