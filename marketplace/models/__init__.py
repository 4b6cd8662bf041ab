from .catalogs import Catalog, CatalogItem
from .extensions import (
    Extension,
    ExtensionCustomAction,
    ExtensionResourceMap,
    ExtensionRun,
    ExtensionVersion,
)
from .plugins import Plugin, PluginTestRun

__all__ = [
    "Catalog",
    "CatalogItem",
    "Extension",
    "ExtensionCustomAction",
    "ExtensionResourceMap",
    "ExtensionRun",
    "ExtensionVersion",
    "Plugin",
    "PluginTestRun",
]
