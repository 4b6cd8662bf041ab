"""update_instance: names, user data, HA flag; validation and state rules."""

import pytest
from django.core.exceptions import ValidationError

from compute.lifecycle import destroy_instance
from compute.lifecycle.update import update_instance
from portal.models import Event
from tests.volumes.helpers import deploy, run

pytestmark = pytest.mark.django_db


def test_update_changes_only_what_is_given(tenant, cloud, no_broker):
    vm = deploy(tenant, cloud, start=False, name="web1", user_data="b2xk")
    update_instance(vm, acting_user=tenant, display_name="Web", ha_enabled=True)
    vm.refresh_from_db()
    assert (vm.display_name, vm.name, vm.user_data, vm.ha_enabled) == ("Web", "web1", "b2xk", True)
    update_instance(vm, acting_user=tenant, name="web2", user_data="")
    vm.refresh_from_db()
    assert vm.name == "web2" and vm.user_data == ""
    event = Event.objects.filter(event_type="VM.UPDATE", resource_id=str(vm.uuid)).first()
    assert event is not None and "user data" in event.description


def test_update_validates(tenant, cloud, no_broker):
    vm = deploy(tenant, cloud, start=False, name="web1")
    deploy(tenant, cloud, start=False, name="web2")
    with pytest.raises(ValidationError) as err:
        update_instance(vm, acting_user=tenant, name="-bad")
    assert "name" in err.value.message_dict
    with pytest.raises(ValidationError, match="already has an instance named web2"):
        update_instance(vm, acting_user=tenant, name="web2")
    with pytest.raises(ValidationError) as err:
        update_instance(vm, acting_user=tenant, user_data="x" * 1048577, display_name="ok")
    assert "user_data" in err.value.message_dict
    vm.refresh_from_db()
    assert vm.name == "web1" and vm.display_name == "web1"


def test_destroyed_instances_cannot_be_updated(tenant, cloud, no_broker):
    vm = deploy(tenant, cloud, start=False)
    run(destroy_instance(vm, acting_user=tenant))
    vm.refresh_from_db()
    with pytest.raises(ValidationError, match="Destroyed"):
        update_instance(vm, acting_user=tenant, display_name="x")
