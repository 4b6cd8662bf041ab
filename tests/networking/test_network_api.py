"""Guest networks: tenant-owned CRUD and isolation, addressing defaults and validation,
shared networks (admin-only), and what deleting a network releases."""

import pytest
from django.urls import reverse

from networking.models import GuestVlan, IPAddress, Network, NetworkOffering
from networking.services import allocate_guest_vlan
from tests.api_base import TenantAPITests
from tests.factories import NetworkFactory, PhysicalNetworkFactory, ZoneFactory
from tests.networking.factories import (
    GuestPhysicalNetworkFactory,
    NetworkOfferingFactory,
    NicFactory,
    PublicIpRangeFactory,
)

LIST = "api:network-list"
ISOLATED = "DefaultIsolatedNetworkOfferingWithSourceNatService"


def offering(name):
    return NetworkOffering.objects.get(name=name)


def detail(obj):
    return reverse("api:network-detail", kwargs={"pk": obj.pk})


class TestNetworkAPI(TenantAPITests):
    basename = "network"
    factory = NetworkFactory

    def create_data(self, owner):
        physnet = GuestPhysicalNetworkFactory()
        return {
            "name": "net-new",
            "zone": physnet.zone_id,
            "network_offering": offering(ISOLATED).pk,
        }

    def update_data(self):
        return {"display_text": "renamed", "network_domain": "example.internal"}

    def invalid_data(self, owner):
        base = self.create_data(owner)
        disabled = NetworkOfferingFactory(state="Disabled")
        l2 = offering("DefaultL2NetworkOffering").pk
        return [
            ({**base, "cidr": "10.0.0.0/33"}, "cidr"),
            ({**base, "cidr": "not-a-cidr"}, "cidr"),
            ({**base, "cidr": "10.0.0.5/24"}, "cidr"),  # host bits set
            ({**base, "cidr": "10.0.0.0/31"}, "cidr"),  # no room for guests
            ({**base, "cidr": "10.0.0.0/24", "gateway": "10.0.1.1"}, "gateway"),
            ({**base, "cidr": "10.0.0.0/24", "gateway": "10.0.0.0"}, "gateway"),
            ({**base, "gateway": "999.0.0.1"}, "gateway"),
            ({**base, "cidr": "10.0.0.0/24", "netmask": "255.255.0.0"}, "netmask"),
            (
                {**base, "cidr": "10.0.0.0/24", "start_ip": "10.0.0.10", "end_ip": "10.0.1.5"},
                "end_ip",
            ),
            (
                {**base, "cidr": "10.0.0.0/24", "start_ip": "10.0.0.50", "end_ip": "10.0.0.10"},
                "end_ip",
            ),
            ({**base, "cidr": "10.0.0.0/24", "start_ip": "10.0.0.10"}, "end_ip"),
            ({**base, "vlan": "100"}, "vlan"),  # offering does not allow specifying a VLAN
            ({**base, "zone": 999999}, "zone"),
            ({**base, "zone": ZoneFactory().pk}, "zone"),  # no Guest physical network
            ({**base, "network_offering": 999999}, "network_offering"),
            ({**base, "network_offering": disabled.pk}, "network_offering"),
            (
                {
                    **base,
                    "network_offering": offering("DefaultIsolatedNetworkOfferingForVpcNetworks").pk,
                },
                "network_offering",
            ),
            ({**base, "network_offering": l2, "cidr": "10.0.0.0/24"}, "cidr"),
            ({**base, "physical_network": PhysicalNetworkFactory().pk}, "physical_network"),
            ({**base, "name": ""}, "name"),
        ]

    def test_isolated_defaults_come_from_the_zone(self, api_client, tenant):
        data = self.create_data(tenant)
        zone = ZoneFactory(guest_cidr="10.20.0.0/22")
        physnet = GuestPhysicalNetworkFactory(zone=zone)
        response = api_client(tenant).post(reverse(LIST), {**data, "zone": zone.pk}, format="json")
        assert response.status_code == 201, response.content
        assert response.data["cidr"] == "10.20.0.0/22"
        assert response.data["gateway"] == "10.20.0.1"
        assert response.data["netmask"] == "255.255.252.0"
        assert response.data["guest_type"] == "Isolated"
        assert response.data["state"] == "Allocated"
        assert response.data["vlan"] == ""  # allocated when implemented
        assert response.data["physical_network"]["id"] == physnet.pk
        network = Network.objects.get(pk=response.data["id"])
        assert network.account == tenant.account and network.domain == tenant.account.domain
        self.assert_event("NETWORK.CREATE")

    def test_explicit_cidr_and_gateway(self, api_client, tenant):
        data = {**self.create_data(tenant), "cidr": "192.168.5.0/24", "gateway": "192.168.5.254"}
        response = api_client(tenant).post(reverse(LIST), data, format="json")
        assert response.status_code == 201, response.content
        assert (response.data["gateway"], response.data["netmask"]) == (
            "192.168.5.254",
            "255.255.255.0",
        )

    def test_l2_network_has_no_addressing(self, api_client, tenant):
        data = {
            **self.create_data(tenant),
            "network_offering": offering("DefaultL2NetworkOffering").pk,
        }
        response = api_client(tenant).post(reverse(LIST), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["guest_type"] == "L2"
        assert response.data["cidr"] == "" and response.data["gateway"] is None

    def test_addressing_cannot_change_after_creation(self, api_client, tenant):
        network = self.make(tenant)
        response = api_client(tenant).patch(detail(network), {"cidr": "10.9.9.0/24"}, format="json")
        assert response.status_code == 400 and "cidr" in response.data
        network.refresh_from_db()
        assert network.cidr == "10.1.1.0/24"

    def test_tenant_cannot_create_for_another_account(self, api_client, tenant, other_tenant):
        data = {**self.create_data(tenant), "account": other_tenant.account.pk}
        response = api_client(tenant).post(reverse(LIST), data, format="json")
        assert response.status_code == 400 and "account" in response.data

    def test_admin_creates_for_an_account(self, api_client, root_admin, tenant):
        data = {**self.create_data(tenant), "account": tenant.account.pk}
        response = api_client(root_admin).post(reverse(LIST), data, format="json")
        assert response.status_code == 201, response.content
        assert Network.objects.get(pk=response.data["id"]).account == tenant.account

    def test_network_limit_is_honoured(self, api_client, tenant):
        from portal.models import ResourceLimit

        ResourceLimit.objects.create(account=tenant.account, resource_type="network", max=1)
        client = api_client(tenant)
        data = self.create_data(tenant)
        assert client.post(reverse(LIST), data, format="json").status_code == 201
        response = client.post(reverse(LIST), {**data, "name": "second"}, format="json")
        assert response.status_code == 400
        assert Network.objects.filter(account=tenant.account).count() == 1


@pytest.mark.django_db
class TestSharedNetworks:
    def shared_data(self, **overrides):
        physnet = GuestPhysicalNetworkFactory()
        return {
            "name": "shared",
            "zone": physnet.zone_id,
            "network_offering": offering("DefaultSharedNetworkOffering").pk,
            "gateway": "172.30.0.1",
            "netmask": "255.255.255.0",
            "start_ip": "172.30.0.100",
            "end_ip": "172.30.0.200",
            "vlan": "300",
            **overrides,
        }

    def test_admin_creates_shared_network(self, api_client, root_admin):
        response = api_client(root_admin).post(reverse(LIST), self.shared_data(), format="json")
        assert response.status_code == 201, response.content
        assert response.data["guest_type"] == "Shared"
        assert response.data["acl_type"] == "Domain"
        assert response.data["cidr"] == "172.30.0.0/24"
        assert response.data["vlan"] == "vlan://300"

    def test_tenant_cannot_create_shared_network(self, api_client, tenant):
        response = api_client(tenant).post(reverse(LIST), self.shared_data(), format="json")
        assert response.status_code == 403
        assert not Network.objects.filter(name="shared").exists()

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"vlan": ""}, "vlan"),
            ({"gateway": None}, "gateway"),
            ({"start_ip": None}, "start_ip"),
            ({"end_ip": "172.30.1.5"}, "end_ip"),
            ({"netmask": "255.0.255.0"}, "netmask"),
            ({"vlan": "5000"}, "vlan"),
        ],
    )
    def test_shared_network_needs_valid_addressing(self, api_client, root_admin, overrides, field):
        response = api_client(root_admin).post(
            reverse(LIST), self.shared_data(**overrides), format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.data
        assert not Network.objects.filter(name="shared").exists()

    def test_vlan_clash_on_the_physical_network(self, api_client, root_admin):
        client = api_client(root_admin)
        data = self.shared_data()
        assert client.post(reverse(LIST), data, format="json").status_code == 201
        response = client.post(reverse(LIST), {**data, "name": "again"}, format="json")
        assert response.status_code == 400 and "vlan" in response.data

    def test_tenants_below_the_domain_see_shared_networks(self, api_client, root_admin, tenant):
        response = api_client(root_admin).post(reverse(LIST), self.shared_data(), format="json")
        ids = [r["id"] for r in api_client(tenant).get(reverse(LIST)).data["results"]]
        assert response.data["id"] in ids  # ROOT domain network: visible to everyone below
        shared = Network.objects.get(pk=response.data["id"])
        assert api_client(tenant).delete(detail(shared)).status_code == 404


@pytest.mark.django_db
class TestNetworkDelete:
    def test_refused_while_nics_exist(self, api_client, tenant):
        nic = NicFactory(instance__account=tenant.account)
        response = api_client(tenant).delete(detail(nic.network))
        assert response.status_code == 400
        assert Network.objects.filter(pk=nic.network_id).exists()

    def test_releases_vlan_and_public_ips(self, api_client, tenant):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-101")
        network = NetworkFactory(
            account=tenant.account, zone=physnet.zone, physical_network=physnet
        )
        vlan = allocate_guest_vlan(network)
        ip_range = PublicIpRangeFactory(zone=physnet.zone, size=2)
        ip = ip_range.addresses.first()
        IPAddress.objects.filter(pk=ip.pk).update(
            state="Allocated", account=tenant.account, network=network, is_source_nat=True
        )
        response = api_client(tenant).delete(detail(network))
        assert response.status_code == 204, response.content
        assert not Network.objects.filter(pk=network.pk).exists()
        vlan.refresh_from_db()
        assert vlan.network is None and vlan.account is None
        ip.refresh_from_db()
        assert (ip.state, ip.account, ip.network, ip.is_source_nat) == ("Free", None, None, False)
        self_events = {"NETWORK.DELETE", "NET.IPRELEASE"}
        from portal.models import Event

        assert self_events <= set(Event.objects.values_list("event_type", flat=True))
        assert GuestVlan.objects.filter(physical_network=physnet, network__isnull=True).count() == 2
