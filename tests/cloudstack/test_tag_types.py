"""Tags on every taggable resource type we model: createTags on each, the tags in the
type's own list answer, listTags by type; tenants tag only their own, operators the zone."""

import pytest

pytestmark = pytest.mark.django_db


def _tag(api, kind, obj_id, key="env", value="prod"):
    job = api(
        "createTags",
        resourcetype=kind,
        resourceids=obj_id,
        **{"tags[0].key": key, "tags[0].value": value},
    )
    assert api("queryAsyncJobResult", jobid=job["jobid"])["jobstatus"] == 1


def test_tenant_resources_answer_their_tags(cs_client, tenant, other_tenant, seeded):
    from storage.models import Snapshot
    from tests.factories import NetworkFactory, TemplateFactory, VolumeFactory

    api = cs_client(tenant)
    account = tenant.account
    network = NetworkFactory(zone=seeded["zone"], account=account)
    volume = VolumeFactory(zone=seeded["zone"], account=account)
    template = TemplateFactory(account=account, zone=seeded["zone"])
    snapshot = Snapshot.objects.create(
        name="snap", volume=volume, account=account, domain=account.domain, zone=seeded["zone"]
    )
    project = api("createProject", name="p1", displaytext="p1")
    project_id = api("queryAsyncJobResult", jobid=project["jobid"])["jobresult"]["project"]["id"]
    group = api("createSecurityGroup", name="web")["securitygroup"]

    cases = [
        ("Network", str(network.uuid), "listNetworks", "network", {}),
        ("Volume", str(volume.uuid), "listVolumes", "volume", {}),
        ("Template", str(template.uuid), "listTemplates", "template", {"templatefilter": "self"}),
        ("Snapshot", str(snapshot.uuid), "listSnapshots", "snapshot", {}),
        ("Project", project_id, "listProjects", "project", {}),
        ("SecurityGroup", group["id"], "listSecurityGroups", "securitygroup", {}),
    ]
    for kind, obj_id, list_command, key, extra in cases:
        _tag(api, kind, obj_id, value=kind.lower())
        items = api(list_command, id=obj_id, **extra)[key]
        assert items[0]["tags"] == [{"key": "env", "value": kind.lower()}], kind
        tagged = api(list_command, **extra, **{"tags[0].key": "env", "tags[0].value": kind.lower()})
        assert [i["id"] for i in tagged[key]] == [obj_id], kind
        assert api(list_command, **extra, **{"tags[0].key": "env", "tags[0].value": "no"}) == {}
        listed = api("listTags", resourcetype=kind)["tag"]
        assert [(t["resourceid"], t["value"]) for t in listed] == [(obj_id, kind.lower())], kind

    # the other tenant can tag none of them, nor see their tags
    other = cs_client(other_tenant)
    for kind, obj_id, *_ in cases:
        response = other.raw(
            "createTags", resourcetype=kind, resourceids=obj_id, **{"tags[0].key": "x"}
        )
        assert response.status_code == 431, kind
    assert other("listTags", listall="true") == {}


def test_rules_and_zone_tags(cs_client, root_admin, tenant, seeded):
    admin = cs_client(root_admin)
    zone_id = str(seeded["zone"].uuid)
    # operators tag zones; tenants may not
    response = cs_client(tenant).raw(
        "createTags", resourcetype="Zone", resourceids=zone_id, **{"tags[0].key": "x"}
    )
    assert response.status_code == 431
    _tag(admin, "Zone", zone_id, key="region", value="eu")
    assert admin("listZones", id=zone_id)["zone"][0]["tags"] == [{"key": "region", "value": "eu"}]
    by_tag = admin("listZones", **{"tags[0].key": "region", "tags[0].value": "eu"})
    assert [z["id"] for z in by_tag["zone"]] == [zone_id]
    assert admin("listTags", resourcetype="Zone", listall="true")["tag"][0]["domainid"]
    for kind in ("FirewallRule", "PortForwardingRule"):
        response = admin.raw(
            "createTags",
            resourcetype=kind,
            resourceids="6f1c1b9e-0000-4000-8000-000000000009",
            **{"tags[0].key": "x"},
        )
        body = response.json()["createtagsresponse"]
        assert response.status_code == 431 and f"Unable to find {kind}" in body["errortext"]


def test_virtual_machines_answer_their_tags(cs_client, tenant, seeded):
    from tests.factories import InstanceFactory

    vm = InstanceFactory(
        account=tenant.account,
        zone=seeded["zone"],
        service_offering=seeded["offering"],
        template=seeded["template"],
    )
    api = cs_client(tenant)
    _tag(api, "UserVm", str(vm.uuid), key="role", value="web")
    listed = api("listVirtualMachines", id=str(vm.uuid))["virtualmachine"][0]
    assert listed["tags"] == [{"key": "role", "value": "web"}]


def test_tags_and_details_go_with_their_resource(cs_client, tenant, seeded):
    from portal.models import ResourceDetail, ResourceTag
    from tests.factories import NetworkFactory

    api = cs_client(tenant)
    network = NetworkFactory(zone=seeded["zone"], account=tenant.account)
    _tag(api, "Network", str(network.uuid))
    api(
        "addResourceDetail",
        resourcetype="Network",
        resourceid=str(network.uuid),
        **{"details[0].key": "k", "details[0].value": "v"},
    )
    assert ResourceTag.objects.filter(resource_uuid=network.uuid).count() == 1
    assert ResourceDetail.objects.filter(resource_uuid=network.uuid).count() == 1
    api("deleteNetwork", id=str(network.uuid))
    assert not ResourceTag.objects.filter(resource_uuid=network.uuid).exists()
    assert not ResourceDetail.objects.filter(resource_uuid=network.uuid).exists()
    assert api("listTags", resourcetype="Network") == {}
