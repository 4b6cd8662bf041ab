"""listDomains answers upstream's limit, total and available fields (``details=min``
leaves them out), read through the ``cs`` client on a live server."""

import pytest
from cs import CloudStack, CloudStackApiException

from tests.cloudstack.test_clients import _keys

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_domains_limit_and_usage_fields(live_server, defaults, root_admin):
    from portal.models import ResourceLimit
    from tests.factories import AccountFactory, DomainFactory, InstanceFactory

    domain = DomainFactory(name="acme")
    child = DomainFactory(name="dev", parent=domain)
    InstanceFactory(account=AccountFactory(domain=domain), cpu_number=2, memory=1024)
    InstanceFactory(account=AccountFactory(domain=child), cpu_number=1, memory=512)
    ResourceLimit.objects.create(domain=domain, resource_type="user_vm", max=5)
    key, secret = _keys(root_admin)
    api = CloudStack(endpoint=f"{live_server.url}/client/api", key=key, secret=secret)
    acme = api.listDomains(id=str(domain.uuid))["domain"][0]
    assert (acme["vmlimit"], acme["vmtotal"], acme["vmavailable"]) == ("5", 2, "3")
    assert acme["cputotal"] == 3 and acme["memorytotal"] == 1536
    assert acme["cpulimit"] == "Unlimited" and acme["cpuavailable"] == "Unlimited"
    assert acme["created"].endswith("+0000")
    dev = api.listDomains(id=str(child.uuid))["domain"][0]
    assert (dev["vmlimit"], dev["vmtotal"]) == ("Unlimited", 1)
    root = next(d for d in api.listDomains(listall=True)["domain"] if d["name"] == "ROOT")
    assert root["vmlimit"] == "Unlimited" and root["vmtotal"] >= 2
    minimal = api.listDomains(id=str(domain.uuid), details="min")["domain"][0]
    assert "vmlimit" not in minimal and minimal["name"] == "acme"
    with pytest.raises(CloudStackApiException) as err:
        api.listDomains(details="everything")
    assert err.value.error["errorcode"] == 431
