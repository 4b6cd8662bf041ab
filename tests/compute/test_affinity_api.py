"""Affinity groups on the REST API: tenants see and delete only their own, bad input is a
400 with field errors, an instance's groups change only while it is stopped."""

import pytest
from django.urls import reverse

from compute.models import AffinityGroup
from portal.models import Event
from tests.factories import InstanceFactory

pytestmark = pytest.mark.django_db

LIST = "api:affinitygroup-list"


def _group(owner, name="g", group_type="host anti-affinity"):
    return AffinityGroup.objects.create(account=owner.account, name=name, group_type=group_type)


def test_create_list_delete_and_isolation(api_client, tenant, other_tenant):
    client = api_client(tenant)
    data = {"name": "web", "group_type": "host anti-affinity", "description": "spread"}
    response = client.post(reverse(LIST), data, format="json")
    assert response.status_code == 201, response.content
    group = AffinityGroup.objects.get(pk=response.data["id"])
    assert group.account == tenant.account and response.data["instances"] == []
    assert Event.objects.filter(event_type="AG.CREATE").exists()
    theirs = _group(other_tenant, "theirs")
    assert [r["name"] for r in client.get(reverse(LIST)).data["results"]] == ["web"]
    detail = reverse("api:affinitygroup-detail", kwargs={"pk": theirs.pk})
    assert client.get(detail).status_code == 404
    assert client.delete(detail).status_code == 404
    mine = reverse("api:affinitygroup-detail", kwargs={"pk": group.pk})
    assert client.patch(mine, {"name": "x"}, format="json").status_code == 405
    assert client.delete(mine).status_code == 204
    assert not AffinityGroup.objects.filter(pk=group.pk).exists()
    assert AffinityGroup.objects.filter(pk=theirs.pk).exists()


def test_bad_input_is_a_400_with_field_errors(api_client, tenant, other_tenant):
    _group(tenant, "taken")
    client = api_client(tenant)
    for payload, field in (
        ({"name": "taken", "group_type": "host affinity"}, "name"),
        ({"name": "x", "group_type": "rack affinity"}, "group_type"),
        ({"group_type": "host affinity"}, "name"),
        (
            {"name": "x", "group_type": "host affinity", "account": other_tenant.account.pk},
            "account",
        ),
    ):
        response = client.post(reverse(LIST), payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.data, (field, response.data)
    assert AffinityGroup.objects.count() == 1


def test_instance_groups_change_only_when_stopped(api_client, tenant, other_tenant):
    vm = InstanceFactory(account=tenant.account, state="Running")
    group, theirs = _group(tenant), _group(other_tenant, "theirs")
    url = reverse("api:instance-affinity-groups", kwargs={"pk": vm.pk})
    client = api_client(tenant)
    response = client.post(url, {"affinity_groups": [group.pk]}, format="json")
    assert response.status_code == 400 and "stopped" in str(response.data)
    vm.state = "Stopped"
    vm.save(update_fields=["state"])
    response = client.post(url, {"affinity_groups": [theirs.pk]}, format="json")
    assert response.status_code == 400 and "affinity_groups" in response.data
    response = client.post(url, {"affinity_groups": [group.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert [g["id"] for g in response.data["affinity_groups"]] == [group.pk]
    assert list(vm.affinity_groups.all()) == [group]
    assert client.post(url, {"affinity_groups": []}, format="json").data["affinity_groups"] == []
    assert api_client(other_tenant).post(url, {"affinity_groups": []}).status_code == 404
