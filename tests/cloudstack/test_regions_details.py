"""Regions, listSystemVms/listRouters and resource details on /client/api: shapes, errors,
roles and tenant isolation."""

import pytest

pytestmark = pytest.mark.django_db


def _vm(user, seeded):
    from tests.factories import InstanceFactory

    return InstanceFactory(
        account=user.account,
        zone=seeded["zone"],
        service_offering=seeded["offering"],
        template=seeded["template"],
    )


def test_local_region_by_default_and_region_crud(cs_client, root_admin, tenant):
    admin, user = cs_client(root_admin), cs_client(tenant)
    listed = user("listRegions")
    assert listed["count"] == 1
    local = listed["region"][0]
    assert local == {
        "id": 1,
        "name": "Local",
        "endpoint": "http://testserver/client/",
        "gslbserviceenabled": False,
        "portableipserviceenabled": False,
    }
    added = admin("addRegion", id=2, name="West", endpoint="https://west.example/client/")
    assert added["region"]["id"] == 2 and added["region"]["name"] == "West"
    assert [r["name"] for r in user("listRegions")["region"]] == ["Local", "West"]
    assert user("listRegions", id=2)["region"][0]["endpoint"] == "https://west.example/client/"
    assert admin("updateRegion", id=2, name="East")["region"]["name"] == "East"
    assert admin("removeRegion", id=2) == {"success": True}
    assert user("listRegions")["count"] == 1


def test_region_errors(cs_client, root_admin, tenant):
    admin = cs_client(root_admin)
    for params, text in (
        ({"id": 1, "name": "Again", "endpoint": "http://x/"}, "already exists"),
        ({"id": "two", "name": "X", "endpoint": "http://x/"}, "is not a number"),
        ({"id": 3, "name": "Local", "endpoint": "http://x/"}, "already exists"),
        ({"id": 3, "name": "Y", "endpoint": "ftp://x/"}, "http"),
        ({"id": 3, "name": "Y"}, "missing parameter endpoint"),
    ):
        response = admin.raw("addRegion", **params)
        body = response.json()["addregionresponse"]
        assert response.status_code == 431, body
        assert text in body["errortext"], body
    response = admin.raw("removeRegion", id=1)
    assert response.status_code == 431
    assert "local region" in response.json()["removeregionresponse"]["errortext"]
    assert admin.raw("updateRegion", id=9, name="n").status_code == 431
    for name in ("addRegion", "updateRegion", "removeRegion"):
        assert cs_client(tenant).raw(name, id=5, name="n", endpoint="http://x/").status_code == 432


def test_system_vms_and_routers_are_empty_with_checked_parameters(
    cs_client, root_admin, domain_admin, tenant, seeded
):
    admin = cs_client(root_admin)
    zone = str(seeded["zone"].uuid)
    assert admin("listSystemVms") == {}
    assert admin("listSystemVms", zoneid=zone, systemvmtype="consoleproxy") == {}
    assert admin("listRouters", zoneid=zone, listall="true") == {}
    assert cs_client(domain_admin)("listRouters") == {}
    for name, params in (
        ("listSystemVms", {"zoneid": "not-a-uuid"}),
        ("listSystemVms", {"systemvmtype": "router"}),
        ("listSystemVms", {"id": "6f1c1b9e-0000-4000-8000-000000000009"}),
        ("listRouters", {"networkid": "6f1c1b9e-0000-4000-8000-000000000009"}),
        ("listRouters", {"vpcid": "6f1c1b9e-0000-4000-8000-000000000009"}),
    ):
        response = admin.raw(name, **params)
        assert response.status_code == 431, (name, params, response.json())
    user = cs_client(tenant)
    assert user.raw("listSystemVms").status_code == 432
    assert user.raw("listRouters").status_code == 432
    api = admin.raw("listApis", name="listRouters").json()["listapisresponse"]["api"][0]
    assert {"guestnetworkid", "publicip", "state"} <= {f["name"] for f in api["response"]}


def test_resource_details_on_own_vm_and_isolation(cs_client, tenant, other_tenant, seeded):
    vm = _vm(tenant, seeded)
    mine, theirs = cs_client(tenant), cs_client(other_tenant)
    args = {"resourcetype": "UserVm", "resourceid": str(vm.uuid)}
    job = mine(
        "addResourceDetail",
        **args,
        **{"details[0].key": "rootDiskController", "details[0].value": "scsi"},
        **{"details[1].key": "keyboard", "details[1].value": "fr"},
    )
    result = mine("queryAsyncJobResult", jobid=job["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"] == {"success": True}
    listed = mine("listResourceDetails", **args)
    assert listed["count"] == 2
    assert {(d["key"], d["value"]) for d in listed["resourcedetail"]} == {
        ("rootDiskController", "scsi"),
        ("keyboard", "fr"),
    }
    assert listed["resourcedetail"][0]["resourceid"] == str(vm.uuid)
    assert listed["resourcedetail"][0]["account"] == tenant.account.name
    # overwrite, filter by key/value
    mine("addResourceDetail", **args, **{"details[0].key": "keyboard", "details[0].value": "de"})
    assert (
        mine("listResourceDetails", resourcetype="UserVm", key="keyboard")["resourcedetail"][0][
            "value"
        ]
        == "de"
    )
    # the other tenant neither sees nor changes them
    assert theirs("listResourceDetails", resourcetype="UserVm") == {}
    for name in ("addResourceDetail", "removeResourceDetail", "listResourceDetails"):
        response = theirs.raw(name, **args, **{"details[0].key": "k", "details[0].value": "v"})
        assert response.status_code == 431, name
    mine("removeResourceDetail", **args, key="keyboard")
    assert [d["key"] for d in mine("listResourceDetails", **args)["resourcedetail"]] == [
        "rootDiskController"
    ]
    mine("removeResourceDetail", **args)
    assert mine("listResourceDetails", **args) == {}


def test_resource_detail_errors_and_infrastructure(cs_client, root_admin, tenant, seeded):
    admin, user = cs_client(root_admin), cs_client(tenant)
    zone = {"resourcetype": "Zone", "resourceid": str(seeded["zone"].uuid)}
    for params, text in (
        ({"resourcetype": "Bogus", "resourceid": "x"}, "takes no details"),
        ({"resourcetype": "Zone", "resourceid": "nope"}, "not a UUID"),
        (zone, "missing parameter details"),
    ):
        response = admin.raw("addResourceDetail", **params)
        body = response.json()["addresourcedetailresponse"]
        assert response.status_code == 431 and text in body["errortext"], body
    detail = {"details[0].key": "dc", "details[0].value": "fra1"}
    admin("addResourceDetail", **zone, **detail)
    admin("addResourceDetail", **zone, fordisplay="false", **{"details[0].key": "secret"})
    assert admin("listResourceDetails", resourcetype="Zone")["count"] == 2
    assert admin("listResourceDetails", resourcetype="Zone", fordisplay="false")["count"] == 1
    # a tenant may not change infrastructure details, nor see hidden ones
    assert user.raw("addResourceDetail", **zone, **detail).status_code == 431
    assert user("listResourceDetails", resourcetype="Zone") == {}
    response = admin.raw("listResourceDetails", resourcetype="Zone", value="fra1")
    assert response.status_code == 431
    assert admin.raw("listResourceDetails").status_code == 431  # resourcetype is required


def test_detail_options(cs_client, tenant, seeded):
    user = cs_client(tenant)
    options = user("listDetailOptions", resourcetype="UserVm")["detailoptions"]["details"]
    assert "virtio" in options["rootDiskController"] and options["extraconfig"] == []
    assert user("listDetailOptions", resourcetype="template")["detailoptions"]["details"]
    response = user.raw("listDetailOptions", resourcetype="Volume")
    assert response.status_code == 431
    vm = _vm(tenant, seeded)
    assert user("listDetailOptions", resourcetype="UserVm", resourceid=str(vm.uuid))


def test_existing_default_roles_get_the_new_rules(defaults):
    """Installations whose default roles predate these commands get their rules from the
    data migration (new ones from portal.defaults)."""
    import importlib

    from django.apps import apps

    from portal.models import Role, RolePermission

    migration = importlib.import_module("portal.migrations.0011_cloud_regions_details_ca")
    rules = [r for _, r, _ in migration.RULES]
    RolePermission.objects.filter(rule__in=rules).delete()
    for role in Role.objects.filter(is_default=True):
        role.save()  # a new ``updated`` stamp: the rule cache is refreshed
    user, domain_admin = Role.objects.get(name="User"), Role.objects.get(name="Domain Admin")
    assert user.allows("listRouters") and not user.allows("addResourceDetail")
    migration.add_rules(apps, None)
    migration.add_rules(apps, None)  # idempotent
    user.save()
    domain_admin.save()
    assert not user.allows("listRouters") and not user.allows("listSystemVms")
    assert user.allows("addResourceDetail") and user.allows("removeResourceDetail")
    assert domain_admin.allows("listRouters") and not domain_admin.allows("listCAProviders")
    assert RolePermission.objects.filter(role=user, rule="listRouters").count() == 1
