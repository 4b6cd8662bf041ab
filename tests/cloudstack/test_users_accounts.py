"""updateUser, deleteUser, enable/disable/lockUser, moveUser, updateAccount,
enable/disable/lockAccount through the signing client: state changes that take effect on
API keys and logins, scopes of domain admins, and the user answer's apikey/usersource."""

import pytest

from portal.choices import AccountState
from portal.models import Event
from tests.cloudstack.conftest import make_key
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def _error(response, command):
    return response.json()[f"{command.lower()}response"]["errortext"]


def _login(client, user, password):
    params = {"command": "login", "username": user.username, "password": password}
    params |= {"domain": user.account.domain.path, "response": "json"}
    return client.post("/client/api", params)


def test_list_users_answers_apikey_never_secret(cs_client, root_admin, tenant):
    pair = make_key(tenant)
    api = cs_client(root_admin)
    user = api("listUsers", id=tenant.uuid)["user"][0]
    assert user["apikey"] == pair.api_key and user["usersource"] == "native"
    assert pair.secret_key not in str(api("listUsers", listall="true"))
    account = api("listAccounts", id=tenant.account.uuid)["account"][0]
    assert account["user"][0]["apikey"] == pair.api_key
    assert pair.secret_key not in str(account)
    keys = api("getUserKeys", id=tenant.uuid)
    assert list(keys) == ["userkeys"] and keys["userkeys"]["apikey"] == pair.api_key
    assert "secretkey" not in keys["userkeys"]


def test_disabled_and_locked_users_lose_api_and_login(client, cs_client, root_admin, tenant):
    tenant.set_password("Secret-pass-1")
    tenant.save()
    tenant_api = cs_client(tenant)
    assert tenant_api.raw("listZones").status_code == 200
    admin = cs_client(root_admin)
    job = admin("disableUser", id=tenant.uuid)
    result = admin("queryAsyncJobResult", jobid=job["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"]["user"]["state"] == "disabled"
    assert tenant_api.raw("listZones").status_code == 401
    assert _login(client, tenant, "Secret-pass-1").status_code == 531
    assert admin("enableUser", id=tenant.uuid)["user"]["state"] == "enabled"
    assert tenant_api.raw("listZones").status_code == 200
    assert admin("lockUser", id=tenant.uuid)["user"]["state"] == "locked"
    assert tenant_api.raw("listZones").status_code == 401
    admin("enableUser", id=tenant.uuid)
    assert _login(client, tenant, "Secret-pass-1").status_code == 200
    types = set(Event.objects.values_list("event_type", flat=True))
    assert {"USER.DISABLE", "USER.ENABLE", "USER.LOCK"} <= types


def test_disabled_and_locked_accounts(cs_client, root_admin, tenant):
    tenant_api = cs_client(tenant)
    admin = cs_client(root_admin)
    account = tenant.account
    job = admin("disableAccount", id=account.uuid, lock="false")
    assert admin("queryAsyncJobResult", jobid=job["jobid"])["jobresult"]["account"]["state"] == (
        "disabled"
    )
    assert tenant_api.raw("listZones").status_code == 401
    row = admin("enableAccount", account=account.name, domainid=account.domain.uuid)
    assert row["account"]["state"] == "enabled"
    assert tenant_api.raw("listZones").status_code == 200
    admin("disableAccount", id=account.uuid, lock="true")
    account.refresh_from_db()
    assert account.state == AccountState.LOCKED
    admin("enableAccount", id=account.uuid)
    row = admin("lockAccount", account=account.name, domainid=account.domain.uuid)
    assert row["account"]["state"] == "locked"
    assert tenant_api.raw("listZones").status_code == 401
    response = admin.raw("disableAccount", id=account.uuid)
    assert response.status_code == 431 and "lock" in _error(response, "disableAccount")
    response = admin.raw("enableAccount")
    assert response.status_code == 431


def test_update_account(cs_client, root_admin, tenant):
    from portal.models import Role

    admin = cs_client(root_admin)
    account = tenant.account
    other_user_role = Role.objects.create(name="Custom User", role_type="User")
    row = admin(
        "updateAccount",
        id=account.uuid,
        newname="renamed",
        networkdomain="r.example.test",
        roleid=other_user_role.uuid,
    )["account"]
    assert row["name"] == "renamed" and row["networkdomain"] == "r.example.test"
    assert row["rolename"] == "Custom User"
    admin_role = Role.objects.get(name="Root Admin")
    response = admin.raw("updateAccount", id=account.uuid, roleid=admin_role.uuid)
    assert response.status_code == 431
    response = admin.raw("updateAccount", id=account.uuid, accountdetails="x")
    assert response.status_code == 431  # upstream parameter not implemented: refused


def test_update_user_fields_and_password(client, cs_client, root_admin, tenant):
    tenant.set_password("Secret-pass-1")
    tenant.save()
    own = cs_client(tenant)
    row = own("updateUser", id=tenant.uuid, firstname="New", email="new@example.test")["user"]
    assert row["firstname"] == "New" and row["email"] == "new@example.test"
    response = own.raw("updateUser", id=tenant.uuid, password="next-pass")
    assert response.status_code == 431 and "Current password" in _error(response, "updateUser")
    response = own.raw("updateUser", id=tenant.uuid, password="n", currentpassword="wrong")
    assert response.status_code == 431 and "incorrect" in _error(response, "updateUser")
    own("updateUser", id=tenant.uuid, password="n", currentpassword="Secret-pass-1")
    assert _login(client, tenant, "n").status_code == 200
    cs_client(root_admin)("updateUser", id=tenant.uuid, password="by-admin")
    assert _login(client, tenant, "by-admin").status_code == 200
    for param in ("userapikey", "usersecretkey", "mandate2fa", "apikeyaccess"):
        response = own.raw("updateUser", id=tenant.uuid, **{param: "true"})
        assert response.status_code == 431, param


def test_move_and_delete_user(cs_client, root_admin, tenant):
    admin = cs_client(root_admin)
    target = AccountFactory(domain=tenant.account.domain)
    elsewhere = AccountFactory()
    colleague = UserFactory(account=tenant.account)
    assert admin("moveUser", id=colleague.uuid, accountid=target.uuid) == {"success": True}
    colleague.refresh_from_db()
    assert colleague.account == target
    admin("moveUser", id=colleague.uuid, account=tenant.account.name)
    colleague.refresh_from_db()
    assert colleague.account == tenant.account
    if elsewhere.domain_id != tenant.account.domain_id:
        response = admin.raw("moveUser", id=colleague.uuid, accountid=elsewhere.uuid)
        assert response.status_code == 431
    response = admin.raw("moveUser", id=colleague.uuid)
    assert response.status_code == 431
    assert admin("deleteUser", id=colleague.uuid) == {"success": True}
    assert not type(colleague).objects.filter(pk=colleague.pk).exists()


def test_cross_tenant_and_role_scopes(cs_client, tenant, other_tenant, domain_admin):
    api = cs_client(tenant)
    for command in ("disableUser", "lockUser", "enableUser", "deleteUser", "moveUser"):
        assert api.raw(command, id=other_tenant.uuid).status_code == 432, command
    for command in ("enableAccount", "lockAccount", "updateAccount"):
        response = api.raw(
            command, account=other_tenant.account.name, domainid=other_tenant.account.domain.uuid
        )
        assert response.status_code == 432, command
    # another tenant's user is not even visible to updateUser
    response = api.raw("updateUser", id=other_tenant.uuid, firstname="x")
    assert response.status_code == 431
    other_tenant.refresh_from_db()
    assert other_tenant.first_name != "x"
    # a domain admin manages users of its subtree only
    inside = UserFactory(account=AccountFactory(domain=domain_admin.account.domain))
    da = cs_client(domain_admin)
    assert da("lockUser", id=inside.uuid)["user"]["state"] == "locked"
    if not other_tenant.account.domain.path.startswith(domain_admin.account.domain.path):
        assert da.raw("lockUser", id=other_tenant.uuid).status_code == 431
        other_tenant.refresh_from_db()
        assert other_tenant.state == AccountState.ENABLED


def test_system_admin_cannot_be_locked_out(cs_client, root_admin):
    admin = cs_client(root_admin)
    response = admin.raw("lockUser", id=root_admin.uuid)
    assert response.status_code == 431
    response = admin.raw("disableAccount", id=root_admin.account.uuid, lock="false")
    assert response.status_code == 431


def test_list_users_by_account_type_and_source(cs_client, root_admin, tenant):
    api = cs_client(root_admin)
    users = api("listUsers", listall="true", accounttype=0)["user"]
    assert tenant.username in {u["username"] for u in users}
    assert root_admin.username not in {u["username"] for u in users}
    assert api("listUsers", listall="true", usersource="native")["count"] >= 2
    assert api("listUsers", listall="true", usersource="ldap") == {}
    assert api.raw("listUsers", usersource="kerberos").status_code == 431
