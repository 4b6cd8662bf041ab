from rest_framework.routers import SimpleRouter

from networking.api import views

router = SimpleRouter()
router.register("physicalnetworks", views.PhysicalNetworkViewSet, basename="physicalnetwork")
router.register("traffictypes", views.TrafficTypeViewSet, basename="traffictype")
router.register("networkofferings", views.NetworkOfferingViewSet, basename="networkoffering")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("publicipranges", views.PublicIpRangeViewSet, basename="publiciprange")
router.register("ipaddresses", views.IPAddressViewSet, basename="ipaddress")
router.register("nics", views.NicViewSet, basename="nic")
router.register("guestvlans", views.GuestVlanViewSet, basename="guestvlan")

urlpatterns = router.urls
