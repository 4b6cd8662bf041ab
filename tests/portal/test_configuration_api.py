"""/api/portal/configurations/: root admins list, change and reset settings at any scope;
bad input is a 400 with field errors; everyone else is refused."""

import pytest
from django.urls import reverse

from portal.services.configuration import config_value

pytestmark = pytest.mark.django_db


def _url(name=None, reset=False):
    if name is None:
        return reverse("api:configuration-list")
    return reverse("api:configuration-reset" if reset else "api:configuration-detail", args=[name])


def test_list_filter_update_reset(api_client, root_admin):
    from tests.factories import ClusterFactory

    client = api_client(root_admin)
    rows = client.get(_url(), {"group": "Management Server", "q": "ping"}).json()
    assert {r["name"] for r in rows} == {"ping.interval", "ping.timeout"}
    response = client.patch(_url("default.page.size"), {"value": "50"}, format="json")
    assert response.status_code == 200 and response.json()["value"] == "50"
    assert config_value("default.page.size") == 50
    cluster = ClusterFactory()
    response = client.patch(
        _url("cpu.overprovisioning.factor"),
        {"value": "4", "scope": "cluster", "object": str(cluster.uuid)},
        format="json",
    )
    assert response.status_code == 200 and response.json()["object"] == str(cluster.uuid)
    cluster.refresh_from_db()
    assert cluster.cpu_overcommit_ratio == 4
    detail = client.get(
        _url("cpu.overprovisioning.factor"), {"scope": "cluster", "object": str(cluster.uuid)}
    )
    assert float(detail.json()["value"]) == 4
    response = client.post(_url("default.page.size", reset=True), {}, format="json")
    assert response.json()["value"] == "500" and config_value("default.page.size") == 500


@pytest.mark.parametrize(
    "name, payload, field",
    [
        ("default.page.size", {"value": "lots"}, "value"),
        ("default.page.size", {"value": "5", "scope": "cluster"}, "object"),
        ("default.page.size", {"value": "5", "scope": "planet"}, "scope"),
        ("cpu.overprovisioning.factor", {"value": "2", "scope": "zone", "object": "x"}, "object"),
        ("default.page.size", {"value": "5", "scope": "zone"}, "object"),
        ("default.page.size", {}, "value"),
    ],
)
def test_bad_input_is_400(api_client, root_admin, name, payload, field):
    response = api_client(root_admin).patch(_url(name), payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert config_value("default.page.size") == 500


def test_unknown_and_wrong_scope(api_client, root_admin):
    from tests.factories import ZoneFactory

    client = api_client(root_admin)
    assert client.patch(_url("no.such"), {"value": "1"}, format="json").status_code == 404
    zone = ZoneFactory()
    response = client.patch(
        _url("default.page.size"),
        {"value": "5", "scope": "zone", "object": str(zone.uuid)},
        format="json",
    )
    assert response.status_code == 400 and "scope" in response.json()


def test_only_root_admins(api_client, tenant, domain_admin):
    for user in (tenant, domain_admin):
        client = api_client(user)
        assert client.get(_url()).status_code == 403
        response = client.patch(_url("default.page.size"), {"value": "1"}, format="json")
        assert response.status_code == 403
    assert config_value("default.page.size") == 500
