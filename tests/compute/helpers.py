"""Test helpers shared by the compute and storage API tests."""

import pytest
from django.db import connection

from tests.api_base import InfrastructureAPITests, TenantAPITests


def raw_column(model, pk, column: str) -> str:
    """A column's value exactly as stored, bypassing the model field's decryption."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


class AddEventInfrastructureAPITests(InfrastructureAPITests):
    """Objects CloudStack *adds* (hosts, image stores): the create event is ``*.ADD``."""

    def assert_event(self, suffix: str):
        super().assert_event(".ADD" if suffix == ".CREATE" else suffix)


@pytest.mark.django_db
class ReadOnlyTenantAPITests(TenantAPITests):
    """Tenant-owned objects the API only lists and shows: writes are 405 (own) or 404/405
    (others'), never a change."""

    def update_data(self):
        return {"name": "changed"}

    def test_tenant_sees_own_not_others(self, api_client, tenant, other_tenant):
        mine = self.make(tenant)
        theirs = self.make(other_tenant)
        client = api_client(tenant)
        ids = [r["id"] for r in client.get(self.list_url()).data["results"]]
        assert mine.pk in ids and theirs.pk not in ids
        assert client.get(self.detail_url(mine)).status_code == 200
        assert client.get(self.detail_url(theirs)).status_code == 404

    def test_invalid_input_is_a_400_with_field_errors(self, api_client, tenant):
        """Read-only: no write verb exists, and nothing changes."""
        mine = self.make(tenant)
        client = api_client(tenant)
        model = self.factory._meta.model
        before = model.objects.count()
        assert client.post(self.list_url(), {"name": "x"}, format="json").status_code == 405
        assert client.patch(self.detail_url(mine), self.update_data()).status_code == 405
        assert client.delete(self.detail_url(mine)).status_code == 405
        assert model.objects.count() == before
        mine.refresh_from_db()
        assert mine.name != "changed"
