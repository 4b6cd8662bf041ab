"""The settings page: root admins filter settings by scope and group, save and reset values
(bad values are refused with the reason); other users get a 403."""

import pytest
from django.urls import reverse

from portal.services.configuration import config_value

pytestmark = pytest.mark.django_db

URL = "/settings/"


def test_filter_save_reset(client, root_admin):
    from tests.factories import ClusterFactory

    client.force_login(root_admin)
    body = client.get(URL, {"group": "Management Server", "q": "ping"}).content.decode()
    assert "ping.interval" in body and "password.policy.regex" not in body
    assert reverse("portal:settings") in client.get("/").content.decode()  # in the menu
    response = client.post(URL, {"name": "default.page.size", "value": "20", "scope": "global"})
    assert response.status_code == 302 and config_value("default.page.size") == 20
    response = client.post(
        URL, {"name": "default.page.size", "value": "many", "scope": "global"}, follow=True
    )
    assert "whole number" in response.content.decode()
    assert config_value("default.page.size") == 20
    client.post(URL, {"name": "default.page.size", "action": "reset", "scope": "global"})
    assert config_value("default.page.size") == 500
    cluster = ClusterFactory()
    page = client.get(URL, {"scope": "cluster", "object": str(cluster.uuid)}).content.decode()
    assert "cpu.overprovisioning.factor" in page and "<code>default.page.size" not in page
    client.post(
        URL,
        {
            "name": "cpu.overprovisioning.factor",
            "value": "3",
            "scope": "cluster",
            "object": str(cluster.uuid),
        },
    )
    cluster.refresh_from_db()
    assert cluster.cpu_overcommit_ratio == 3
    assert config_value("cpu.overprovisioning.factor") == 1


def test_only_root_admins(client, tenant, domain_admin):
    for user in (tenant, domain_admin):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        response = client.post(URL, {"name": "default.page.size", "value": "1"})
        assert response.status_code == 403
    assert config_value("default.page.size") == 500
