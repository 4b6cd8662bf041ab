"""Declared API test base classes (in the spirit of NetBox's ``APIViewTestCases``).

A test class sets ``basename`` (router basename), ``factory`` and the data hooks, and gets
list/retrieve/create/update/delete, validation and isolation tests for free:

* ``InfrastructureAPITests``: everyone authenticated reads, only admins write (403).
* ``TenantAPITests``: tenants see and change only their own objects (others' are 404).
"""

import pytest
from django.urls import reverse

from portal.models import Event


class _Base:
    basename: str = ""
    factory = None
    list_query_budget = 6

    def create_data(self, owner) -> dict:  # noqa: ARG002 - owner is used by tenant suites
        raise NotImplementedError

    def update_data(self) -> dict:
        raise NotImplementedError

    def invalid_data(self, owner) -> list[tuple[dict, str]]:  # noqa: ARG002
        """(payload, field expected in the 400 answer) pairs."""
        return []

    def make(self, owner=None, **kwargs):
        return self.factory(**kwargs)

    def list_url(self):
        return reverse(f"api:{self.basename}-list")

    def detail_url(self, obj):
        return reverse(f"api:{self.basename}-detail", kwargs={"pk": obj.pk})

    def assert_event(self, suffix: str):
        assert Event.objects.filter(event_type__endswith=suffix).exists(), (
            f"no *{suffix} audit event was written"
        )


@pytest.mark.django_db
class InfrastructureAPITests(_Base):
    """Operator-managed objects (zones, hosts, offerings...)."""

    def test_list_shows_brief_shape_and_is_paginated(self, api_client, tenant):
        obj = self.make()
        response = api_client(tenant).get(self.list_url())
        assert response.status_code == 200, response.content
        assert response.data["count"] >= 1
        item = next(r for r in response.data["results"] if r["id"] == obj.pk)
        assert {"id", "url", "display"} <= item.keys()

    def test_list_query_count_does_not_grow_with_rows(
        self, api_client, root_admin, django_assert_max_num_queries
    ):
        for _ in range(3):
            self.make()
        client = api_client(root_admin)
        with django_assert_max_num_queries(self.list_query_budget):
            assert client.get(self.list_url()).status_code == 200

    def test_create_update_delete_as_admin(self, api_client, root_admin):
        client = api_client(root_admin)
        response = client.post(self.list_url(), self.create_data(root_admin), format="json")
        assert response.status_code == 201, response.content
        obj = self.factory._meta.model.objects.get(pk=response.data["id"])
        self.assert_event(".CREATE")
        response = client.patch(self.detail_url(obj), self.update_data(), format="json")
        assert response.status_code == 200, response.content
        for field, value in self.update_data().items():
            assert response.data[field] == value
        response = client.delete(self.detail_url(obj))
        assert response.status_code == 204, response.content
        assert not self.factory._meta.model.objects.filter(pk=obj.pk).exists()
        self.assert_event(".DELETE")

    def test_tenant_cannot_write(self, api_client, tenant):
        obj = self.make()
        client = api_client(tenant)
        assert (
            client.post(self.list_url(), self.create_data(tenant), format="json").status_code == 403
        )
        assert client.patch(
            self.detail_url(obj), self.update_data(), format="json"
        ).status_code in (403, 404)
        assert client.delete(self.detail_url(obj)).status_code in (403, 404)

    def test_anonymous_is_refused(self, api_client):
        assert api_client().get(self.list_url()).status_code in (401, 403)

    def test_invalid_input_is_a_400_with_field_errors(self, api_client, root_admin):
        model = self.factory._meta.model
        cases = self.invalid_data(root_admin)
        assert cases, "declare invalid_data()"
        before = model.objects.count()
        client = api_client(root_admin)
        for payload, field in cases:
            response = client.post(self.list_url(), payload, format="json")
            assert response.status_code == 400, (payload, response.content)
            assert field in response.data, (field, response.data)
        assert model.objects.count() == before


@pytest.mark.django_db
class TenantAPITests(_Base):
    """Tenant-owned objects: each account sees and changes only its own."""

    def make(self, owner=None, **kwargs):
        return self.factory(account=owner.account, **kwargs)

    def test_tenant_sees_own_not_others(self, api_client, tenant, other_tenant):
        mine = self.make(tenant)
        theirs = self.make(other_tenant)
        client = api_client(tenant)
        ids = [r["id"] for r in client.get(self.list_url()).data["results"]]
        assert mine.pk in ids and theirs.pk not in ids
        assert client.get(self.detail_url(mine)).status_code == 200
        assert client.get(self.detail_url(theirs)).status_code == 404
        assert (
            client.patch(self.detail_url(theirs), self.update_data(), format="json").status_code
            == 404
        )
        assert client.delete(self.detail_url(theirs)).status_code == 404

    def test_domain_admin_sees_its_subtree_only(self, api_client, domain_admin, tenant):
        from tests.factories import AccountFactory, UserFactory

        inside = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
        mine = self.make(inside)
        outside = self.make(tenant)
        ids = [r["id"] for r in api_client(domain_admin).get(self.list_url()).data["results"]]
        assert mine.pk in ids and outside.pk not in ids

    def test_root_admin_sees_all(self, api_client, root_admin, tenant, other_tenant):
        a, b = self.make(tenant), self.make(other_tenant)
        ids = [r["id"] for r in api_client(root_admin).get(self.list_url()).data["results"]]
        assert a.pk in ids and b.pk in ids

    def test_list_query_count_does_not_grow_with_rows(
        self, api_client, tenant, django_assert_max_num_queries
    ):
        for _ in range(3):
            self.make(tenant)
        client = api_client(tenant)
        with django_assert_max_num_queries(self.list_query_budget):
            assert client.get(self.list_url()).status_code == 200

    def test_invalid_input_is_a_400_with_field_errors(self, api_client, tenant):
        model = self.factory._meta.model
        cases = self.invalid_data(tenant)
        assert cases, "declare invalid_data()"
        before = model.objects.count()
        client = api_client(tenant)
        for payload, field in cases:
            response = client.post(self.list_url(), payload, format="json")
            assert response.status_code == 400, (payload, response.content)
            assert field in response.data, (field, response.data)
        assert model.objects.count() == before
