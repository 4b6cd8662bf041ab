"""listConfigurations / updateConfiguration / resetConfiguration / listConfigurationGroups
through the signing client, and the behaviour each setting drives."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compute.capacity import host_limits, pool_limit
from compute.choices import HostStatus
from portal.config.keys import ConfigKey, register
from portal.models import ConfigurationValue, Event
from portal.services.configuration import config_value, update_configuration

pytestmark = pytest.mark.django_db


def _one(api, **params):
    answer = api("listConfigurations", **params)
    assert answer["count"] == 1, answer
    return answer["configuration"][0]


def test_list_shows_upstream_keys_defaults_and_groups(cs_client, root_admin):
    api = cs_client(root_admin)
    row = _one(api, name="password.policy.minimum.length")
    assert row["value"] == row["defaultvalue"] == "0"
    assert row["category"] == "Advanced" and row["group"] == "Management Server"
    assert row["subgroup"] == "Security" and row["scope"] == "domain"
    assert row["type"] == "Number" and row["isdynamic"] is True
    page = _one(api, name="default.page.size")
    assert page["value"] == "500" and page["scope"] == "global"
    everything = api("listConfigurations")
    names = {r["name"] for r in everything["configuration"]}
    assert {"ping.interval", "ping.timeout", "api.throttling.enabled", "event.purge.delay"} <= names
    assert everything["count"] == len(names)
    compute = api("listConfigurations", group="Compute")["configuration"]
    assert {"cpu.overprovisioning.factor", "mem.overprovisioning.factor"} <= {
        r["name"] for r in compute
    }
    assert {r["group"] for r in compute} == {"Compute"}
    groups = api("listConfigurationGroups")["configurationgroup"]
    assert [g["name"] for g in groups][:3] == ["Access", "Compute", "Storage"]
    compute = api("listConfigurationGroups", group="compute")["configurationgroup"][0]
    assert compute["precedence"] == 2
    assert compute["subgroup"][0] == {"name": "Virtual Machine", "precedence": 1}


def test_update_and_reset_global(cs_client, root_admin):
    api = cs_client(root_admin)
    row = api("updateConfiguration", name="event.purge.delay", value="30")["configuration"]
    assert row["value"] == "30" and row["defaultvalue"] == "15"
    assert config_value("event.purge.delay") == 30
    assert _one(api, name="event.purge.delay")["value"] == "30"
    assert Event.objects.filter(event_type="CONFIGURATION.VALUE.EDIT").exists()
    row = api("resetConfiguration", name="event.purge.delay")["configuration"]
    assert row["value"] == "15" and config_value("event.purge.delay") == 15
    assert not ConfigurationValue.objects.filter(name="event.purge.delay").exists()


@pytest.mark.parametrize(
    "params, text",
    [
        ({"name": "no.such.setting", "value": "1"}, "does not exist"),
        ({"name": "event.purge.delay", "value": "soon"}, "whole number"),
        ({"name": "event.purge.delay", "value": "-1"}, "minimum is 0"),
        ({"name": "api.throttling.enabled", "value": "yes"}, "true or false"),
        ({"name": "password.policy.regex", "value": "(["}, "regular expression"),
        ({"name": "cpu.overprovisioning.factor", "value": "0.5"}, "minimum is 1"),
        ({"name": "event.purge.delay"}, "provide a value"),
    ],
)
def test_bad_updates_are_431(cs_client, root_admin, params, text):
    response = cs_client(root_admin).raw("updateConfiguration", **params)
    body = response.json()["updateconfigurationresponse"]
    assert response.status_code == 431 and text in body["errortext"], body
    assert not ConfigurationValue.objects.exists()


def test_scope_errors(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    zone, cluster = seeded["zone"], seeded["cluster"]
    response = api.raw("updateConfiguration", name="default.page.size", value="5", zoneid=zone.uuid)
    assert (
        response.status_code == 431
        and "not valid" in response.json()["updateconfigurationresponse"]["errortext"]
    )
    response = api.raw("listConfigurations", zoneid=zone.uuid, clusterid=cluster.uuid, name="cpu")
    assert response.status_code == 431
    response = api.raw("listConfigurations", clusterid="0d3c51b4-6f8e-4a43-a1bb-5b1b7b0f0000")
    assert response.status_code == 431
    response = api.raw("updateConfiguration", name="x", value="1", imagestoreuuid=zone.uuid)
    assert response.status_code == 431


def test_tenants_and_domain_admins_may_not_touch_settings(cs_client, tenant, domain_admin):
    for user in (tenant, domain_admin):
        api = cs_client(user)
        for name in ("listConfigurations", "updateConfiguration", "resetConfiguration"):
            assert api.raw(name, name="event.purge.delay", value="1").status_code == 432, name
    assert config_value("event.purge.delay") == 15


def test_password_policy_at_domain_scope(cs_client, root_admin, seeded):
    from tests.factories import AccountFactory

    api = cs_client(root_admin)
    domain = root_admin.account.domain
    account = AccountFactory(domain=domain)
    create = {
        "account": account.name,
        "domainid": domain.uuid,
        "email": "a@example.test",
        "firstname": "A",
        "lastname": "B",
    }
    # upstream's defaults: short, common and username-like passwords are accepted
    for username, password in (("shorty", "x"), ("common", "password"), ("alice", "alice1")):
        api("createUser", username=username, password=password, **create)
    api(
        "updateConfiguration",
        name="password.policy.minimum.length",
        value="10",
        domainid=domain.uuid,
    )
    api("updateConfiguration", name="password.policy.allowPasswordToContainUsername", value="false")
    assert _one(api, name="password.policy.minimum.length", domainid=domain.uuid)["value"] == "10"
    assert _one(api, name="password.policy.minimum.length")["value"] == "0"
    response = api.raw("createUser", username="bob", password="short", **create)
    assert response.status_code == 431
    assert "at least 10 characters" in response.json()["createuserresponse"]["errortext"]
    response = api.raw("createUser", username="carol", password="carol-long-pass", **create)
    assert "should not contain the username" in response.json()["createuserresponse"]["errortext"]
    api("createUser", username="dave", password="long-enough-pw", **create)
    api("resetConfiguration", name="password.policy.minimum.length", domainid=domain.uuid)
    api("resetConfiguration", name="password.policy.allowPasswordToContainUsername")
    api("createUser", username="erin", password="e", **create)


def test_default_page_size_limits_lists(cs_client, root_admin):
    from tests.factories import AccountFactory

    for _ in range(3):
        AccountFactory()
    api = cs_client(root_admin)
    total = api("listAccounts", listall="true")["count"]
    assert total >= 4
    api("updateConfiguration", name="default.page.size", value="2")
    assert len(api("listAccounts", listall="true")["account"]) == 2
    response = api.raw("listAccounts", listall="true", page=1, pagesize=3)
    assert response.status_code == 431 and "max allowed page size value: 2" in response.text


def test_overprovisioning_at_cluster_and_storage_scope(cs_client, root_admin, seeded):
    api = cs_client(root_admin)
    host, cluster, pool = seeded["host"], seeded["cluster"], seeded["pool"]
    cpu, memory = host_limits(host)
    row = api(
        "updateConfiguration", name="cpu.overprovisioning.factor", value="3", clusterid=cluster.uuid
    )["configuration"]
    assert row["scope"] == "cluster" and row["id"] == str(cluster.uuid) and row["value"] == "3"
    api(
        "updateConfiguration",
        name="mem.overprovisioning.factor",
        value="1.5",
        clusterid=cluster.uuid,
    )
    host.refresh_from_db()
    assert host_limits(host) == (cpu * 3, int(memory * Decimal("1.5")))
    listed = _one(api, name="cpu.overprovisioning.factor", clusterid=cluster.uuid)
    assert Decimal(listed["value"]) == 3
    assert Decimal(_one(api, name="cpu.overprovisioning.factor")["value"]) == 1
    listed_clusters = api("listClusters", id=cluster.uuid)["cluster"][0]
    assert Decimal(listed_clusters["cpuovercommitratio"]) == 3
    before = pool_limit(pool)
    api(
        "updateConfiguration",
        name="storage.overprovisioning.factor",
        value="4",
        storageid=pool.uuid,
    )
    pool.refresh_from_db()
    assert pool_limit(pool) == pool.capacity_bytes * 4 != before
    # the global value is what new clusters start with; reset puts the cluster back on it
    api("updateConfiguration", name="cpu.overprovisioning.factor", value="2")
    api("resetConfiguration", name="cpu.overprovisioning.factor", clusterid=cluster.uuid)
    cluster.refresh_from_db()
    assert cluster.cpu_overcommit_ratio == 2
    pod = cluster.pod
    created = api(
        "addCluster",
        clustername="c2",
        clustertype="CloudManaged",
        hypervisor=cluster.hypervisor,
        podid=pod.uuid,
        zoneid=pod.zone.uuid,
    )
    assert Decimal(created["cluster"][0]["cpuovercommitratio"]) == 2


def test_ping_interval_and_timeout_drive_disconnection(cs_client, root_admin, seeded):
    from compute.host_handlers import mark_silent_hosts

    host = seeded["host"]
    host.status, host.last_ping = HostStatus.UP, timezone.now() - timedelta(seconds=100)
    host.save()
    assert mark_silent_hosts() == 0  # 60 s x 2.5 = 150 s of silence allowed
    api = cs_client(root_admin)
    api("updateConfiguration", name="ping.interval", value="30")
    api("updateConfiguration", name="ping.timeout", value="3")
    assert mark_silent_hosts() == 1  # 90 s
    host.refresh_from_db()
    assert host.status == HostStatus.DISCONNECTED


def test_api_throttling_limits_accounts_not_root(cs_client, root_admin, tenant):
    admin = cs_client(root_admin)
    admin("updateConfiguration", name="api.throttling.max", value="3")
    admin("updateConfiguration", name="api.throttling.interval", value="60")
    user = cs_client(tenant)
    for _ in range(5):
        assert user.raw("listZones").status_code == 200  # disabled: no limit
    admin("updateConfiguration", name="api.throttling.enabled", value="true")
    codes = [user.raw("listZones").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    body = user.raw("listZones").json()["listzonesresponse"]
    assert body["errorcode"] == 429 and "api limit" in body["errortext"]
    assert all(admin.raw("listZones").status_code == 200 for _ in range(5))


def test_event_purge_delay(root_admin):
    from portal.services.audit import purge_old_events, record_event

    old = record_event("VM.CREATE", acting_user=None)
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=20))
    recent = record_event("VM.CREATE", acting_user=None)
    update_configuration("event.purge.delay", "0", acting_user=None)
    assert purge_old_events() == 0
    update_configuration("event.purge.delay", "15", acting_user=None)
    assert purge_old_events() == 1
    assert not Event.objects.filter(pk=old.pk).exists()
    assert Event.objects.filter(pk=recent.pk).exists()


def test_secret_and_account_scoped_keys(cs_client, root_admin, tenant):
    register(
        ConfigKey(
            "test.secret.token",
            "String",
            "",
            "a secret for the test",
            scopes=("global", "account"),
            secret=True,
        )
    )
    api = cs_client(root_admin)
    account = tenant.account
    row = api(
        "updateConfiguration", name="test.secret.token", value="s3cr3t", accountid=account.uuid
    )["configuration"]
    assert row["value"] == "******" and row["category"] == "Secure"
    stored = ConfigurationValue.objects.get(name="test.secret.token")
    assert stored.value == "" and stored.secret_value == "s3cr3t"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_value FROM portal_configurationvalue WHERE id = %s", [stored.pk]
        )
        assert "s3cr3t" not in cursor.fetchone()[0]
    assert config_value("test.secret.token", account=account) == "s3cr3t"
    assert config_value("test.secret.token") == ""
    assert "s3cr3t" not in str(list(Event.objects.values_list("description", flat=True)))
