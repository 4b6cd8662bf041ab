"""/api/marketplace/ routes."""

from rest_framework.routers import SimpleRouter

from marketplace.api import views

app_name = "marketplace-api"

router = SimpleRouter()
router.register("catalogs", views.CatalogViewSet, basename="catalog")
router.register("items", views.CatalogItemViewSet, basename="catalogitem")
router.register("plugins", views.PluginViewSet, basename="plugin")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("extension-runs", views.ExtensionRunViewSet, basename="extensionrun")
router.register("bindings", views.ExtensionBindingViewSet, basename="extensionbinding")

urlpatterns = router.urls
