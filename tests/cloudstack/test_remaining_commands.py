"""The last commands of the reference's minimal-complete-cloud table: deletions (sync and
async-as-finished-job), roles and their permissions, network offerings, network service
providers, addSecondaryStorage and login/logout in listApis."""

import pytest

from portal.models import Account, Domain, Event, Project, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(cs_client, root_admin, monkeypatch):
    from portal.services import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)
    return cs_client(root_admin)


def job_result(api, answer):
    job = api("queryAsyncJobResult", jobid=answer["jobid"])
    assert job["jobstatus"] == 1, job
    return job["jobresult"]


def test_delete_account_domain_project_as_finished_jobs(admin, defaults):
    domain = admin("createDomain", name="Acme")["domain"]
    account = admin(
        "createAccount",
        username="u1",
        password="Secret-pass-1",
        email="u1@example.test",
        firstname="U",
        lastname="One",
        accounttype=0,
        domainid=domain["id"],
    )["account"]
    project = admin("createProject", name="p1", displaytext="p1")
    assert job_result(admin, admin("deleteProject", id=project["id"])) == {"success": True}
    assert not Project.objects.filter(uuid=project["id"]).exists()
    # the domain still has the account: a failed command, nothing deleted
    response = admin.raw("deleteDomain", id=domain["id"])
    assert response.status_code == 431
    assert "accounts" in response.json()["deletedomainresponse"]["errortext"]
    assert job_result(admin, admin("deleteAccount", id=account["id"])) == {"success": True}
    assert not Account.objects.filter(uuid=account["id"]).exists()
    assert job_result(admin, admin("deleteDomain", id=domain["id"])) == {"success": True}
    assert not Domain.objects.filter(uuid=domain["id"]).exists()
    assert {"ACCOUNT.DELETE", "DOMAIN.DELETE", "PROJECT.DELETE"} <= set(
        Event.objects.values_list("event_type", flat=True)
    )


def test_tenant_cannot_delete_accounts_domains_or_other_projects(
    cs_client, tenant, other_tenant, defaults
):
    api = cs_client(tenant)
    assert api.raw("deleteAccount", id=str(other_tenant.account.uuid)).status_code == 432
    assert api.raw("deleteDomain", id=str(tenant.account.domain.uuid)).status_code == 432
    from portal.services.projects import create_project

    theirs = create_project(acting_user=other_tenant, name="theirs", display_text="t")
    assert api.raw("deleteProject", id=str(theirs.uuid)).status_code == 431
    assert Project.objects.filter(pk=theirs.pk).exists()


def test_delete_service_offering_sync(admin, seeded, cs_client, tenant):
    from tests.factories import ServiceOfferingFactory

    spare = ServiceOfferingFactory()
    assert cs_client(tenant).raw("deleteServiceOffering", id=str(spare.uuid)).status_code == 432
    assert admin("deleteServiceOffering", id=str(spare.uuid)) == {"success": True}
    assert admin("listServiceOfferings", id=str(seeded["offering"].uuid))["count"] == 1
    assert admin.raw("deleteServiceOffering", id=str(spare.uuid)).status_code == 431


def test_delete_template_and_iso(cs_client, tenant, other_tenant, defaults, monkeypatch):
    from portal.services import jobs
    from storage.models import Template
    from tests.factories import TemplateFactory

    monkeypatch.setattr(jobs, "enqueue", lambda job: None)
    mine = TemplateFactory(account=tenant.account, is_public=False)
    iso = TemplateFactory(account=tenant.account, is_public=False, is_iso=True, format="ISO")
    theirs = TemplateFactory(account=other_tenant.account, is_public=True)
    api = cs_client(tenant)
    assert api.raw("deleteTemplate", id=str(theirs.uuid)).status_code == 431
    assert api.raw("deleteTemplate", id=str(iso.uuid)).status_code == 431  # not a template
    assert job_result(api, api("deleteTemplate", id=str(mine.uuid))) == {"success": True}
    assert job_result(api, api("deleteIso", id=str(iso.uuid))) == {"success": True}
    assert not Template.objects.filter(pk__in=[mine.pk, iso.pk], removed__isnull=True).exists()
    assert Template.objects.filter(pk=theirs.pk).exists()


def test_roles_and_permissions(admin, cs_client, tenant):
    base = Role.objects.get(name="User")
    role = admin("createRole", name="Auditors", roleid=str(base.uuid), description="copy")["role"]
    assert role["type"] == "User" and role["isdefault"] is False
    perms = admin("listRolePermissions", roleid=role["id"])
    assert perms["count"] == base.rules.count()
    added = admin("createRolePermission", roleid=role["id"], rule="fooBar", permission="deny")[
        "rolepermission"
    ]
    assert added["rule"] == "fooBar" and added["permission"] == "deny"
    assert admin("listRolePermissions", roleid=role["id"])["count"] == base.rules.count() + 1
    assert admin("deleteRolePermission", id=added["id"]) == {"success": True}
    assert admin("listRolePermissions", roleid=role["id"])["count"] == base.rules.count()
    updated = admin("updateRole", id=role["id"], name="Auditors2", type="DomainAdmin")["role"]
    assert updated["name"] == "Auditors2" and updated["type"] == "DomainAdmin"
    assert admin.raw("createRole", name="NoType").status_code == 431
    assert admin.raw("updateRole", id=str(base.uuid), name="x").status_code == 431  # default
    for name in ("createRole", "listRolePermissions", "createRolePermission"):
        assert cs_client(tenant).raw(name, name="x", roleid=role["id"]).status_code == 432
    assert admin("deleteRole", id=role["id"]) == {"success": True}
    assert not Role.objects.filter(uuid=role["id"]).exists()


def test_add_secondary_storage(admin, seeded):
    store = admin(
        "addSecondaryStorage", url="nfs://10.0.0.9/export/sec", zoneid=str(seeded["zone"].uuid)
    )["secondarystorage"]
    assert store["url"] == "nfs://10.0.0.9/export/sec" and store["scope"] == "ZONE"
    assert admin("listImageStores", id=store["id"])["count"] == 1
    bad = admin.raw("addSecondaryStorage", url="ftp://nowhere/x")
    assert bad.status_code == 431


def test_login_logout_listed_for_every_role(cs_client, tenant, root_admin):
    for user in (tenant, root_admin):
        apis = cs_client(user)("listApis")["api"]
        described = {a["name"]: a for a in apis}
        assert {"login", "logout"} <= described.keys()
        params = {p["name"]: p["required"] for p in described["login"]["params"]}
        assert params["username"] and params["password"] and not params["domain"]
        assert "sessionkey" in {f["name"] for f in described["login"]["response"]}


def test_login_still_answered_by_the_endpoint(client, tenant):
    tenant.set_password("Secret-pass-9")
    tenant.save()
    response = client.post(
        "/client/api",
        {
            "command": "login",
            "username": tenant.username,
            "password": "Secret-pass-9",
            "domain": tenant.account.domain.path,
            "response": "json",
        },
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["loginresponse"]["sessionkey"]
    assert client.get("/client/api?command=logout&response=json").json() == {
        "logoutresponse": {"description": "success"}
    }


def test_create_and_enable_network_offering(admin, cs_client, tenant, defaults):
    offering = admin(
        "createNetworkOffering",
        name="iso-vr",
        guestiptype="isolated",
        traffictype="GUEST",
        supportedservices="Dhcp,dns,SourceNat,SecurityGroup",
        **{
            "serviceproviderlist[0].service": "Dhcp",
            "serviceproviderlist[0].provider": "VirtualRouter",
            "serviceproviderlist[1].service": "SourceNat",
            "serviceproviderlist[1].provider": "VpcVirtualRouter",
        },
        specifyvlan="true",
        conservemode="false",
        availability="Optional",
    )["networkoffering"]
    assert offering["state"] == "Disabled" and offering["guestiptype"] == "Isolated"
    assert offering["specifyvlan"] is True and offering["conservemode"] is False
    services = {s["name"]: [p["name"] for p in s["provider"]] for s in offering["service"]}
    assert services == {
        "Dhcp": ["VirtualRouter"],
        "Dns": ["VirtualRouter"],
        "SourceNat": ["VpcVirtualRouter"],
        "SecurityGroup": ["SecurityGroupProvider"],
    }
    enabled = admin("updateNetworkOffering", id=offering["id"], state="Enabled")["networkoffering"]
    assert enabled["state"] == "Enabled"
    listed = cs_client(tenant)("listNetworkOfferings", id=offering["id"])
    assert listed["networkoffering"][0]["state"] == "Enabled"
    assert cs_client(tenant).raw("updateNetworkOffering", id=offering["id"]).status_code == 432
    bad = admin.raw(
        "createNetworkOffering",
        name="l2",
        guestiptype="L2",
        traffictype="GUEST",
        supportedservices="SourceNat",
    )
    assert (
        bad.status_code == 431 and "L2" in bad.json()["createnetworkofferingresponse"]["errortext"]
    )
    assert (
        admin.raw(
            "createNetworkOffering",
            name="x",
            guestiptype="Isolated",
            traffictype="GUEST",
            supportedservices="Teleport",
        ).status_code
        == 431
    )
    assert (
        admin.raw("updateNetworkOffering", id=offering["id"], state="Sideways").status_code == 431
    )


def test_network_service_providers(admin, cs_client, tenant, seeded):
    from networking.models import NetworkServiceProvider
    from networking.services import create_physical_network

    physical = create_physical_network(acting_user=None, zone=seeded["zone"], name="phys")
    listed = admin("listNetworkServiceProviders", physicalnetworkid=str(physical.uuid))
    by_name = {p["name"]: p for p in listed["networkserviceprovider"]}
    assert set(by_name) == {
        "VirtualRouter",
        "VpcVirtualRouter",
        "SecurityGroupProvider",
        "ConfigDrive",
    }
    assert all(p["state"] == "Enabled" for p in by_name.values())
    assert "NetworkACL" in by_name["VpcVirtualRouter"]["servicelist"]
    again = admin("listNetworkServiceProviders", physicalnetworkid=str(physical.uuid))
    assert again["count"] == 4 and NetworkServiceProvider.objects.count() == 4
    router = by_name["VirtualRouter"]
    answer = admin("updateNetworkServiceProvider", id=router["id"], state="Disabled")
    result = job_result(admin, answer)["networkserviceprovider"]
    assert result["state"] == "Disabled" and result["id"] == router["id"]
    disabled = admin("listNetworkServiceProviders", state="Disabled")
    assert [p["name"] for p in disabled["networkserviceprovider"]] == ["VirtualRouter"]
    assert Event.objects.filter(event_type="SERVICE.PROVIDER.UPDATE").exists()
    assert (
        admin.raw("updateNetworkServiceProvider", id=router["id"], state="Off").status_code == 431
    )
    api = cs_client(tenant)
    assert api.raw("listNetworkServiceProviders").status_code == 432
    assert (
        api.raw("updateNetworkServiceProvider", id=router["id"], state="Enabled").status_code == 432
    )
