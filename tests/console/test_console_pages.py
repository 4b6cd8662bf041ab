"""The console pages: the Console action only on running instances, a fresh token per page
load (never the VNC password), Hyper-V and stopped instances say why, tenant isolation."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from compute.models import ConsoleSession

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_console_action_only_on_running_instances(console_vm, tenant):
    running, stopped = console_vm(None), console_vm(None, state="Stopped")
    client = _logged_in(tenant)
    page = client.get(f"/compute/instances/{running.pk}/").content.decode()
    assert f'href="/compute/instances/{running.pk}/console/"' in page
    page = client.get(f"/compute/instances/{stopped.pk}/").content.decode()
    assert "/console/" not in page


def test_console_page_carries_a_fresh_single_use_token(console_vm, tenant, settings):
    settings.CONSOLE_PROXY_URL = "ws://127.0.0.1:9999/console"
    instance = console_vm(None)
    instance.vnc_password = "pw-12345"
    instance.save(update_fields=["vnc_password"])
    client = _logged_in(tenant)
    tokens = []
    for _ in range(2):
        response = client.get(f"/compute/instances/{instance.pk}/console/")
        body = response.content.decode()
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert 'data-url="ws://127.0.0.1:9999/console"' in body
        assert "/static/compute/console.js" in body and "pw-12345" not in body
        tokens.append(re.search(r'data-token="([^"]+)"', body)[1])
    assert tokens[0] != tokens[1]
    sessions = ConsoleSession.objects.filter(instance=instance)
    assert sessions.count() == 2 and {s.user for s in sessions} == {tenant}
    assert client.get("/static/novnc/core/rfb.js").status_code == 200  # noVNC, local
    assert client.get("/static/compute/console.js").status_code == 200


def test_stopped_and_hyperv_instances_say_why(console_vm, tenant):
    client = _logged_in(tenant)
    stopped = console_vm(None, state="Stopped")
    body = client.get(f"/compute/instances/{stopped.pk}/console/").content.decode()
    assert "available while the instance is Running (it is Stopped)" in body
    assert "data-token" not in body
    hyperv = console_vm(None)
    hyperv.hypervisor = "Hyperv"
    hyperv.save(update_fields=["hypervisor"])
    body = client.get(f"/compute/instances/{hyperv.pk}/console/").content.decode()
    assert "Hyper-V has no VNC console" in body and f"-{hyperv.pk}-VM" in body
    assert "data-token" not in body and not ConsoleSession.objects.exists()


def test_other_tenants_console_is_404(console_vm, tenant, other_tenant):
    instance = console_vm(None)
    response = _logged_in(other_tenant).get(f"/compute/instances/{instance.pk}/console/")
    assert response.status_code == 404 and not ConsoleSession.objects.exists()
    anonymous = Client().get(f"/compute/instances/{instance.pk}/console/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_token_page_uses_the_token_it_is_given(defaults):
    body = Client().get("/compute/console/?token=abc&extra=x%22y").content.decode()
    assert 'data-token="abc"' in body and 'data-extra="x&quot;y"' in body
