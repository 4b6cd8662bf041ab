"""Browser pages of the storage app (namespace ``storage``); the API is in storage/api/."""

from django.urls import path

from storage import views

app_name = "storage"

urlpatterns = [
    path("volumes/", views.VolumeListView.as_view(), name="volume_list"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("pools/", views.PoolListView.as_view(), name="pool_list"),
    path("imagestores/", views.ImageStoreListView.as_view(), name="imagestore_list"),
    path("diskofferings/", views.DiskOfferingListView.as_view(), name="diskoffering_list"),
]
