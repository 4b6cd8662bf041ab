"""The instance list endpoints cost the same number of SQL queries for 1 and 50 instances
(each with a NIC and a ROOT volume), for a root admin and for a tenant: no N+1 can creep into
the DRF serializer or the CloudStack ``listVirtualMachines`` renderer unnoticed."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking.models import Nic
from portal.cloudstack.signing import sign
from storage.models import Volume
from tests.factories import (
    HostFactory,
    InstanceFactory,
    NetworkFactory,
    ServiceOfferingFactory,
    TemplateFactory,
    ZoneFactory,
)


def add_instances(account, count: int, start: int) -> None:
    zone = ZoneFactory()
    host = HostFactory(zone=zone, cluster__pod__zone=zone, cluster__zone=zone)
    network = NetworkFactory(account=account, zone=zone)
    offering, template = ServiceOfferingFactory(), TemplateFactory()
    for i in range(start, start + count):
        vm = InstanceFactory(
            account=account, zone=zone, host=host, service_offering=offering, template=template,
            state="Running",
        )  # fmt: skip
        Nic.objects.create(
            instance=vm, network=network, mac_address=f"02:00:00:00:{i // 256:02x}:{i % 256:02x}",
            ip_address=f"10.1.{i // 250}.{i % 250 + 2}", netmask="255.255.0.0",
        )  # fmt: skip
        Volume.objects.create(
            name=f"ROOT-{vm.pk}", account=account, domain=account.domain, zone=zone,
            instance=vm, volume_type="ROOT", size=1024**3, template=template, device_id=0,
        )  # fmt: skip


def count_queries(call) -> int:
    call()  # warm caches that are per process, not per request
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def drf_list(api_client, user, expected):
    client = api_client(user)

    def call():
        response = client.get("/api/compute/instances/?limit=500")
        assert response.status_code == 200
        assert response.json()["count"] == expected[0]

    return call


def cs_list(client, user, expected):
    from portal.services.apikeys import create_api_key

    pair = create_api_key(acting_user=user, user=user)

    def call():
        params = {
            "command": "listVirtualMachines", "response": "json", "apiKey": pair.api_key,
            "listall": "true", "pagesize": "500", "page": "1",
        }  # fmt: skip
        params["signature"] = sign(params, pair.secret_key)
        response = client.get("/client/api?" + urlencode(params))
        assert response.status_code == 200, response.content
        assert response.json()["listvirtualmachinesresponse"].get("count", 0) == expected[0]

    return call


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["root_admin", "tenant"])
@pytest.mark.parametrize("endpoint", ["drf", "cloudstack"])
def test_instance_lists_cost_the_same_queries_for_1_and_50_rows(
    request, api_client, client, who, endpoint
):
    user = request.getfixturevalue(who)
    expected = [1]
    call = (
        drf_list(api_client, user, expected)
        if endpoint == "drf"
        else cs_list(client, user, expected)
    )
    add_instances(user.account, 1, 0)
    one = count_queries(call)
    add_instances(user.account, 49, 1)
    expected[0] = 50
    fifty = count_queries(call)
    assert fifty == one, f"{endpoint} as {who}: {one} queries for 1 row, {fifty} for 50"
    assert one <= 10
