"""The /api/ tree: one namespace ``api`` for every app's routes."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from portal.api import views
from portal.api.configuration import ConfigurationViewSet
from portal.api.management import ManagementServerViewSet

app_name = "api"

router = SimpleRouter()
router.register("jobs", views.AsyncJobViewSet, basename="job")
router.register("events", views.EventViewSet, basename="event")
settings_router = SimpleRouter()
settings_router.register("configurations", ConfigurationViewSet, basename="configuration")
settings_router.register("management-servers", ManagementServerViewSet, basename="managementserver")

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("core/", include(router.urls)),
    path("portal/", include(settings_router.urls)),
    path("tenancy/", include("portal.api.tenancy_urls")),
    path("compute/", include("compute.api.urls")),
    path("storage/", include("storage.api.urls")),
    path("networking/", include("networking.api.urls")),
]
