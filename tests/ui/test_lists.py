"""Lists keep a constant query count; tenant self-service forms; tenancy administration."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking.models import Network, NetworkOffering
from portal.models import ResourceLimit


def make_instances(n, owner, cloud):
    from tests.factories import InstanceFactory

    for _ in range(n):
        instance = InstanceFactory(
            account=owner.account,
            domain=owner.account.domain,
            zone=cloud["zone"],
            template=cloud["template"],
            state="Starting",
        )
        instance.nics.create(
            network=network_for(owner, cloud),
            mac_address=f"02:00:00:00:{instance.pk // 256:02x}:{instance.pk % 256:02x}",
            ip_address=f"10.1.1.{instance.pk + 10}",
        )


def network_for(owner, cloud):
    existing = Network.objects.filter(account=owner.account).first()
    if existing:
        return existing
    from networking.services import create_network

    offering = NetworkOffering.objects.filter(guest_ip_type="Isolated", state="Enabled").first()
    return create_network(
        acting_user=owner, zone=cloud["zone"], network_offering=offering, name="net"
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/compute/instances/", "/storage/volumes/", "/networking/networks/"]
)
def test_tenant_lists_have_a_constant_query_count(login, tenant, cloud, url):
    client = login(tenant)
    make_instances(2, tenant, cloud)
    few = count_queries(client, url)
    make_instances(8, tenant, cloud)
    assert count_queries(client, url) == few


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/compute/hosts/", "/tenancy/accounts/", "/"])
def test_admin_lists_have_a_constant_query_count(login, root_admin, cloud, url):
    from tests.factories import AccountFactory, HostFactory

    client = login(root_admin)
    few = count_queries(client, url)
    for _ in range(10):
        HostFactory(cluster=cloud["cluster"])
        AccountFactory()
    assert count_queries(client, url) == few


@pytest.mark.django_db
def test_instance_search_by_ip_matches_the_api(login, tenant, cloud):
    make_instances(3, tenant, cloud)
    from compute.models import Instance

    target = Instance.objects.order_by("id").last()
    ip = target.nics.get().ip_address
    body = login(tenant).get(f"/compute/instances/?q={ip}").content.decode()
    assert target.name in body
    assert body.count('<tr id="instance-') == 1


@pytest.mark.django_db
def test_tenant_creates_a_network_with_field_errors_first(login, tenant, cloud):
    client = login(tenant)
    offering = NetworkOffering.objects.filter(guest_ip_type="Isolated", state="Enabled").first()
    data = {"name": "", "zone": cloud["zone"].pk, "network_offering": offering.pk}
    body = client.post("/networking/networks/add/", data).content.decode()
    assert "This field is required." in body and not Network.objects.exists()
    data["name"] = "backend"
    assert client.post("/networking/networks/add/", data).status_code == 302
    assert Network.objects.get(name="backend").account == tenant.account


@pytest.mark.django_db
def test_admin_sets_an_account_limit(login, root_admin, tenant):
    account = tenant.account
    client = login(root_admin)
    client.post(f"/tenancy/accounts/{account.pk}/", {"resource_type": "user_vm", "max": "3"})
    assert ResourceLimit.objects.get(account=account, resource_type="user_vm").max == 3
    response = client.post(
        f"/tenancy/accounts/{account.pk}/", {"resource_type": "user_vm", "max": "-5"}, follow=True
    )
    assert ResourceLimit.objects.get(account=account, resource_type="user_vm").max == 3
    assert 'data-level="error"' in response.content.decode()


@pytest.mark.django_db
def test_domain_admin_sees_only_its_subtree(login, domain_admin, tenant):
    body = login(domain_admin).get("/tenancy/accounts/").content.decode()
    assert domain_admin.account.name in body and tenant.account.name not in body
    assert login(domain_admin).get(f"/tenancy/accounts/{tenant.account.pk}/").status_code == 404
    assert login(domain_admin).get("/compute/hosts/").status_code == 403


@pytest.mark.django_db
def test_admin_unlocks_a_locked_user_with_a_bulk_action(login, root_admin, tenant):
    from portal.services.users import lock_user

    lock_user(tenant, acting_user=None)
    response = login(root_admin).post(
        "/tenancy/users/", {"action": "enable", "pk": [tenant.pk]}, follow=True
    )
    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.state == "enabled" and tenant.failed_logins == 0


@pytest.mark.django_db
def test_disable_2fa_needs_the_password(login, tenant):
    import pyotp

    from portal.auth import mfa
    from portal.models import TOTPDevice

    device = mfa.begin_enrollment(tenant)
    mfa.confirm_enrollment(device, pyotp.TOTP(device.secret).now())
    client = login(tenant)
    client.post("/profile/2fa/disable/", {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=tenant, confirmed=True).exists()
    client.post("/profile/2fa/disable/", {"password": "Secret-pass-1"})
    assert not TOTPDevice.objects.filter(user=tenant).exists()


@pytest.mark.django_db
def test_admin_edits_account_user_and_domain(login, root_admin, tenant):
    client = login(root_admin)
    account, domain = tenant.account, tenant.account.domain
    response = client.post(f"/tenancy/accounts/{account.pk}/edit/", {"name": "renamed"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "renamed"
    client.post(f"/tenancy/users/{tenant.pk}/edit/", {"email": "new@example.test"})
    tenant.refresh_from_db()
    assert tenant.email == "new@example.test"
    client.post(f"/tenancy/domains/{domain.pk}/edit/", {"name": "acme"})
    domain.refresh_from_db()
    assert domain.path == "/acme/"
    body = client.post(f"/tenancy/domains/{domain.parent_id}/edit/", {"name": "X"}).content
    assert b"ROOT domain cannot be renamed" in body  # the service's field error, shown


@pytest.mark.django_db
def test_tenant_cannot_edit_accounts(login, tenant, other_tenant):
    client = login(tenant)
    assert client.get(f"/tenancy/accounts/{other_tenant.account.pk}/edit/").status_code == 403
