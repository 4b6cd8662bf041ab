"""Read-only lists (IP addresses, NICs, guest VLANs) and the allocate/release verbs."""

import pytest
from django.urls import reverse

from networking.models import IPAddress
from networking.services import allocate_guest_vlan
from tests.factories import AccountFactory, NetworkFactory, UserFactory
from tests.networking.factories import (
    AllocatedIPFactory,
    GuestPhysicalNetworkFactory,
    NicFactory,
    PublicIpRangeFactory,
)

pytestmark = pytest.mark.django_db
IPS = "api:ipaddress-list"


def ids(response):
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.data["results"]]


class TestIPAddressList:
    def test_tenant_sees_own_allocated_ips_only(self, api_client, tenant, other_tenant):
        mine = AllocatedIPFactory(account=tenant.account)
        theirs = AllocatedIPFactory(account=other_tenant.account)
        free = PublicIpRangeFactory(size=1).addresses.get()
        client = api_client(tenant)
        assert ids(client.get(reverse(IPS))) == [mine.pk]
        assert (
            client.get(reverse("api:ipaddress-detail", kwargs={"pk": theirs.pk})).status_code == 404
        )
        assert (
            client.get(reverse("api:ipaddress-detail", kwargs={"pk": free.pk})).status_code == 404
        )

    def test_admin_sees_all_and_filters(self, api_client, root_admin, tenant):
        mine = AllocatedIPFactory(account=tenant.account)
        free = PublicIpRangeFactory(size=2)
        client = api_client(root_admin)
        listed = ids(client.get(reverse(IPS), {"limit": 500}))
        assert mine.pk in listed and set(free.addresses.values_list("pk", flat=True)) <= set(listed)
        assert ids(client.get(reverse(IPS), {"state": "Allocated"})) == [mine.pk]
        assert ids(client.get(reverse(IPS), {"address": mine.address, "zone": mine.zone_id})) == [
            mine.pk
        ]
        assert len(ids(client.get(reverse(IPS), {"zone": free.zone_id}))) == 2
        assert ids(client.get(reverse(IPS), {"q": mine.address})) == [mine.pk]

    def test_domain_admin_sees_its_subtree(self, api_client, domain_admin, tenant):
        inside = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
        mine = AllocatedIPFactory(account=inside.account)
        outside = AllocatedIPFactory(account=tenant.account)
        listed = ids(api_client(domain_admin).get(reverse(IPS)))
        assert mine.pk in listed and outside.pk not in listed

    def test_query_count_is_constant(self, api_client, root_admin, django_assert_max_num_queries):
        for _ in range(3):
            AllocatedIPFactory()
        with django_assert_max_num_queries(6):
            assert api_client(root_admin).get(reverse(IPS)).status_code == 200

    def test_list_is_read_only(self, api_client, root_admin):
        ip = AllocatedIPFactory()
        client = api_client(root_admin)
        assert client.post(reverse(IPS), {"address": "1.2.3.4"}).status_code == 405
        url = reverse("api:ipaddress-detail", kwargs={"pk": ip.pk})
        assert client.patch(url, {"state": "Free"}).status_code == 405
        assert client.delete(url).status_code == 405


class TestAllocateReleaseAPI:
    def test_allocate_until_exhausted_then_release(self, api_client, tenant):
        ip_range = PublicIpRangeFactory(size=3)
        client = api_client(tenant)
        url = reverse("api:ipaddress-allocate")
        got = []
        for _ in range(3):
            response = client.post(url, {"zone": ip_range.zone_id}, format="json")
            assert response.status_code == 201, response.content
            assert response.data["state"] == "Allocated"
            assert response.data["account"]["id"] == tenant.account.pk
            got.append(response.data["id"])
        response = client.post(url, {"zone": ip_range.zone_id}, format="json")
        assert response.status_code == 409
        assert response.data["error_code"] == 533
        assert "No free public IP" in response.data["detail"]
        response = client.post(reverse("api:ipaddress-release", kwargs={"pk": got[0]}))
        assert response.status_code == 200, response.content
        assert response.data["state"] == "Free"
        response = client.post(url, {"zone": ip_range.zone_id}, format="json")
        assert response.status_code == 201 and response.data["id"] == got[0]

    def test_allocate_for_a_network(self, api_client, tenant):
        network = NetworkFactory(account=tenant.account)
        PublicIpRangeFactory(zone=network.zone)
        response = api_client(tenant).post(
            reverse("api:ipaddress-allocate"),
            {"zone": network.zone_id, "network": network.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.data["network"]["id"] == network.pk

    def test_unknown_or_foreign_references_are_400(self, api_client, tenant, other_tenant):
        ip_range = PublicIpRangeFactory(size=3)
        theirs = NetworkFactory(account=other_tenant.account, zone=ip_range.zone)
        client = api_client(tenant)
        url = reverse("api:ipaddress-allocate")
        for data, field in [
            ({}, "zone"),
            ({"zone": 999999}, "zone"),
            ({"zone": ip_range.zone_id, "network": theirs.pk}, "network"),
            ({"zone": ip_range.zone_id, "account": other_tenant.account.pk}, "account"),
        ]:
            response = client.post(url, data, format="json")
            assert response.status_code == 400, (data, response.content)
            assert field in response.data
        assert not IPAddress.objects.exclude(state="Free").exists()

    def test_cannot_release_another_tenants_ip(self, api_client, tenant, other_tenant):
        theirs = AllocatedIPFactory(account=other_tenant.account)
        response = api_client(tenant).post(
            reverse("api:ipaddress-release", kwargs={"pk": theirs.pk})
        )
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.state == "Allocated"

    def test_admin_allocates_for_an_account(self, api_client, root_admin, tenant):
        ip_range = PublicIpRangeFactory(size=1)
        response = api_client(root_admin).post(
            reverse("api:ipaddress-allocate"),
            {"zone": ip_range.zone_id, "account": tenant.account.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert IPAddress.objects.get(pk=response.data["id"]).account == tenant.account

    def test_limit_exceeded_is_a_400(self, api_client, tenant):
        from portal.models import ResourceLimit

        ip_range = PublicIpRangeFactory(size=3)
        ResourceLimit.objects.create(account=tenant.account, resource_type="public_ip", max=0)
        response = api_client(tenant).post(
            reverse("api:ipaddress-allocate"), {"zone": ip_range.zone_id}, format="json"
        )
        assert response.status_code == 400
        assert not ip_range.addresses.exclude(state="Free").exists()


class TestNicList:
    def test_tenant_scoped_through_the_instance(self, api_client, tenant, other_tenant):
        mine = NicFactory(instance__account=tenant.account)
        theirs = NicFactory(instance__account=other_tenant.account)
        client = api_client(tenant)
        assert ids(client.get(reverse("api:nic-list"))) == [mine.pk]
        detail = reverse("api:nic-detail", kwargs={"pk": theirs.pk})
        assert client.get(detail).status_code == 404

    def test_filters(self, api_client, root_admin):
        nic = NicFactory()
        NicFactory()
        client = api_client(root_admin)
        url = reverse("api:nic-list")
        assert ids(client.get(url, {"instance": nic.instance_id})) == [nic.pk]
        assert ids(client.get(url, {"network": nic.network_id})) == [nic.pk]
        assert ids(client.get(url, {"mac_address": nic.mac_address})) == [nic.pk]
        assert nic.pk in ids(client.get(url, {"ip_address": nic.ip_address}))

    def test_query_count_is_constant(self, api_client, tenant, django_assert_max_num_queries):
        for _ in range(3):
            NicFactory(instance__account=tenant.account)
        with django_assert_max_num_queries(6):
            assert api_client(tenant).get(reverse("api:nic-list")).status_code == 200


class TestGuestVlanList:
    def test_admin_sees_pool_tenant_sees_own(self, api_client, root_admin, tenant, other_tenant):
        physnet = GuestPhysicalNetworkFactory(vlan_range="100-104")
        mine = NetworkFactory(account=tenant.account, zone=physnet.zone, physical_network=physnet)
        theirs = NetworkFactory(
            account=other_tenant.account, zone=physnet.zone, physical_network=physnet
        )
        my_vlan, _ = allocate_guest_vlan(mine), allocate_guest_vlan(theirs)
        url = reverse("api:guestvlan-list")
        assert len(ids(api_client(root_admin).get(url, {"physical_network": physnet.pk}))) == 5
        assert ids(api_client(tenant).get(url)) == [my_vlan.pk]
        in_use = api_client(root_admin).get(url, {"physical_network": physnet.pk, "in_use": True})
        assert len(ids(in_use)) == 2
