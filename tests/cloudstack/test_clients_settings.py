"""The ``cs`` client against a live server on loopback: configuration settings at global and
domain scope, the password policy they drive, and user/account lifecycle commands."""

import pytest
from cs import CloudStack, CloudStackApiException

pytestmark = pytest.mark.django_db(transaction=True)


def _client(live_server, user, **kwargs) -> CloudStack:
    from portal.services.apikeys import create_api_key

    pair = create_api_key(acting_user=user, user=user)
    return CloudStack(
        endpoint=f"{live_server.url}/client/api",
        key=pair.api_key,
        secret=pair.secret_key,
        poll_interval=0.1,
        **kwargs,
    )


def test_cs_settings_and_password_policy(live_server, root_admin):
    admin = _client(live_server, root_admin)
    domain = admin.createDomain(name="acme")["domain"]
    rows = admin.listConfigurations(fetch_list=True, group="Management Server")
    assert {"default.page.size", "password.policy.regex"} <= {r["name"] for r in rows}
    groups = admin.listConfigurationGroups(fetch_list=True)
    assert groups[0]["name"] == "Access" and groups[0]["subgroup"]
    account = {
        "email": "ops@example.test",
        "firstname": "Ops",
        "lastname": "Team",
        "accounttype": 0,
        "domainid": domain["id"],
    }
    # upstream's defaults: automation may create accounts with any password
    created = admin.createAccount(username="ops", password="ops", **account)["account"]
    assert created["user"][0]["usersource"] == "native"
    admin.updateConfiguration(
        name="password.policy.minimum.length", value="12", domainid=domain["id"]
    )
    admin.updateConfiguration(
        name="password.policy.minimum.digits", value="2", domainid=domain["id"]
    )
    scoped = admin.listConfigurations(name="password.policy.minimum.length", domainid=domain["id"])
    assert scoped["configuration"][0]["value"] == "12"
    assert scoped["configuration"][0]["scope"] == "domain"
    with pytest.raises(CloudStackApiException) as err:
        admin.createAccount(username="dev", password="short", **account)
    assert err.value.error["errorcode"] == 431
    assert "at least 12 characters" in err.value.error["errortext"]
    admin.createAccount(username="dev", password="long-password-42", **account)
    # the root domain keeps upstream's default
    admin.createAccount(
        username="root-ops", password="x", email="r@example.test", firstname="R", lastname="O"
    )
    reset = admin.resetConfiguration(name="password.policy.minimum.length", domainid=domain["id"])
    assert reset["configuration"]["value"] == "0"


def test_cs_user_and_account_lifecycle(live_server, root_admin, tenant):
    admin = _client(live_server, root_admin, fetch_result=True)
    own = _client(live_server, tenant)
    assert own.listZones() == {}
    user = admin.listUsers(id=str(tenant.uuid))["user"][0]
    assert user["apikey"] and "secretkey" not in user
    disabled = admin.disableUser(id=str(tenant.uuid))
    assert disabled["user"]["state"] == "disabled"
    with pytest.raises(CloudStackApiException) as err:
        own.listZones()
    assert err.value.error["errorcode"] == 401
    admin.enableUser(id=str(tenant.uuid))
    assert own.listZones() == {}
    locked = admin.disableAccount(id=str(tenant.account.uuid), lock=True)
    assert locked["account"]["state"] == "locked"
    with pytest.raises(CloudStackApiException):
        own.listZones()
    admin.enableAccount(id=str(tenant.account.uuid))
    updated = own.updateUser(id=str(tenant.uuid), lastname="Renamed")["user"]
    assert updated["lastname"] == "Renamed"
    renamed = admin.updateAccount(id=str(tenant.account.uuid), newname="renamed")["account"]
    assert renamed["name"] == "renamed"
    with pytest.raises(CloudStackApiException) as err:
        own.disableUser(id=str(root_admin.uuid))
    assert err.value.error["errorcode"] == 432
