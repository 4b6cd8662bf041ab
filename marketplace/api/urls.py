from rest_framework.routers import SimpleRouter

app_name = "marketplace-api"
router = SimpleRouter()
urlpatterns = router.urls
