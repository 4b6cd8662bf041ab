from compute.models import Zone
from portal.api.serializers import PortalModelSerializer


class ZoneSerializer(PortalModelSerializer):
    class Meta:
        model = Zone
        url_basename = "zone"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "description",
            "network_type",
            "dns1",
            "dns2",
            "internal_dns1",
            "internal_dns2",
            "guest_cidr",
            "network_domain",
            "local_storage_enabled",
            "security_group_enabled",
            "allocation_state",
            "domain",
            "created",
            "updated",
        ]
