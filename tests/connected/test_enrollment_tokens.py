"""Enrollment tokens: the service, the DRF endpoint and the management command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from compute.models import HostEnrollmentToken
from compute.services.enrollment import EnrollmentRefused, hash_token, register_connected_host
from portal.models import Event
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db


def token_list():
    return reverse("api:enrollmenttoken-list")


def test_root_admin_creates_a_token_shown_once(api_client, root_admin):
    cluster = ClusterFactory(hypervisor="KVM")
    client = api_client(root_admin)
    answer = client.post(token_list(), {"cluster": cluster.pk, "max_uses": 3}, format="json")
    assert answer.status_code == 201, answer.content
    token = answer.json()["token"]
    assert token.startswith("cpt_") and len(token) > 40
    command = answer.json()["connect_command"]
    assert command.endswith(f"--resource kvm --connect http://127.0.0.1:8260 --token {token}")
    row = HostEnrollmentToken.objects.get()
    assert (row.token_hash, row.max_uses, row.uses, row.created_by) == (
        hash_token(token), 3, 0, root_admin,
    )  # fmt: skip
    listed = client.get(token_list()).json()
    assert token not in str(listed) and token not in str(client.get(answer.json()["url"]).json())
    assert token not in str(list(Event.objects.values()))
    assert Event.objects.filter(event_type="HOST.ENROLLMENT.TOKEN.CREATE").exists()


def test_bad_input_is_a_400_with_field_errors(api_client, root_admin):
    client = api_client(root_admin)
    kvm = ClusterFactory(hypervisor="KVM")
    external = ClusterFactory(hypervisor="External")
    for data, field in [
        ({"cluster": kvm.pk, "max_uses": 0}, "max_uses"),
        ({"cluster": kvm.pk, "valid_hours": 100000}, "valid_hours"),
        ({"cluster": 999999}, "cluster"),
        ({}, "cluster"),
        ({"cluster": external.pk}, "cluster"),
    ]:
        answer = client.post(token_list(), data, format="json")
        assert answer.status_code == 400, (data, answer.content)
        assert field in answer.json(), answer.json()
    assert not HostEnrollmentToken.objects.exists()


def test_only_root_admins_see_or_make_tokens(api_client, tenant):
    cluster = ClusterFactory(hypervisor="KVM")
    client = api_client(tenant)
    assert client.get(token_list()).status_code == 403
    assert client.post(token_list(), {"cluster": cluster.pk}, format="json").status_code == 403


def test_revoked_token_cannot_register(api_client, root_admin):
    cluster = ClusterFactory(hypervisor="Simulator")
    client = api_client(root_admin)
    created = client.post(token_list(), {"cluster": cluster.pk}, format="json").json()
    assert client.delete(created["url"]).status_code == 204
    with pytest.raises(EnrollmentRefused) as err:
        register_connected_host(created["token"], {"hypervisor": "Simulator"}, "simulator")
    assert err.value.error == "token_unknown"


def test_management_command_prints_the_token(defaults):
    cluster = ClusterFactory(hypervisor="Simulator", name="edge")
    out = io.StringIO()
    call_command("create_enrollment_token", "--cluster", "edge", "--uses", "5", stdout=out)
    token = next(w for w in out.getvalue().split() if w.startswith("cpt_"))
    row = HostEnrollmentToken.objects.get(cluster=cluster)
    assert row.token_hash == hash_token(token) and row.max_uses == 5
    with pytest.raises(CommandError, match="No single cluster"):
        call_command("create_enrollment_token", "--cluster", "nope", stdout=out)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("create_enrollment_token", "--cluster", "edge", "--uses", "0", stdout=out)


def test_cluster_page_creates_a_token_once_and_revokes_it(root_admin, tenant):
    from django.test import Client

    cluster = ClusterFactory(hypervisor="Hyperv", name="edge-hv")
    page = f"/compute/clusters/{cluster.pk}/"
    client = Client()
    client.force_login(root_admin)
    assert f'href="{page}"' in client.get("/compute/clusters/").content.decode()
    shown = client.post(page, {"action": "create_token", "max_uses": "2", "valid_hours": "4"})
    html = shown.content.decode()
    row = HostEnrollmentToken.objects.get(cluster=cluster)
    token = html.split("data-token>", 1)[1].split("<", 1)[0]
    assert shown.status_code == 200 and row.token_hash == hash_token(token)
    assert f"--resource hyperv --connect http://127.0.0.1:8260 --token {token}" in html
    again = client.get(page).content.decode()
    assert token not in again and f"{row.prefix}…" in again and "0 / 2" in again
    bad = client.post(page, {"action": "create_token", "max_uses": "x", "valid_hours": "4"})
    assert bad.status_code == 400 and "whole number" in bad.content.decode()
    client.post(page, {"action": "revoke_token", "token": str(row.pk)})
    assert not HostEnrollmentToken.objects.exists()
    other = Client()
    other.force_login(tenant)
    assert other.get(page).status_code == 403
