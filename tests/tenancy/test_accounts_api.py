import pytest
from django.urls import reverse

from portal.models import Account, Event, Role, User
from portal.services.configuration import update_configuration
from tests.api_base import TenantAPITests
from tests.factories import AccountFactory, InstanceFactory, UserFactory, root_domain
from tests.tenancy.factories import child_domain
from tests.tenancy.mixins import AdminCreatesMixin


class TestAccountAPI(AdminCreatesMixin, TenantAPITests):
    basename = "account"
    factory = AccountFactory

    def make(self, owner=None, **kwargs):
        return owner.account

    def create_data(self, owner):
        return {
            "name": "acme-ops",
            "domain": child_domain(root_domain()).pk,
            "account_type": 0,
            "role": Role.objects.get(name="User").pk,
        }

    def update_data(self):
        return {"network_domain": "ops.acme.test"}

    def invalid_data(self, owner):
        base = self.create_data(owner)
        AccountFactory(name="taken", domain_id=base["domain"])
        # upstream's default policy accepts any password: tighten it globally
        update_configuration("password.policy.minimum.length", "8", acting_user=None)
        return [
            ({**base, "name": "taken"}, "name"),
            ({**base, "role": Role.objects.get(name="Root Admin").pk}, "role"),
            ({**base, "account_type": 2}, "role"),
            ({**base, "account_type": 9}, "account_type"),
            ({**base, "domain": 999999}, "domain"),
            ({**base, "role": 999999}, "role"),
            ({**base, "username": "first"}, "password"),
            ({**base, "username": "first", "password": "123"}, "password"),
        ]


@pytest.mark.django_db
class TestAccountLifecycle:
    def url(self, account=None, verb=None):
        if account is None:
            return reverse("api:account-list")
        if verb:
            return reverse(f"api:account-{verb}", kwargs={"pk": account.pk})
        return reverse("api:account-detail", kwargs={"pk": account.pk})

    def test_create_with_first_user(self, api_client, root_admin):
        domain = child_domain(root_domain())
        response = api_client(root_admin).post(
            self.url(),
            {
                "name": "acme",
                "domain": domain.pk,
                "account_type": 0,
                "username": "alice",
                "password": "Correct-horse-42",
                "email": "alice@example.test",
            },
        )
        assert response.status_code == 201, response.content
        assert "password" not in response.data and "username" not in response.data
        account = Account.objects.get(pk=response.data["id"])
        assert account.role.name == "User"  # the default role of the type
        alice = User.objects.get(username="alice")
        assert alice.account == account and alice.check_password("Correct-horse-42")
        assert {"ACCOUNT.CREATE", "USER.CREATE"} <= set(
            Event.objects.values_list("event_type", flat=True)
        )

    def test_first_user_with_taken_username_writes_nothing(self, api_client, root_admin):
        UserFactory(username="bob")
        domain = child_domain(root_domain())
        response = api_client(root_admin).post(
            self.url(),
            {"name": "acme", "domain": domain.pk, "username": "bob", "password": "Correct-42-x"},
        )
        assert response.status_code == 400 and "username" in response.data
        assert not Account.objects.filter(name="acme").exists()

    def test_enable_disable_lock_answer_with_the_account(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        account = tenant.account
        for verb, state, event in [
            ("disable", "disabled", "ACCOUNT.DISABLE"),
            ("lock", "locked", "ACCOUNT.LOCK"),
            ("enable", "enabled", "ACCOUNT.ENABLE"),
        ]:
            response = client.post(self.url(account, verb))
            assert response.status_code == 200, response.content
            assert response.data["state"] == state and response.data["id"] == account.pk
            account.refresh_from_db()
            assert account.state == state
            assert Event.objects.filter(event_type=event, resource_id=str(account.uuid)).exists()

    def test_tenant_cannot_disable_accounts(self, api_client, tenant, other_tenant):
        client = api_client(tenant)
        assert client.post(self.url(tenant.account, "disable")).status_code == 403
        assert client.post(self.url(other_tenant.account, "disable")).status_code == 403
        tenant.account.refresh_from_db()
        assert tenant.account.state == "enabled"

    def test_admin_cannot_disable_own_account(self, api_client, root_admin):
        response = api_client(root_admin).post(self.url(root_admin.account, "disable"))
        assert response.status_code == 400

    def test_delete_refuses_while_it_owns_resources(self, api_client, root_admin):
        instance = InstanceFactory()
        account = instance.account
        UserFactory(account=account)
        client = api_client(root_admin)
        response = client.delete(self.url(account))
        assert response.status_code == 400, response.content
        assert "instances" in str(response.data)
        assert Account.objects.filter(pk=account.pk).exists()
        instance.delete()
        assert client.delete(self.url(account)).status_code == 204
        assert not Account.objects.filter(pk=account.pk).exists()
        assert not User.objects.filter(account_id=account.pk).exists()
        assert Event.objects.filter(event_type="ACCOUNT.DELETE").exists()

    def test_change_role_must_match_type(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        admin_role = Role.objects.get(name="Root Admin")
        response = client.patch(self.url(tenant.account), {"role": admin_role.pk})
        assert response.status_code == 400 and "role" in response.data
        ro = Role.objects.get(name="Read-Only User - Default")
        response = client.patch(self.url(tenant.account), {"role": ro.pk})
        assert response.status_code == 200, response.content
        tenant.account.refresh_from_db()
        assert tenant.account.role == ro

    def test_domain_admin_creates_in_subtree_only(self, api_client, domain_admin, tenant):
        client = api_client(domain_admin)
        own = domain_admin.account.domain
        sub = child_domain(own)
        response = client.post(self.url(), {"name": "inner", "domain": sub.pk})
        assert response.status_code == 201, response.content
        response = client.post(self.url(), {"name": "x", "domain": tenant.account.domain_id})
        assert response.status_code == 400 and "domain" in response.data
        response = client.post(
            self.url(),
            {"name": "boss", "domain": sub.pk, "account_type": 1},
        )
        assert response.status_code == 400 and "account_type" in response.data
        assert client.post(self.url(tenant.account, "disable")).status_code == 404

    def test_usage(self, api_client, tenant, other_tenant):
        InstanceFactory(account=tenant.account, cpu_number=2, memory=1024)
        client = api_client(tenant)
        response = client.get(self.url(tenant.account, "usage"))
        assert response.status_code == 200, response.content
        assert response.data["usage"]["user_vm"] == 1
        assert response.data["usage"]["cpu"] == 2
        assert response.data["limits"]["user_vm"] == -1
        assert client.get(self.url(other_tenant.account, "usage")).status_code == 404


@pytest.mark.django_db
def test_domain_admin_cannot_touch_admin_accounts_in_its_subtree(api_client, domain_admin):
    admin_account = AccountFactory(
        domain=domain_admin.account.domain,
        account_type=1,
        role=Role.objects.get(name="Root Admin"),
    )
    admin_user = UserFactory(account=admin_account)
    client = api_client(domain_admin)
    disable = reverse("api:account-disable", kwargs={"pk": admin_account.pk})
    assert client.post(disable).status_code == 403
    reset = reverse("api:user-password", kwargs={"pk": admin_user.pk})
    assert client.post(reset, {"new_password": "Correct-horse-42"}).status_code == 403
    admin_account.refresh_from_db()
    assert admin_account.state == "enabled"
