"""Top-level URLs: the browser portal, admin, the DRF API with its schema and docs."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from marketplace.dispatch import plugin_api_view, plugin_view
from portal import views
from portal.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", views.home, name="home"),
    path("", include("portal.ui.urls")),
    path("compute/", include("compute.urls")),
    path("storage/", include("storage.urls")),
    path("networking/", include("networking.urls")),
    path("marketplace/", include("marketplace.urls")),
    # The Django admin logs in through the portal's login (throttling, lockout, 2FA).
    path("admin/login/", RedirectView.as_view(url="/accounts/login/?next=/admin/")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/marketplace/", include("marketplace.api.urls")),
    # Plugin URLs: answer 404 while the plugin is disabled (checked per request).
    re_path(r"^plugins/(?P<plugin_id>[\w.-]+)/(?P<rest>.*)$", plugin_view, name="plugin-view"),
    re_path(
        r"^api/plugins/(?P<plugin_id>[\w.-]+)/(?P<rest>.*)$", plugin_api_view, name="plugin-api"
    ),
    path("api/", include("portal.api.urls")),
    path("client/", include("portal.cloudstack.urls")),
]
