import pytest
from django.contrib import admin
from django.urls import reverse

from portal.models import (
    Account,
    ApiKeyPair,
    AsyncJob,
    Domain,
    Event,
    Project,
    ResourceLimit,
    Role,
    User,
)
from tests.factories import UserFactory
from tests.tenancy.factories import ApiKeyPairFactory, ProjectFactory, ResourceLimitFactory

MODELS = [Domain, Account, User, Project, Role, ApiKeyPair, ResourceLimit, AsyncJob, Event]


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("boss", "boss@example.test", "Boss-pass-123")
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_search(superuser_client, model):
    tenant = UserFactory()
    ApiKeyPairFactory(user=tenant)
    ProjectFactory(account=tenant.account)
    ResourceLimitFactory(account=tenant.account)
    AsyncJob.objects.create(command="deployVirtualMachine", account=tenant.account)
    Event.objects.create(event_type="VM.CREATE", account=tenant.account)
    assert model in admin.site._registry
    url = reverse(f"admin:portal_{model._meta.model_name}_changelist")
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.django_db
def test_api_secret_is_never_shown(superuser_client):
    pair = ApiKeyPairFactory()
    for url in (
        reverse("admin:portal_apikeypair_changelist"),
        reverse("admin:portal_apikeypair_change", args=[pair.pk]),
    ):
        response = superuser_client.get(url)
        assert response.status_code == 200
        assert pair.secret_key not in response.content.decode()


@pytest.mark.django_db
def test_revoke_action_goes_through_the_service(superuser_client):
    pair = ApiKeyPairFactory()
    response = superuser_client.post(
        reverse("admin:portal_apikeypair_changelist"),
        {"action": "revoke", "_selected_action": [pair.pk]},
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.revoked
    assert Event.objects.filter(event_type="USER.KEY.REVOKE").exists()


@pytest.mark.django_db
def test_default_role_cannot_be_deleted_in_admin(superuser_client):
    role = Role.objects.get(name="User")
    response = superuser_client.get(reverse("admin:portal_role_delete", args=[role.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_change_pages_render(superuser_client):
    tenant = UserFactory()
    objects = [
        tenant,
        tenant.account,
        tenant.account.domain,
        ProjectFactory(account=tenant.account),
        Role.objects.get(name="User"),
        ResourceLimitFactory(account=tenant.account),
    ]
    for obj in objects:
        url = reverse(f"admin:portal_{obj._meta.model_name}_change", args=[obj.pk])
        assert superuser_client.get(url).status_code == 200, url
    assert superuser_client.get(reverse("admin:portal_user_add")).status_code == 200
