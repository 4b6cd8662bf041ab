from rest_framework.routers import SimpleRouter

from compute.api import affinity, enrollment, instances, views

router = SimpleRouter()
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("pods", views.PodViewSet, basename="pod")
router.register("clusters", views.ClusterViewSet, basename="cluster")
router.register("hosts", views.HostViewSet, basename="host")
router.register("service-offerings", views.ServiceOfferingViewSet, basename="serviceoffering")
router.register("ssh-keypairs", views.SSHKeyPairViewSet, basename="sshkeypair")
router.register("affinity-groups", affinity.AffinityGroupViewSet, basename="affinitygroup")
router.register("instances", instances.InstanceViewSet, basename="instance")
router.register("enrollment-tokens", enrollment.EnrollmentTokenViewSet, basename="enrollmenttoken")

urlpatterns = router.urls
