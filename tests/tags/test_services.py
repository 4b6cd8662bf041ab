"""Tag services: ownership, all-or-nothing creation, deletion rules, list filters."""

import pytest
from django.core.exceptions import ValidationError

from compute.models import Instance
from portal.models import Event, ResourceTag
from portal.services.tags import (
    create_tags,
    delete_tags,
    filter_by_tags,
    resource_type_name,
    taggable_resources,
    tags_by_resource,
)
from tests.factories import VolumeFactory
from tests.volumes.helpers import deploy

pytestmark = pytest.mark.django_db


def test_tags_belong_to_the_resource_owner(root_admin, tenant, cloud, no_broker):
    vm = deploy(tenant, cloud, start=False)
    [tag] = create_tags(
        acting_user=root_admin, resource_type="uservm", resources=[vm], tags={"env": "prod"}
    )
    assert tag.resource_type == "UserVm" and tag.account == tenant.account
    assert tag.domain == tenant.account.domain
    assert list(ResourceTag.objects.restrict(tenant, "view")) == [tag]
    assert Event.objects.filter(event_type="CREATE_TAGS", resource_id=str(vm.uuid)).exists()


def test_create_is_all_or_nothing(tenant, cloud, no_broker):
    a, b = deploy(tenant, cloud, start=False), deploy(tenant, cloud, start=False)
    create_tags(acting_user=tenant, resource_type="UserVm", resources=[b], tags={"env": "x"})
    with pytest.raises(ValidationError, match="already exists"):
        create_tags(
            acting_user=tenant,
            resource_type="UserVm",
            resources=[a, b],
            tags={"role": "web", "env": "prod"},
        )
    assert ResourceTag.objects.count() == 1
    with pytest.raises(ValidationError, match="empty"):
        create_tags(acting_user=tenant, resource_type="UserVm", resources=[a], tags={" ": "v"})
    with pytest.raises(ValidationError):
        create_tags(acting_user=tenant, resource_type="UserVm", resources=[a], tags={})


def test_resolving_resources_respects_tenancy(tenant, other_tenant, cloud, no_broker):
    mine = VolumeFactory(account=tenant.account, zone=cloud["zone"])
    theirs = VolumeFactory(account=other_tenant.account, zone=cloud["zone"])
    assert taggable_resources(tenant, "volume", [str(mine.uuid)]) == [mine]
    with pytest.raises(ValidationError) as err:
        taggable_resources(tenant, "Volume", [str(mine.uuid), str(theirs.uuid)])
    assert str(theirs.uuid) in err.value.message_dict["resource_ids"][0]
    with pytest.raises(ValidationError):
        taggable_resources(tenant, "Volume", ["not-a-uuid"])
    with pytest.raises(ValidationError) as err:
        resource_type_name("Router")
    assert "resource_type" in err.value.message_dict


def test_delete_by_key_value_or_all(tenant, cloud, no_broker):
    vm = deploy(tenant, cloud, start=False)
    create_tags(
        acting_user=tenant,
        resource_type="UserVm",
        resources=[vm],
        tags={"a": "1", "b": "2", "c": "3"},
    )
    assert (
        delete_tags(acting_user=tenant, resource_type="UserVm", resources=[vm], tags={"a": "wrong"})
        == 0
    )
    assert (
        delete_tags(
            acting_user=tenant, resource_type="UserVm", resources=[vm], tags={"a": "1", "b": None}
        )
        == 2
    )
    assert list(tags_by_resource([vm.uuid])[str(vm.uuid)]) == [ResourceTag.objects.get(key="c")]
    assert delete_tags(acting_user=tenant, resource_type="UserVm", resources=[vm]) == 1
    assert not ResourceTag.objects.exists()


def test_filter_by_tags_needs_every_tag(tenant, cloud, no_broker):
    web, db = deploy(tenant, cloud, start=False), deploy(tenant, cloud, start=False)
    create_tags(
        acting_user=tenant,
        resource_type="UserVm",
        resources=[web, db],
        tags={"env": "prod"},
    )
    create_tags(acting_user=tenant, resource_type="UserVm", resources=[web], tags={"role": "web"})
    qs = Instance.objects.all()
    assert set(filter_by_tags(qs, "UserVm", {"env": "prod"})) == {web, db}
    assert list(filter_by_tags(qs, "UserVm", {"env": "prod", "role": "web"})) == [web]
    assert list(filter_by_tags(qs, "UserVm", {"role": None})) == [web]
    assert not filter_by_tags(qs, "UserVm", {"env": "dev"}).exists()
    # same key on a volume does not leak into the VM filter
    volume = VolumeFactory(account=tenant.account, zone=cloud["zone"])
    create_tags(acting_user=tenant, resource_type="Volume", resources=[volume], tags={"x": "1"})
    assert not filter_by_tags(qs, "UserVm", {"x": "1"}).exists()
