"""Routes of the tenancy API, mounted at ``/api/tenancy/``."""

from rest_framework.routers import SimpleRouter

from portal.api import tenancy_views as views

router = SimpleRouter()
router.register("domains", views.DomainViewSet, basename="domain")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("users", views.UserViewSet, basename="user")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("roles", views.RoleViewSet, basename="role")
router.register("apikeys", views.ApiKeyPairViewSet, basename="apikey")
router.register("resourcelimits", views.ResourceLimitViewSet, basename="resourcelimit")

urlpatterns = router.urls
