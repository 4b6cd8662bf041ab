import itertools

import pytest
from django.urls import reverse

from compute.models import Instance
from networking.models import Nic
from tests.compute.helpers import ReadOnlyTenantAPITests
from tests.factories import HostFactory, InstanceFactory, NetworkFactory

_macs = itertools.count(1)


def add_nic(instance, ip):
    network = NetworkFactory(account=instance.account)
    return Nic.objects.create(
        instance=instance,
        network=network,
        mac_address=f"02:00:00:00:00:{next(_macs):02x}",
        ip_address=ip,
        is_default=True,
    )


class TestInstanceAPI(ReadOnlyTenantAPITests):
    basename = "instance"
    factory = InstanceFactory

    def make(self, owner=None, **kwargs):
        instance = super().make(owner, **kwargs)
        add_nic(instance, f"10.1.1.{instance.pk % 250 + 2}")
        return instance

    def test_invalid_input_is_a_400_with_field_errors(self, api_client, tenant, other_tenant):
        """Writes are lifecycle operations: a bad deploy is a 400 naming the fields; PATCH
        and DELETE do not exist; nothing changes."""
        mine = self.make(tenant)
        theirs = NetworkFactory(account=other_tenant.account)
        client = api_client(tenant)
        before = Instance.objects.count()
        response = client.post(
            self.list_url(), {"name": "bad name!", "networks": [theirs.pk]}, format="json"
        )
        assert response.status_code == 400
        assert {"zone", "service_offering", "template", "name", "networks"} <= response.data.keys()
        assert client.patch(self.detail_url(mine), {"name": "x"}).status_code == 405
        assert client.delete(self.detail_url(mine)).status_code == 405
        assert Instance.objects.count() == before


@pytest.mark.django_db
class TestInstanceFilters:
    def ids(self, client, **params):
        response = client.get(reverse("api:instance-list"), params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.data["results"]}

    def test_filters(self, api_client, tenant):
        host = HostFactory()
        running = InstanceFactory(
            account=tenant.account, state="Running", host=host, zone=host.zone, name="web-1"
        )
        stopped = InstanceFactory(account=tenant.account, state="Stopped", name="database-1")
        add_nic(running, "10.1.1.77")
        client = api_client(tenant)
        assert self.ids(client, state="Running") == {running.pk}
        assert self.ids(client, zone_id=stopped.zone_id) == {stopped.pk}
        assert self.ids(client, host_id=host.pk) == {running.pk}
        assert self.ids(client, q="10.1.1.77") == {running.pk}
        mac = running.nics.get().mac_address
        assert self.ids(client, q=mac.upper()) == {running.pk}
        assert self.ids(client, q="database-") == {stopped.pk}  # not hex: never inside a UUID
        assert self.ids(client, q=str(stopped.uuid)) == {stopped.pk}
        assert self.ids(client, account=tenant.account_id) == {running.pk, stopped.pk}

    def test_nics_are_listed(self, api_client, tenant):
        instance = InstanceFactory(account=tenant.account)
        add_nic(instance, "10.1.1.9")
        detail = api_client(tenant).get(reverse("api:instance-detail", kwargs={"pk": instance.pk}))
        assert [n["ip_address"] for n in detail.data["nics"]] == ["10.1.1.9"]

    def test_other_tenants_ip_does_not_leak_through_search(self, api_client, tenant, other_tenant):
        theirs = InstanceFactory(account=other_tenant.account)
        add_nic(theirs, "10.1.1.99")
        assert self.ids(api_client(tenant), q="10.1.1.99") == set()
