"""Project-wide pytest fixtures for Django tests: users of each kind and API clients.

Imports of Django code happen inside fixtures, so Django-free suites (tests/agents) can run
with ``-p no:django``.
"""

import pytest


def pytest_configure(config):
    """Fast password hashing in tests (production keeps Django's PBKDF2 default)."""
    if not config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings

    if settings.configured:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_configuration_cache(request):
    """Cached configuration values do not outlive the test (its rows are rolled back)."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.conf import settings

        if settings.configured:
            from portal.services.configuration import forget_cached_values

            forget_cached_values()
    yield


@pytest.fixture
def defaults(db):
    """The rows data migrations create (roles, ROOT domain, offerings). Transactional tests
    flush the database, so fixtures re-create them idempotently."""
    from django.apps import apps

    from compute.defaults import create_defaults as compute_defaults
    from networking.defaults import create_defaults as networking_defaults
    from portal.defaults import create_defaults as portal_defaults
    from storage.defaults import create_defaults as storage_defaults

    for create in (portal_defaults, compute_defaults, storage_defaults, networking_defaults):
        create(apps)


@pytest.fixture
def root_admin(defaults):
    """The root admin user of the ROOT domain's ``admin`` account."""
    from django.contrib.auth import get_user_model

    from portal.models import Account

    user = get_user_model().objects.create_user(
        "rootadmin",
        "root@example.test",
        "Secret-pass-1",
        account=Account.objects.get(name="admin", domain__parent=None),
    )
    return user


@pytest.fixture
def tenant(defaults):
    """A user in its own account in its own domain (a plain tenant)."""
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_tenant(defaults):
    """A second tenant, in another domain, who must never see the first one's objects."""
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def domain_admin(defaults):
    """A domain admin of a fresh domain."""
    from portal.models import Role
    from tests.factories import AccountFactory, UserFactory

    account = AccountFactory(account_type=2, role=Role.objects.get(name="Domain Admin"))
    return UserFactory(account=account)


@pytest.fixture
def api_client():
    """A DRF client factory: ``api_client(user)`` is logged in as ``user``."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
