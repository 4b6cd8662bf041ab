from rest_framework.routers import SimpleRouter

from compute.api import views

router = SimpleRouter()
router.register("zones", views.ZoneViewSet, basename="zone")

urlpatterns = router.urls
