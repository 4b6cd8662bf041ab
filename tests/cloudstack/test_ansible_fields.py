"""What Ansible's CloudStack modules read and that /client/api lacked: listNics, the
``attached`` date of volumes, ``tags`` (key/value) on public IPs with PublicIpAddress
taggable, and listTemplates' account/domainid/isrecursive/listall."""

from __future__ import annotations

import pytest

from portal.models import ResourceTag
from tests.cloudstack.test_volumes_tags import finish
from tests.networking.factories import PublicIpRangeFactory
from tests.volumes.helpers import deploy

pytestmark = pytest.mark.django_db


def test_list_nics(cs_client, tenant, other_tenant, cloud, no_broker):
    vm = deploy(tenant, cloud)
    nic = vm.nics.get()
    api = cs_client(tenant)
    (listed,) = api("listNics", virtualmachineid=str(vm.uuid))["nic"]
    assert listed["id"] == str(nic.uuid) and listed["virtualmachineid"] == str(vm.uuid)
    assert listed["ipaddress"] == nic.ip_address and listed["isdefault"] is True
    assert listed["networkid"] == str(nic.network.uuid) and listed["secondaryip"] == []
    assert api("listNics", virtualmachineid=str(vm.uuid), nicid=str(nic.uuid))["count"] == 1
    assert api("listNics", virtualmachineid=str(vm.uuid), fordisplay="false") == {}
    missing = api.raw("listNics")
    assert (
        missing.status_code == 431
        and "virtualmachineid" in missing.json()["listnicsresponse"]["errortext"]
    )
    foreign = cs_client(other_tenant).raw("listNics", virtualmachineid=str(vm.uuid))
    assert foreign.status_code == 431


def test_volumes_answer_when_they_were_attached(cs_client, tenant, cloud, no_broker):
    vm = deploy(tenant, cloud)
    api = cs_client(tenant)
    (root,) = api("listVolumes", virtualmachineid=str(vm.uuid))["volume"]
    assert root["attached"] == root["created"]  # created with its VM
    disk = api("listDiskOfferings", name="Small")["diskoffering"][0]
    created = api(
        "createVolume", name="d1", zoneid=str(cloud["zone"].uuid), diskofferingid=disk["id"]
    )
    finish(api, created["jobid"])
    assert "attached" not in api("listVolumes", id=created["id"])["volume"][0]
    job = api("attachVolume", id=created["id"], virtualmachineid=str(vm.uuid))
    assert finish(api, job["jobid"])["jobresult"]["volume"]["attached"].endswith("+0000")
    assert api("listVolumes", id=created["id"])["volume"][0]["attached"]
    finish(api, api("detachVolume", id=created["id"])["jobid"])
    assert "attached" not in api("listVolumes", id=created["id"])["volume"][0]


def test_public_ip_tags(cs_client, tenant, other_tenant):
    ip_range = PublicIpRangeFactory(size=2)
    api = cs_client(tenant)
    ip = api("associateIpAddress", zoneid=str(ip_range.zone.uuid))
    assert api("listPublicIpAddresses", id=ip["id"])["publicipaddress"][0]["tags"] == []
    tagged = api(
        "createTags",
        resourceids=ip["id"],
        resourcetype="PublicIpAddress",
        **{"tags[0].key": "role", "tags[0].value": "web"},
    )
    assert finish(api, tagged["jobid"])["jobstatus"] == 1
    listed = api("listPublicIpAddresses", id=ip["id"])["publicipaddress"][0]
    assert listed["tags"] == [{"key": "role", "value": "web"}]
    (tag,) = api("listTags", resourcetype="PublicIpAddress")["tag"]
    assert tag["resourceid"] == ip["id"] and tag["account"] == tenant.account.name
    refused = cs_client(other_tenant).raw(
        "createTags",
        resourceids=ip["id"],
        resourcetype="PublicIpAddress",
        **{"tags[0].key": "x", "tags[0].value": "y"},
    )
    assert refused.status_code == 431
    # a released address loses its tags: the next owner starts clean
    finish(api, api("disassociateIpAddress", id=ip["id"])["jobid"])
    assert not ResourceTag.objects.filter(resource_type="PublicIpAddress").exists()


def test_list_templates_by_account(cs_client, root_admin, tenant, other_tenant):
    from tests.factories import TemplateFactory

    mine = TemplateFactory(account=tenant.account, zone=None)
    TemplateFactory(account=other_tenant.account, zone=None)
    admin = cs_client(root_admin)
    domain = str(tenant.account.domain.uuid)
    listed = admin(
        "listTemplates", templatefilter="self", account=tenant.account.name, domainid=domain
    )
    assert [t["id"] for t in listed["template"]] == [str(mine.uuid)]
    everyone = admin("listTemplates", templatefilter="self", listall="true")
    assert everyone["count"] == 2
    assert admin("listTemplates", templatefilter="self") == {}  # the admin's own: none
    # a tenant's isrecursive changes nothing: still its own templates only
    own = cs_client(tenant)("listTemplates", templatefilter="self", isrecursive="true")
    assert [t["id"] for t in own["template"]] == [str(mine.uuid)]
    unknown = admin.raw("listTemplates", templatefilter="self", account="nobody", domainid=domain)
    assert unknown.status_code == 431
