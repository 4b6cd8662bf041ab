import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import ApiKeyPair, Event
from tests.api_base import TenantAPITests
from tests.factories import AccountFactory, UserFactory
from tests.tenancy.factories import ApiKeyPairFactory


class TestApiKeyAPI(TenantAPITests):
    basename = "apikey"
    factory = ApiKeyPairFactory

    def make(self, owner=None, **kwargs):
        return self.factory(user=owner, **kwargs)

    def create_data(self, owner):
        return {"name": "ci"}

    def update_data(self):
        return {"name": "renamed"}

    def invalid_data(self, owner):
        return [
            ({"name": "x", "user": 999999}, "user"),
            ({"name": "x", "user": UserFactory().pk}, "user"),
            ({"name": "x" * 300}, "name"),
        ]


def token_client(api_key: str, secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}:{secret}")
    return client


@pytest.mark.django_db
class TestApiKeys:
    def url(self, pair=None, verb=None):
        if pair is None:
            return reverse("api:apikey-list")
        if verb:
            return reverse(f"api:apikey-{verb}", kwargs={"pk": pair.pk})
        return reverse("api:apikey-detail", kwargs={"pk": pair.pk})

    def create(self, api_client, actor, **data):
        response = api_client(actor).post(self.url(), {"name": "mine", **data})
        assert response.status_code == 201, response.content
        return response.data

    def test_secret_is_shown_once_and_encrypted_at_rest(self, api_client, tenant):
        data = self.create(api_client, tenant)
        secret = data["secret_key"]
        assert secret and data["api_key"]
        pair = ApiKeyPair.objects.get(pk=data["id"])
        assert pair.user == tenant and pair.secret_key == secret
        assert Event.objects.filter(event_type="REGISTER.USER.KEY").exists()
        client = api_client(tenant)
        assert "secret_key" not in client.get(self.url(pair)).data
        listed = client.get(self.url()).data["results"]
        assert listed and all("secret_key" not in item for item in listed)
        assert secret not in client.get(self.url()).content.decode()
        with connection.cursor() as cursor:
            table = ApiKeyPair._meta.db_table
            cursor.execute(f"SELECT secret_key FROM {table} WHERE id = %s", [pair.pk])  # noqa: S608
            (stored,) = cursor.fetchone()
        assert secret not in stored and stored.startswith("fernet:")

    def test_token_authenticates_and_revoked_or_wrong_is_refused(self, api_client, tenant):
        data = self.create(api_client, tenant)
        me = reverse("api:user-detail", kwargs={"pk": tenant.pk})
        response = token_client(data["api_key"], data["secret_key"]).get(me)
        assert response.status_code == 200, response.content
        assert response.data["username"] == tenant.username
        pair = ApiKeyPair.objects.get(pk=data["id"])
        assert pair.last_used is not None
        assert token_client(data["api_key"], "wrong").get(me).status_code in (401, 403)
        assert token_client("nope", data["secret_key"]).get(me).status_code in (401, 403)
        response = api_client(tenant).post(self.url(pair, "revoke"))
        assert response.status_code == 200 and response.data["revoked"] is True
        assert "secret_key" not in response.data
        assert Event.objects.filter(event_type="USER.KEY.REVOKE").exists()
        client = token_client(data["api_key"], data["secret_key"])
        assert client.get(me).status_code in (401, 403)
        assert api_client(tenant).post(self.url(pair, "revoke")).status_code == 400

    def test_list_shows_own_keys_only_for_users(self, api_client, tenant):
        colleague = UserFactory(account=tenant.account)
        mine, theirs = ApiKeyPairFactory(user=tenant), ApiKeyPairFactory(user=colleague)
        client = api_client(tenant)
        ids = [k["id"] for k in client.get(self.url()).data["results"]]
        assert ids == [mine.pk]
        assert client.get(self.url(theirs)).status_code == 404
        assert client.post(self.url(theirs, "revoke")).status_code == 404
        response = client.post(self.url(), {"name": "x", "user": colleague.pk})
        assert response.status_code == 403
        assert not ApiKeyPair.objects.filter(user=colleague, name="x").exists()

    def test_admin_creates_keys_for_users_in_scope(self, api_client, domain_admin, tenant):
        inside = UserFactory(account=AccountFactory(domain=domain_admin.domain))
        data = self.create(api_client, domain_admin, user=inside.pk)
        assert ApiKeyPair.objects.get(pk=data["id"]).user == inside
        response = api_client(domain_admin).post(self.url(), {"name": "x", "user": tenant.pk})
        assert response.status_code == 400 and "user" in response.data

    def test_disabled_user_key_is_refused(self, api_client, tenant, root_admin):
        data = self.create(api_client, tenant)
        me = reverse("api:user-detail", kwargs={"pk": tenant.pk})
        disable = reverse("api:user-disable", kwargs={"pk": tenant.pk})
        assert api_client(root_admin).post(disable).status_code == 200
        assert token_client(data["api_key"], data["secret_key"]).get(me).status_code in (401, 403)
