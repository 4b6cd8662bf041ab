import pytest

from portal.models import Role


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["User", "Domain Admin", "Read-Only User - Default"])
def test_tenant_roles_read_what_they_deploy_from_but_not_infrastructure(defaults, role):
    rules = Role.objects.get(name=role)
    for command in ("listZones", "listServiceOfferings", "listTemplates", "listHypervisors"):
        assert rules.allows(command), command
    for command in ("createZone", "listHosts", "addHost", "listStoragePools", "deleteZone"):
        assert not rules.allows(command), command


@pytest.mark.django_db
def test_user_role_runs_its_own_lifecycle_but_read_only_does_not(defaults):
    user, read_only = (
        Role.objects.get(name="User"),
        Role.objects.get(name="Read-Only User - Default"),
    )
    assert user.allows("deployVirtualMachine") and user.allows("stopVirtualMachine")
    assert not read_only.allows("deployVirtualMachine")
    assert read_only.allows("listVirtualMachines")
