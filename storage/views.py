"""Browser pages of the storage app: templates, pools, image stores and
disk offerings (admins). Lists reuse the API's FilterSets. Volumes: storage/ui/volumes.py."""

from __future__ import annotations

from portal.ui.tables import Column, Table
from portal.ui.views import BulkAction, ObjectListView
from storage import services
from storage.choices import PoolState
from storage.filtersets import (
    DiskOfferingFilterSet,
    ImageStoreFilterSet,
    StoragePoolFilterSet,
    TemplateFilterSet,
)
from storage.models import DiskOffering, ImageStore, StoragePool, Template
from storage.ui.images import live_state


class TemplateTable(Table):
    detail_url = "storage:template_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("state", "State / download", sort="state", render=live_state),
        Column("hypervisor", sort="hypervisor"),
        Column("format"),
        Column("size", sort="size", bytes=True),
        Column("zone", accessor="zone.name"),
        Column("is_public", "Public"),
        Column("account", accessor="account.name"),
    ]


class TemplateListView(ObjectListView):
    queryset = Template.objects.filter(removed__isnull=True).select_related("zone", "account")
    filterset = TemplateFilterSet
    table = TemplateTable
    title = "Templates"
    filter_fields = ("state", "is_iso", "hypervisor")
    create_url = "storage:template_register"
    create_label = "Register template or ISO"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_template, "Delete the selected templates?", True
        )
    }


def _pool_capacity(pool):
    from portal.ui.format import filesize

    return f"{filesize(pool.allocated_bytes)} of {filesize(pool.capacity_bytes)}"


class PoolTable(Table):
    detail_url = "storage:pool_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("state", sort="state", badge=PoolState),
        Column("scope", sort="scope"),
        Column("zone", accessor="zone.name", sort="zone__name"),
        Column("cluster", accessor="cluster.name"),
        Column("url", "URL"),
        Column("capacity", "Allocated", render=_pool_capacity),
    ]


class PoolListView(ObjectListView):
    admin_only = True
    queryset = StoragePool.objects.select_related("zone", "cluster")
    filterset = StoragePoolFilterSet
    table = PoolTable
    title = "Primary storage"
    filter_fields = ("state", "scope")
    create_url = "storage:pool_create"
    create_label = "Add primary storage"
    bulk_actions = {
        "enable": BulkAction("Enable", services.enable_storage_pool),
        "disable": BulkAction("Disable", services.disable_storage_pool, "Disable the pools?"),
        "maintenance": BulkAction(
            "Maintenance", services.enable_storage_pool_maintenance, "Start maintenance?"
        ),
        "cancel_maintenance": BulkAction(
            "Cancel maintenance", services.cancel_storage_pool_maintenance
        ),
        "delete": BulkAction(
            "Delete", services.delete_storage_pool, "Delete the selected pools?", True
        ),
    }


class ImageStoreTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("zone", accessor="zone.name"),
        Column("protocol"),
        Column("url", "URL"),
        Column("read_only", "Read only"),
        Column("used_bytes", "Used", bytes=True),
    ]


class ImageStoreListView(ObjectListView):
    admin_only = True
    queryset = ImageStore.objects.select_related("zone")
    filterset = ImageStoreFilterSet
    table = ImageStoreTable
    title = "Secondary storage"
    filter_fields = ("protocol", "read_only")
    create_url = "storage:imagestore_create"
    create_label = "Add secondary storage"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_image_store, "Delete the selected stores?", True
        )
    }


class DiskOfferingTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("disk_size", "Size (GiB)", sort="disk_size"),
        Column("customized", "Custom size"),
        Column("storage_type", "Storage"),
        Column("state", sort="state"),
    ]


class DiskOfferingListView(ObjectListView):
    admin_only = True
    queryset = DiskOffering.objects.filter(removed__isnull=True)
    filterset = DiskOfferingFilterSet
    table = DiskOfferingTable
    title = "Disk offerings"
    filter_fields = ("state", "customized")
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_disk_offering, "Delete the selected offerings?", True
        )
    }
