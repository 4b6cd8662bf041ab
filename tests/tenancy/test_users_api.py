import pytest
from django.urls import reverse

from portal.models import Event, User
from portal.services.configuration import update_configuration
from tests.api_base import TenantAPITests
from tests.factories import AccountFactory, UserFactory
from tests.tenancy.factories import child_domain
from tests.tenancy.mixins import AdminCreatesMixin

PASSWORD = "Correct-horse-42"


class TestUserAPI(AdminCreatesMixin, TenantAPITests):
    basename = "user"
    factory = UserFactory

    def create_data(self, owner):
        return {
            "username": "newbie",
            "password": PASSWORD,
            "email": "newbie@example.test",
            "account": owner.account.pk,
        }

    def update_data(self):
        return {"first_name": "Ada", "timezone": "Europe/Paris"}

    def invalid_data(self, owner):
        UserFactory(username="taken")
        for name, value in (  # a policy stricter than upstream's defaults (any password)
            ("password.policy.minimum.length", "8"),
            ("password.policy.minimum.digits", "1"),
            ("password.policy.allowPasswordToContainUsername", "false"),
        ):
            update_configuration(name, value, acting_user=None)
        base = self.create_data(owner)
        return [
            ({**base, "username": "taken"}, "username"),
            ({**base, "username": "bad name!"}, "username"),
            ({**base, "password": "123"}, "password"),
            ({**base, "password": "password"}, "password"),
            ({**base, "password": "newbie12"}, "password"),
            ({k: v for k, v in base.items() if k != "password"}, "password"),
            ({**base, "account": 999999}, "account"),
            ({**base, "email": "not-an-email"}, "email"),
        ]


@pytest.mark.django_db
class TestUserLifecycle:
    def url(self, user=None, verb=None):
        if user is None:
            return reverse("api:user-list")
        if verb:
            return reverse(f"api:user-{verb}", kwargs={"pk": user.pk})
        return reverse("api:user-detail", kwargs={"pk": user.pk})

    def test_create_hashes_password_and_never_returns_it(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        response = client.post(
            self.url(), {"username": "eve", "password": PASSWORD, "account": tenant.account.pk}
        )
        assert response.status_code == 201, response.content
        assert "password" not in response.data
        eve = User.objects.get(username="eve")
        assert eve.password != PASSWORD and eve.check_password(PASSWORD)
        assert "password" not in client.get(self.url(eve)).data
        assert Event.objects.filter(event_type="USER.CREATE").exists()

    def test_tenant_updates_itself_not_its_colleagues(self, api_client, tenant):
        colleague = UserFactory(account=tenant.account)
        client = api_client(tenant)
        response = client.patch(self.url(tenant), {"first_name": "Me"})
        assert response.status_code == 200, response.content
        assert Event.objects.filter(event_type="USER.UPDATE").exists()
        assert client.get(self.url(colleague)).status_code == 200
        assert client.patch(self.url(colleague), {"first_name": "You"}).status_code == 403
        assert client.delete(self.url(colleague)).status_code == 403
        assert client.post(self.url(colleague, "disable")).status_code == 403

    def test_password_is_not_changed_by_patch(self, api_client, tenant):
        response = api_client(tenant).patch(self.url(tenant), {"password": "Another-pass-99"})
        assert response.status_code == 400 and "password" in response.data
        tenant.refresh_from_db()
        assert tenant.check_password("Secret-pass-1")

    def test_change_own_password_needs_the_old_one(self, api_client, tenant):
        client = api_client(tenant)
        url = self.url(tenant, "password")
        response = client.post(url, {"old_password": "wrong", "new_password": PASSWORD})
        assert response.status_code == 400 and "old_password" in response.data
        update_configuration(  # upstream's default accepts any length: tighten it
            "password.policy.minimum.length",
            "8",
            scope="domain",
            obj=tenant.account.domain,
            acting_user=None,
        )
        response = client.post(url, {"old_password": "Secret-pass-1", "new_password": "123"})
        assert response.status_code == 400 and "new_password" in response.data
        assert "at least 8 characters" in str(response.data["new_password"])
        response = client.post(url, {"old_password": "Secret-pass-1", "new_password": PASSWORD})
        assert response.status_code == 200, response.content
        tenant.refresh_from_db()
        assert tenant.check_password(PASSWORD)

    def test_admin_resets_password_in_scope(self, api_client, domain_admin, tenant):
        inside = UserFactory(account=AccountFactory(domain=child_domain(domain_admin.domain)))
        client = api_client(domain_admin)
        response = client.post(self.url(inside, "password"), {"new_password": PASSWORD})
        assert response.status_code == 200, response.content
        inside.refresh_from_db()
        assert inside.check_password(PASSWORD)
        response = client.post(self.url(tenant, "password"), {"new_password": PASSWORD})
        assert response.status_code == 404

    def test_enable_disable(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        response = client.post(self.url(tenant, "disable"))
        assert response.status_code == 200 and response.data["state"] == "disabled"
        tenant.refresh_from_db()
        assert tenant.state == "disabled" and not tenant.is_active
        response = client.post(self.url(tenant, "enable"))
        assert response.status_code == 200 and response.data["state"] == "enabled"
        assert {"USER.DISABLE", "USER.ENABLE"} <= set(
            Event.objects.values_list("event_type", flat=True)
        )
        assert client.post(self.url(root_admin, "disable")).status_code == 400

    def test_delete(self, api_client, root_admin, tenant):
        client = api_client(root_admin)
        assert client.delete(self.url(tenant)).status_code == 204
        assert not User.objects.filter(pk=tenant.pk).exists()
        assert Event.objects.filter(event_type="USER.DELETE").exists()
        assert client.delete(self.url(root_admin)).status_code == 400

    def test_domain_admin_cannot_create_user_outside(self, api_client, domain_admin, tenant):
        response = api_client(domain_admin).post(
            self.url(), {"username": "x", "password": PASSWORD, "account": tenant.account.pk}
        )
        assert response.status_code == 400 and "account" in response.data
        assert not User.objects.filter(username="x").exists()
