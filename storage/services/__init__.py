"""Storage services: every mutation of pools, image stores, disk offerings and templates."""

from storage.services.imagestores import create_image_store, delete_image_store, update_image_store
from storage.services.offerings import (
    create_disk_offering,
    delete_disk_offering,
    update_disk_offering,
)
from storage.services.pools import (
    cancel_storage_pool_maintenance,
    create_storage_pool,
    delete_storage_pool,
    disable_storage_pool,
    enable_storage_pool,
    enable_storage_pool_maintenance,
    update_storage_pool,
)
from storage.services.templates import create_template, delete_template, update_template
from storage.services.urls import check_download_url, parse_storage_url

__all__ = [
    "cancel_storage_pool_maintenance",
    "check_download_url",
    "create_disk_offering",
    "create_image_store",
    "create_storage_pool",
    "create_template",
    "delete_disk_offering",
    "delete_image_store",
    "delete_storage_pool",
    "delete_template",
    "disable_storage_pool",
    "enable_storage_pool",
    "enable_storage_pool_maintenance",
    "parse_storage_url",
    "update_disk_offering",
    "update_image_store",
    "update_storage_pool",
    "update_template",
]
