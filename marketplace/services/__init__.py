"""Marketplace services: every mutation of catalogs, plugins and extensions goes here."""

from marketplace.services.catalogs import (
    create_catalog,
    delete_catalog,
    refresh_catalog,
    resolve_item,
    update_catalog,
)
from marketplace.services.plugins import (
    check_plugin,
    configure_plugin,
    install_item,
    install_wheel,
    request_install,
    request_rollback,
    request_uninstall,
    rollback_plugin,
    set_plugin_enabled,
    uninstall_plugin,
)

__all__ = [
    "configure_plugin",
    "create_catalog",
    "delete_catalog",
    "install_item",
    "install_wheel",
    "refresh_catalog",
    "request_install",
    "request_rollback",
    "request_uninstall",
    "resolve_item",
    "rollback_plugin",
    "set_plugin_enabled",
    "check_plugin",
    "uninstall_plugin",
    "update_catalog",
]
