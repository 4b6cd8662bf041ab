"""Browser pages of the storage app (namespace ``storage``); the API is in storage/api/."""

from django.urls import path

from storage import views
from storage.ui import extract, images, infra, volumes

app_name = "storage"

urlpatterns = [
    path("volumes/", volumes.VolumeListView.as_view(), name="volume_list"),
    path("volumes/add/", volumes.VolumeCreateView.as_view(), name="volume_create"),
    path("volumes/<int:pk>/", volumes.VolumeDetailView.as_view(), name="volume_detail"),
    path("volumes/<int:pk>/row/", volumes.VolumeRowView.as_view(), name="volume_row"),
    path("volumes/<int:pk>/status/", volumes.VolumeStatusView.as_view(), name="volume_status"),
    path("volumes/<int:pk>/resize/", volumes.VolumeResizeView.as_view(), name="volume_resize"),
    path(
        "volumes/<int:pk>/snapshots/",
        volumes.VolumeSnapshotsView.as_view(),
        name="volume_snapshots",
    ),
    path(
        "volumes/<int:pk>/snapshots/<int:snapshot_pk>/<str:action>/",
        volumes.SnapshotActionView.as_view(),
        name="snapshot_action",
    ),
    path(
        "volumes/<int:pk>/<str:action>/",
        volumes.VolumeActionView.as_view(),
        name="volume_action",
    ),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/add/", images.TemplateRegisterView.as_view(), name="template_register"),
    path("templates/<int:pk>/", images.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/state/", images.TemplateStateView.as_view(), name="template_state"),
    path("pools/", views.PoolListView.as_view(), name="pool_list"),
    path("pools/add/", infra.PoolCreateView.as_view(), name="pool_create"),
    path("pools/<int:pk>/", infra.PoolDetailView.as_view(), name="pool_detail"),
    path("pools/<int:pk>/<str:action>/", infra.PoolActionView.as_view(), name="pool_action"),
    path("imagestores/", views.ImageStoreListView.as_view(), name="imagestore_list"),
    path("imagestores/add/", infra.ImageStoreCreateView.as_view(), name="imagestore_create"),
    path("extract/<str:token>/<str:name>", extract.download, name="extract_download"),
    path("diskofferings/", views.DiskOfferingListView.as_view(), name="diskoffering_list"),
]
