import pytest
from django.urls import reverse

from networking.models import IPAddress, PublicIpRange
from portal.models import Event, ResourceLimit
from portal.services.limits import ResourceLimitExceeded, account_usage, check_limit
from tests.api_base import TenantAPITests
from tests.factories import (
    AccountFactory,
    InstanceFactory,
    NetworkFactory,
    PhysicalNetworkFactory,
    UserFactory,
    VolumeFactory,
    root_domain,
)
from tests.tenancy.factories import ResourceLimitFactory, child_domain
from tests.tenancy.mixins import AdminCreatesMixin

GIB = 1024**3


def public_ip(account, address, state="Allocated"):
    physnet = PhysicalNetworkFactory()
    ip_range = PublicIpRange.objects.create(
        zone=physnet.zone,
        physical_network=physnet,
        gateway="203.0.113.1",
        netmask="255.255.255.0",
        start_ip="203.0.113.10",
        end_ip="203.0.113.20",
    )
    return IPAddress.objects.create(
        address=address, ip_range=ip_range, zone=physnet.zone, account=account, state=state
    )


class TestResourceLimitAPI(AdminCreatesMixin, TenantAPITests):
    basename = "resourcelimit"
    factory = ResourceLimitFactory

    def create_data(self, owner):
        return {"resource_type": "cpu", "account": owner.account.pk, "max": 8}

    def update_data(self):
        return {"max": 20}

    def invalid_data(self, owner):
        account = AccountFactory()
        base = {"resource_type": "cpu", "account": account.pk, "max": 8}
        return [
            ({**base, "max": -2}, "max"),
            ({**base, "resource_type": "unicorns"}, "resource_type"),
            ({**base, "account": 999999}, "account"),
            ({"resource_type": "cpu", "max": 1}, "account"),
            ({**base, "domain": account.domain_id}, "account"),
        ]


@pytest.mark.django_db
class TestResourceLimitScopes:
    url = staticmethod(lambda: reverse("api:resourcelimit-list"))

    def detail(self, limit):
        return reverse("api:resourcelimit-detail", kwargs={"pk": limit.pk})

    def test_set_is_an_upsert_with_event(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        data = {"resource_type": "user_vm", "account": tenant.account.pk, "max": 5}
        response = client.post(self.url(), data)
        assert response.status_code == 201, response.content
        response = client.post(self.url(), {**data, "max": 7})
        assert response.status_code == 200, response.content
        limit = ResourceLimit.objects.get(account=tenant.account, resource_type="user_vm")
        assert limit.max == 7
        assert Event.objects.filter(event_type="RESOURCE.LIMIT.UPDATE").count() == 2

    def test_tenant_sees_own_and_its_domains_limits(self, api_client, tenant, other_tenant):
        own = ResourceLimitFactory(account=tenant.account)
        domain = ResourceLimitFactory(account=None, domain=tenant.account.domain)
        root = ResourceLimitFactory(account=None, domain=root_domain())
        other = ResourceLimitFactory(account=None, domain=other_tenant.account.domain)
        client = api_client(tenant)
        ids = {r["id"] for r in client.get(self.url()).data["results"]}
        assert ids == {own.pk, domain.pk, root.pk}
        assert client.patch(self.detail(own), {"max": 100}).status_code == 404
        assert client.get(self.detail(other)).status_code == 404

    def test_domain_admin_sets_limits_below_not_its_own(self, api_client, domain_admin):
        own_domain = domain_admin.account.domain
        sub = child_domain(own_domain)
        inside = AccountFactory(domain=sub)
        client = api_client(domain_admin)
        response = client.post(self.url(), {"resource_type": "cpu", "account": inside.pk, "max": 4})
        assert response.status_code == 201, response.content
        response = client.post(self.url(), {"resource_type": "cpu", "domain": sub.pk, "max": 8})
        assert response.status_code == 201, response.content
        response = client.post(
            self.url(), {"resource_type": "cpu", "domain": own_domain.pk, "max": 99}
        )
        assert response.status_code == 403
        response = client.post(
            self.url(),
            {"resource_type": "cpu", "account": domain_admin.account.pk, "max": 99},
        )
        assert response.status_code == 403
        outside = AccountFactory()
        response = client.post(
            self.url(), {"resource_type": "cpu", "account": outside.pk, "max": 1}
        )
        assert response.status_code == 400 and "account" in response.data

    def test_delete_makes_it_unlimited(self, api_client, root_admin, tenant):
        limit = ResourceLimitFactory(account=tenant.account)
        assert api_client(root_admin).delete(self.detail(limit)).status_code == 204
        assert not ResourceLimit.objects.filter(pk=limit.pk).exists()
        assert Event.objects.filter(event_type="RESOURCE.LIMIT.DELETE").exists()


@pytest.mark.django_db
class TestUsage:
    def test_counts_live_resources_only(self):
        account = AccountFactory()
        InstanceFactory(account=account, cpu_number=2, memory=2048)
        InstanceFactory(account=account, cpu_number=4, memory=1024, state="Running")
        InstanceFactory(account=account, cpu_number=8, memory=8192, state="Destroyed")
        InstanceFactory(account=account, cpu_number=8, memory=8192, state="Expunged")
        InstanceFactory(account=AccountFactory(), cpu_number=16, memory=1)
        VolumeFactory(account=account, size=10 * GIB)
        VolumeFactory(account=account, size=GIB // 2, state="Ready")
        VolumeFactory(account=account, size=50 * GIB, state="Destroy")
        NetworkFactory(account=account)
        NetworkFactory(account=account, state="Destroy")
        public_ip(account, "203.0.113.11")
        usage = account_usage(account)
        assert usage["user_vm"] == 2
        assert usage["cpu"] == 6
        assert usage["memory"] == 3072
        assert usage["volume"] == 2
        assert usage["primary_storage"] == 11  # 10.5 GiB rounded up
        assert usage["network"] == 1
        assert usage["public_ip"] == 1

    def test_removed_rows_do_not_count(self):
        from django.utils import timezone

        account = AccountFactory()
        InstanceFactory(account=account, removed=timezone.now())
        assert account_usage(account)["user_vm"] == 0


@pytest.mark.django_db
class TestCheckLimit:
    def test_unlimited_by_default(self):
        account = AccountFactory()
        InstanceFactory(account=account)
        check_limit(account, "user_vm", 100)

    def test_account_limit(self):
        account = AccountFactory()
        ResourceLimitFactory(account=account, resource_type="cpu", max=4)
        InstanceFactory(account=account, cpu_number=2)
        check_limit(account, "cpu", 2)
        with pytest.raises(ResourceLimitExceeded) as info:
            check_limit(account, "cpu", 3)
        assert info.value.error_code == 535
        assert (info.value.limit, info.value.used, info.value.requested) == (4, 2, 3)
        assert info.value.owner == account
        assert "cpu" in info.value.messages[0]

    def test_ancestor_domain_limit_counts_the_whole_subtree(self):
        top = child_domain(root_domain())
        sub = child_domain(top)
        a, b = AccountFactory(domain=top), AccountFactory(domain=sub)
        ResourceLimitFactory(account=None, domain=top, resource_type="user_vm", max=2)
        ResourceLimitFactory(account=None, domain=sub, resource_type="user_vm", max=-1)
        InstanceFactory(account=a)
        check_limit(b, "user_vm", 1)
        InstanceFactory(account=b)
        with pytest.raises(ResourceLimitExceeded) as info:
            check_limit(b, "user_vm", 1)
        assert info.value.owner == top

    def test_root_domain_limit_applies_to_everyone(self):
        account = AccountFactory()
        ResourceLimitFactory(account=None, domain=root_domain(), resource_type="network", max=0)
        with pytest.raises(ResourceLimitExceeded):
            check_limit(account, "network", 1)

    def test_root_admin_account_is_never_limited(self, root_admin):
        ResourceLimitFactory(account=root_admin.account, resource_type="user_vm", max=0)
        check_limit(root_admin.account, "user_vm", 5)

    def test_inside_the_allocating_transaction(self):
        from django.db import transaction

        account = AccountFactory()
        ResourceLimitFactory(account=account, resource_type="volume", max=1)
        with transaction.atomic():
            check_limit(account, "volume", 1)
            VolumeFactory(account=account)
            with pytest.raises(ResourceLimitExceeded):
                check_limit(account, "volume", 1)

    def test_is_a_validation_error_for_the_api(self):
        from django.core.exceptions import ValidationError

        assert issubclass(ResourceLimitExceeded, ValidationError)


@pytest.mark.django_db
def test_usage_endpoint_for_domain_admin(api_client, domain_admin):
    inside = AccountFactory(domain=domain_admin.account.domain)
    UserFactory(account=inside)
    ResourceLimitFactory(account=inside, resource_type="user_vm", max=3)
    InstanceFactory(account=inside)
    url = reverse("api:account-usage", kwargs={"pk": inside.pk})
    response = api_client(domain_admin).get(url)
    assert response.status_code == 200, response.content
    assert response.data["usage"]["user_vm"] == 1
    assert response.data["limits"]["user_vm"] == 3
