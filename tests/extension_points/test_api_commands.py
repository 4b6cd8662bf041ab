"""``api.client_commands`` (/client/api) and plugin DRF routes (/api/plugins/<id>/), with
the sample UI/API plugin."""

import pytest

from tests.cloudstack.conftest import CloudStackClient, make_key

pytestmark = pytest.mark.django_db

PLUGIN_ID = "org.example.status-page"


@pytest.fixture
def status_page(sample_plugin):
    return sample_plugin("ui_plugin", banner="All good")


def api_names(cs):
    return {api["name"] for api in cs("listApis").get("api", [])}


def test_plugin_command_is_listed_and_runs_while_enabled(status_page, client, root_admin):
    cs = CloudStackClient(client, make_key(root_admin))
    assert "getStatusPage" in api_names(cs)
    assert cs("listApis", name="getStatusPage")["api"][0]["description"].startswith("Shows")
    assert cs("getStatusPage") == {"statuspage": {"banner": "All good", "instances": 0}}

    status_page.set_enabled(False)
    assert "getStatusPage" not in api_names(cs)
    response = cs.raw("getStatusPage")
    assert response.status_code == 432
    assert list(response.json()) == ["errorresponse"]


def test_core_commands_win_over_a_plugin_of_the_same_name(client, root_admin):
    from marketplace import hooks

    def listZones(ctx):  # noqa: N802
        raise AssertionError("a plugin must not replace a core command")

    with hooks.register_temporarily("api.client_commands", lambda: {"listZones": listZones}):
        assert CloudStackClient(client, make_key(root_admin)).raw("listZones").status_code == 200


def test_plugin_drf_routes_follow_the_enabled_state(status_page, api_client, root_admin):
    api = api_client(root_admin)
    response = api.get(f"/api/plugins/{PLUGIN_ID}/summary/")
    assert response.status_code == 200 and response.json() == {"instances": 0}
    status_page.set_enabled(False)
    assert api.get(f"/api/plugins/{PLUGIN_ID}/summary/").status_code == 404
