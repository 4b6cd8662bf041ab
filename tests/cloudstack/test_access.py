"""Role-based access (every command x every default role), tenant isolation and the query
budget of listVirtualMachines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cloudstack.commands import vms  # noqa: F401  (registers the commands)
from portal.cloudstack.registry import REGISTRY
from portal.defaults import DEFAULT_ROLES

pytestmark = pytest.mark.django_db

ROLE_ACCOUNT_TYPE = {"Admin": 1, "ResourceAdmin": 3, "DomainAdmin": 2, "User": 0}


@pytest.fixture
def role_users(defaults):
    from portal.models import Role
    from tests.factories import AccountFactory, UserFactory

    users = {}
    for name, role_type, *_ in DEFAULT_ROLES:
        role = Role.objects.get(name=name)
        account = AccountFactory(account_type=ROLE_ACCOUNT_TYPE[role_type], role=role)
        users[name] = UserFactory(account=account)
    return users


@pytest.mark.parametrize("role_name", [r[0] for r in DEFAULT_ROLES])
def test_every_command_for_every_role(role_name, role_users, cs_client, seeded):
    user = role_users[role_name]
    api = cs_client(user)
    role = user.account.role
    checked = 0
    for name in sorted(REGISTRY):
        response = api.raw(name)
        body = response.json()
        assert response["Content-Type"].startswith("application/json")
        if role.allows(name):
            assert response.status_code != 432, (name, body)
            assert response.status_code < 500 or response.status_code in (533, 534, 535), (
                name,
                body,
            )
        else:
            assert response.status_code == 432, (name, body)
            assert list(body) == ["errorresponse"]
        checked += 1
    assert checked == len(REGISTRY)


def test_user_role_cannot_touch_infrastructure(role_users, cs_client, seeded):
    api = cs_client(role_users["User"])
    for name in ("createZone", "addHost", "listHosts", "createServiceOffering", "listStoragePools"):
        assert api.raw(name).status_code == 432, name
    assert api("listVirtualMachines") == {}


def _vm(user, seeded):
    from tests.factories import InstanceFactory

    return InstanceFactory(
        account=user.account,
        zone=seeded["zone"],
        service_offering=seeded["offering"],
        template=seeded["template"],
    )


def test_tenants_see_only_their_own(
    cs_client, tenant, other_tenant, domain_admin, root_admin, seeded
):
    from tests.factories import AccountFactory, UserFactory

    mine, theirs = _vm(tenant, seeded), _vm(other_tenant, seeded)
    sub_user = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
    in_subtree = _vm(sub_user, seeded)

    def ids(user, **params):
        body = cs_client(user)("listVirtualMachines", **params)
        return {v["id"] for v in body.get("virtualmachine", [])}

    assert ids(tenant) == {str(mine.uuid)}
    assert ids(tenant, listall="true") == {str(mine.uuid)}
    assert ids(other_tenant, listall="true") == {str(theirs.uuid)}
    assert ids(domain_admin) == set()
    assert ids(domain_admin, listall="true") == {str(in_subtree.uuid)}
    assert ids(root_admin, listall="true") >= {
        str(mine.uuid),
        str(theirs.uuid),
        str(in_subtree.uuid),
    }
    assert ids(
        root_admin, domainid=str(tenant.account.domain.uuid), account=tenant.account.name
    ) == {str(mine.uuid)}
    # another tenant's VM is not found: 431, never a 403 or its data
    api = cs_client(tenant)
    for command in ("startVirtualMachine", "stopVirtualMachine", "destroyVirtualMachine"):
        response = api.raw(command, id=str(theirs.uuid))
        assert response.status_code == 431, command
    assert api.raw("listVirtualMachines", id=str(theirs.uuid)).status_code == 431
    assert (
        api.raw("queryAsyncJobResult", jobid="00000000-0000-0000-0000-000000000000").status_code
        == 431
    )


def test_cross_tenant_keypairs_and_volumes(cs_client, tenant, other_tenant, seeded):
    from tests.factories import SSHKeyPairFactory, VolumeFactory

    SSHKeyPairFactory(account=other_tenant.account, name="theirs")
    VolumeFactory(account=other_tenant.account, zone=seeded["zone"])
    api = cs_client(tenant)
    assert api("listSSHKeyPairs", listall="true") == {}
    assert api("listVolumes", listall="true") == {}
    assert api.raw("deleteSSHKeyPair", name="theirs").status_code == 431
    created = api("createSSHKeyPair", name="mine")["keypair"]
    assert created["privatekey"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    listed = api("listSSHKeyPairs")
    assert [k["name"] for k in listed["sshkeypair"]] == ["mine"]
    assert "privatekey" not in listed["sshkeypair"][0]
    assert cs_client(other_tenant)("listSSHKeyPairs")["sshkeypair"][0]["name"] == "theirs"


def test_list_virtual_machines_query_count_is_constant(cs_client, root_admin, seeded):
    from networking.models import Nic
    from tests.factories import NetworkFactory

    api = cs_client(root_admin)
    network = NetworkFactory(zone=seeded["zone"], account=root_admin.account)

    def add(n):
        for _ in range(n):
            vm = _vm(root_admin, seeded)
            Nic.objects.create(
                instance=vm,
                network=network,
                mac_address=f"02:00:00:00:{vm.pk // 256:02x}:{vm.pk % 256:02x}",
                ip_address=f"10.1.{vm.pk // 250}.{vm.pk % 250 + 2}",
                is_default=True,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            body = api("listVirtualMachines")
        return len(queries), body

    add(1)
    api("listVirtualMachines")  # warms the per-process caches (roles, settings)
    one, body = count()
    assert body["count"] == 1 and body["virtualmachine"][0]["nic"][0]["networkid"] == str(
        network.uuid
    )
    add(49)
    fifty, body = count()
    assert body["count"] == 50
    assert fifty == one
    assert one <= 8
