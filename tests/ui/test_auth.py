"""Login with lockout and throttling, the TOTP second step, logout, profile security."""

import pyotp
import pytest
from django.test import Client

from portal.models import ApiKeyPair, Event, RecoveryCode, TOTPDevice

PASSWORD = "Secret-pass-1"


def post_login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


@pytest.mark.django_db
def test_login_and_logout_end_the_session(client, tenant):
    response = post_login(client, tenant.username, next="/compute/instances/")
    assert response.status_code == 302 and response["Location"] == "/compute/instances/"
    assert client.get("/compute/instances/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # POST only
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/compute/instances/").status_code == 302
    assert Event.objects.filter(event_type="USER.LOGIN", user=tenant).exists()


@pytest.mark.django_db
def test_login_refuses_an_offsite_next(client, tenant):
    response = post_login(client, tenant.username, next="https://evil.example/")
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_five_failures_lock_the_user(client, tenant):
    for _ in range(5):
        response = post_login(client, tenant.username, "wrong-password")
        assert response.status_code == 400
        assert "Invalid username or password" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.state == "locked" and tenant.failed_logins == 5
    response = post_login(client, tenant.username)  # the right password no longer works
    assert response.status_code == 400
    assert Event.objects.filter(event_type="USER.LOCK").count() == 1


@pytest.mark.django_db
def test_success_resets_the_failure_count(client, tenant):
    for _ in range(3):
        post_login(client, tenant.username, "wrong-password")
    assert post_login(client, tenant.username).status_code == 302
    tenant.refresh_from_db()
    assert tenant.failed_logins == 0 and tenant.state == "enabled"


@pytest.mark.django_db
def test_throttle_checks_before_hashing(client, tenant, monkeypatch):
    from portal.auth import throttle

    for _ in range(throttle.MAX_PER_USERNAME):
        post_login(client, "nobody-here", "x")
    calls = []
    monkeypatch.setattr("portal.auth.views.authenticate", lambda *a, **k: calls.append(1))
    response = post_login(client, "nobody-here", "x")
    assert response.status_code == 429 and calls == []
    assert "Too many failed attempts" in response.content.decode()


@pytest.mark.django_db
def test_throttle_per_ip_covers_many_usernames(client, defaults):
    from portal.auth import throttle

    for i in range(throttle.MAX_PER_IP):
        post_login(client, f"guess{i}", "x")
    assert post_login(client, "another", "x").status_code == 429


def enable_totp(client, user):
    client.force_login(user)
    page = client.get("/profile/2fa/").content.decode()
    assert "<svg" in page  # the QR code
    device = TOTPDevice.objects.get(user=user)
    assert device.secret in page and not device.confirmed
    response = client.post("/profile/2fa/", {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    return device, response


@pytest.mark.django_db
def test_totp_enrollment_shows_recovery_codes_once(client, tenant):
    device, response = enable_totp(client, tenant)
    body = response.content.decode()
    assert "Recovery codes" in body and RecoveryCode.objects.filter(user=tenant).count() == 10
    # the secret is stored encrypted
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM portal_totpdevice WHERE id = %s", [device.pk])
        assert cursor.fetchone()[0] != device.secret


@pytest.mark.django_db
def test_login_with_totp_needs_a_valid_code(tenant):
    device, _ = enable_totp(Client(), tenant)
    device.last_used_step = None
    device.save()
    client = Client()
    response = post_login(client, tenant.username)
    assert response["Location"] == "/accounts/login/2fa/"
    assert client.get("/compute/instances/").status_code == 302  # not logged in yet
    assert client.post("/accounts/login/2fa/", {"code": "000000"}).status_code == 400
    code = pyotp.TOTP(device.secret).now()
    response = client.post("/accounts/login/2fa/", {"code": code})
    assert response.status_code == 302
    assert client.get("/compute/instances/").status_code == 200
    # the same code cannot be replayed
    other = Client()
    post_login(other, tenant.username)
    assert other.post("/accounts/login/2fa/", {"code": code}).status_code == 400


@pytest.mark.django_db
def test_login_with_a_recovery_code_once(tenant):
    from portal.auth import mfa

    enable_totp(Client(), tenant)
    codes = mfa.new_recovery_codes(tenant)
    client = Client()
    post_login(client, tenant.username)
    assert client.post("/accounts/login/2fa/", {"code": codes[0]}).status_code == 302
    client = Client()
    post_login(client, tenant.username)
    assert client.post("/accounts/login/2fa/", {"code": codes[0]}).status_code == 400


@pytest.mark.django_db
def test_2fa_step_without_password_goes_back_to_login(client, defaults):
    assert client.get("/accounts/login/2fa/")["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_api_key_secret_is_shown_once_and_revocable(login, tenant):
    client = login(tenant)
    body = client.post("/profile/apikeys/", {"name": "ci"}).content.decode()
    pair = ApiKeyPair.objects.get(user=tenant)
    assert pair.secret_key in body and pair.api_key in body
    assert pair.secret_key not in client.get("/profile/").content.decode()
    client.post(f"/profile/apikeys/{pair.pk}/revoke/")
    pair.refresh_from_db()
    assert pair.revoked


@pytest.mark.django_db
def test_cannot_revoke_someone_elses_key(login, tenant, other_tenant):
    from portal.services.apikeys import create_api_key

    theirs = create_api_key(acting_user=other_tenant)
    assert login(tenant).post(f"/profile/apikeys/{theirs.pk}/revoke/").status_code == 404


@pytest.mark.django_db
def test_password_change_checks_the_old_password(login, tenant):
    client = login(tenant)
    data = {
        "old_password": "nope",
        "new_password": "An0ther-pass!",
        "new_password2": "An0ther-pass!",
    }
    body = client.post("/profile/password/", data).content.decode()
    assert "current password is wrong" in body
    data["old_password"] = PASSWORD
    assert client.post("/profile/password/", data).status_code == 302
    tenant.refresh_from_db()
    assert tenant.check_password("An0ther-pass!")
    assert client.get("/profile/").status_code == 200  # the session survived
