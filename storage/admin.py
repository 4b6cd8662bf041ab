"""Django admin for storage objects. Credentials and passwords are excluded."""

from django.contrib import admin

from storage.models import (
    DiskOffering,
    ImageStore,
    OSType,
    StoragePool,
    Template,
    TemplatePoolCopy,
    Volume,
)


@admin.register(StoragePool)
class StoragePoolAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "scope", "protocol", "url", "state", "capacity_bytes")
    list_filter = ("state", "scope", "protocol", "hypervisor", "zone")
    search_fields = ("name", "url", "path", "uuid")
    list_select_related = ("zone",)
    exclude = ("credentials",)
    readonly_fields = ("uuid", "created", "updated")


@admin.register(ImageStore)
class ImageStoreAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "protocol", "url", "read_only", "capacity_bytes")
    list_filter = ("protocol", "read_only", "zone")
    search_fields = ("name", "url", "uuid")
    list_select_related = ("zone",)
    exclude = ("password",)
    readonly_fields = ("uuid", "created", "updated")


@admin.register(DiskOffering)
class DiskOfferingAdmin(admin.ModelAdmin):
    list_display = ("name", "disk_size", "customized", "provisioning_type", "state")
    list_filter = ("state", "customized", "storage_type", "provisioning_type")
    search_fields = ("name", "display_text", "uuid")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(OSType)
class OSTypeAdmin(admin.ModelAdmin):
    list_display = ("description", "category")
    list_filter = ("category",)
    search_fields = ("description",)


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "zone", "format", "hypervisor", "state", "is_public")
    list_filter = ("state", "is_iso", "format", "hypervisor", "is_public", "is_featured")
    search_fields = ("name", "display_text", "url", "uuid")
    list_select_related = ("account", "zone")
    raw_id_fields = ("account", "image_store")
    readonly_fields = ("uuid", "created", "updated")


@admin.register(TemplatePoolCopy)
class TemplatePoolCopyAdmin(admin.ModelAdmin):
    list_display = ("template", "pool", "ready", "size", "created")
    list_filter = ("ready",)
    search_fields = ("template__name", "pool__name", "path")
    list_select_related = ("template", "pool")


@admin.register(Volume)
class VolumeAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "zone", "pool", "instance", "volume_type", "state", "size")
    list_filter = ("state", "volume_type", "format", "zone")
    search_fields = ("name", "uuid", "path", "account__name")
    list_select_related = ("account", "zone", "pool", "instance")
    raw_id_fields = ("account", "domain", "instance", "template", "pool")
    readonly_fields = ("uuid", "created", "updated")
