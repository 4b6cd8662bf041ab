from tests.api_base import InfrastructureAPITests
from tests.factories import ZoneFactory


class TestZoneAPI(InfrastructureAPITests):
    basename = "zone"
    factory = ZoneFactory

    def create_data(self, owner):
        return {
            "name": "zone-new",
            "dns1": "8.8.8.8",
            "internal_dns1": "10.0.0.2",
            "network_type": "Advanced",
            "guest_cidr": "10.2.0.0/16",
        }

    def update_data(self):
        return {"description": "updated", "allocation_state": "Enabled"}

    def invalid_data(self, owner):
        ZoneFactory(name="taken")
        base = self.create_data(owner)
        return [
            ({**base, "guest_cidr": "10.0.0.0/33"}, "guest_cidr"),
            ({**base, "guest_cidr": "not-a-cidr"}, "guest_cidr"),
            ({**base, "dns1": "999.1.1.1"}, "dns1"),
            ({**base, "name": "taken"}, "name"),
            ({**base, "network_type": "Weird"}, "network_type"),
        ]
