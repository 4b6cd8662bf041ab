from rest_framework.routers import SimpleRouter

from networking.api import rules, views

router = SimpleRouter()
router.register("physicalnetworks", views.PhysicalNetworkViewSet, basename="physicalnetwork")
router.register("traffictypes", views.TrafficTypeViewSet, basename="traffictype")
router.register("networkofferings", views.NetworkOfferingViewSet, basename="networkoffering")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("publicipranges", views.PublicIpRangeViewSet, basename="publiciprange")
# the IP addresses with the static NAT verbs (networking.api.rules)
router.register("ipaddresses", rules.IPAddressViewSet, basename="ipaddress")
router.register("nics", views.NicViewSet, basename="nic")
router.register("guestvlans", views.GuestVlanViewSet, basename="guestvlan")
router.register("firewall-rules", rules.FirewallRuleViewSet, basename="firewallrule")
router.register(
    "port-forwarding-rules", rules.PortForwardingRuleViewSet, basename="portforwardingrule"
)
router.register("egress-rules", rules.EgressRuleViewSet, basename="egressrule")
router.register("security-groups", rules.SecurityGroupViewSet, basename="securitygroup")

urlpatterns = router.urls
