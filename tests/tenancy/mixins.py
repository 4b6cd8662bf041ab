"""Hooks that adapt the declared API base classes to tenancy objects, which only admins
create: the invalid-input test posts as the root admin instead of as a tenant."""

from portal.models import Event


class AdminCreatesMixin:
    """For ``TenantAPITests`` subclasses whose objects only admins create."""

    def test_invalid_input_is_a_400_with_field_errors(self, api_client, root_admin):
        model = self.factory._meta.model
        cases = self.invalid_data(root_admin)
        assert cases, "declare invalid_data()"
        before = model.objects.count()
        events_before = Event.objects.count()
        client = api_client(root_admin)
        for payload, field in cases:
            response = client.post(self.list_url(), payload, format="json")
            assert response.status_code == 400, (payload, response.content)
            assert field in response.data, (field, response.data)
        assert model.objects.count() == before
        assert Event.objects.count() == events_before

    def test_tenant_cannot_create(self, api_client, tenant):
        response = api_client(tenant).post(self.list_url(), self.create_data(tenant), format="json")
        assert response.status_code == 403, response.content
