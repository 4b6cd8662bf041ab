"""Browser pages of the marketplace (namespace ``marketplace``), root admins only."""

from django.urls import path

from marketplace.ui import catalogs, common, extensions, plugins

app_name = "marketplace"

urlpatterns = [
    path("", catalogs.BrowseView.as_view(), name="browse"),
    path("items/<str:plugin_id>/", catalogs.ItemDetailView.as_view(), name="item_detail"),
    path("versions/<int:pk>/install/", catalogs.InstallView.as_view(), name="install"),
    path("catalogs/", catalogs.CatalogListView.as_view(), name="catalog_list"),
    path(
        "catalogs/<int:pk>/refresh/", catalogs.CatalogRefreshView.as_view(), name="catalog_refresh"
    ),
    path("catalogs/<int:pk>/delete/", catalogs.CatalogDeleteView.as_view(), name="catalog_delete"),
    path("plugins/", plugins.PluginListView.as_view(), name="plugin_list"),
    path("plugins/import/", plugins.PackageImportView.as_view(), name="package_import"),
    path("plugins/lock/", plugins.LockExportView.as_view(), name="lock_export"),
    path("plugins/lock/import/", plugins.LockImportView.as_view(), name="lock_import"),
    path("plugins/<int:pk>/", plugins.PluginDetailView.as_view(), name="plugin_detail"),
    path("plugins/<int:pk>/export/", plugins.PluginExportView.as_view(), name="plugin_export"),
    path(
        "plugins/<int:pk>/<str:action>/", plugins.PluginActionView.as_view(), name="plugin_action"
    ),
    path("extensions/", extensions.ExtensionListView.as_view(), name="extension_list"),
    path(
        "extensions/<int:pk>/",
        extensions.ExtensionDetailView.as_view(),
        name="extension_detail",
    ),
    path(
        "extensions/<int:pk>/export/",
        extensions.ExtensionExportView.as_view(),
        name="extension_export",
    ),
    path(
        "extensions/<int:pk>/<str:action>/",
        extensions.ExtensionActionView.as_view(),
        name="extension_action",
    ),
    path("jobs/<int:pk>/log/", common.JobLogView.as_view(), name="job_log"),
    path("reload-status/", common.ReloadStatusView.as_view(), name="reload_status"),
]
