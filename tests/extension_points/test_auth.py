"""``auth.authenticate`` (portal login and CloudStack ``login``) and ``auth.2fa.check``
(the TOTP step), with the sample static-list authenticator and the built-in TOTP provider."""

import hashlib

import pyotp
import pytest
from django.test import Client

from marketplace import hooks
from portal.auth.hooks import totp_provider
from portal.models import TOTPDevice

pytestmark = pytest.mark.django_db

PLUGIN_PASSWORD = "plugin-only-password"


def digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def portal_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def cloudstack_login(client, username, password, **extra):
    return client.post(
        "/client/api",
        {"command": "login", "username": username, "password": password, "response": "json"}
        | extra,
    )


@pytest.fixture
def static_auth(sample_plugin, tenant):
    return sample_plugin("auth_plugin", users={tenant.username: digest(PLUGIN_PASSWORD)})


def test_plugin_authenticator_logs_a_user_in_on_the_portal(static_auth, tenant):
    client = Client()
    response = portal_login(client, tenant.username, PLUGIN_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == tenant


def test_plugin_authenticator_refusal_is_final(static_auth, tenant):
    # False from the plugin refuses even the user's correct Django password.
    assert portal_login(Client(), tenant.username, "Secret-pass-1").status_code == 400


def test_unlisted_users_fall_through_to_django(static_auth, root_admin):
    assert portal_login(Client(), root_admin.username, "Secret-pass-1").status_code == 302


def test_disabled_plugins_authenticator_is_not_consulted(static_auth, tenant):
    static_auth.set_enabled(False)
    assert portal_login(Client(), tenant.username, PLUGIN_PASSWORD).status_code == 400
    # ... and the plugin's refusal no longer applies either
    assert portal_login(Client(), tenant.username, "Secret-pass-1").status_code == 302


def test_plugin_authenticator_on_cloudstack_login(static_auth, tenant):
    client = Client()
    domain = tenant.account.domain.path
    response = cloudstack_login(client, tenant.username, PLUGIN_PASSWORD, domain=domain)
    assert response.status_code == 200, response.content
    assert response.json()["loginresponse"]["username"] == tenant.username
    static_auth.set_enabled(False)
    response = cloudstack_login(Client(), tenant.username, PLUGIN_PASSWORD, domain=domain)
    assert response.status_code == 531


def test_the_domain_check_still_applies_to_plugin_users(static_auth, tenant):
    response = cloudstack_login(Client(), tenant.username, PLUGIN_PASSWORD, domain="/elsewhere/")
    assert response.status_code == 531


@pytest.fixture
def totp_user(root_admin):
    secret = pyotp.random_base32()
    device = TOTPDevice.objects.create(user=root_admin, secret=secret, confirmed=True)
    return root_admin, device


def second_step(client, user, password="Secret-pass-1"):
    response = portal_login(client, user.username, password)
    assert response["Location"] == "/accounts/login/2fa/"


def test_builtin_totp_is_registered_as_a_provider():
    assert totp_provider in hooks.get_hooks("auth.2fa.check")


def test_second_factor_provider_accepts_its_code(sample_plugin, totp_user):
    user, device = totp_user
    plugin = sample_plugin("auth_plugin", tokens={user.username: "token-4711"})
    client = Client()
    second_step(client, user)
    assert client.post("/accounts/login/2fa/", {"code": "token-4711"}).status_code == 302
    # the built-in TOTP provider still answers beside the plugin
    client = Client()
    second_step(client, user)
    code = pyotp.TOTP(device.secret).now()
    assert client.post("/accounts/login/2fa/", {"code": code}).status_code == 302
    # a disabled provider's code is refused
    plugin.set_enabled(False)
    client = Client()
    second_step(client, user)
    assert client.post("/accounts/login/2fa/", {"code": "token-4711"}).status_code == 400


def test_totp_step_goes_through_the_hook(totp_user):
    user, device = totp_user
    client = Client()
    second_step(client, user)
    hooks.unregister("auth.2fa.check", totp_provider)
    try:
        code = pyotp.TOTP(device.secret).now()
        assert client.post("/accounts/login/2fa/", {"code": code}).status_code == 400
    finally:
        hooks.register("auth.2fa.check", totp_provider, order=0)
