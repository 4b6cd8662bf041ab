"""Changing users and accounts: updateUser, deleteUser, disableUser, enableUser, lockUser,
moveUser, updateAccount, enableAccount, disableAccount, lockAccount.

Root admins change everyone, domain admins the non-admin users and accounts of their domain
subtree, a user only its own user (updateUser); the services check it. A disabled or locked
user, or a user of a disabled or locked account, can neither log in nor use its API keys.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Account, Domain, Role
from portal.services import tenancy as services
from portal.services import users as user_services

from ._common import Param, success
from .tenancy import ACCOUNT, USER, User, account_queryset, user_queryset

register_result("User", user_queryset, USER, "User")
register_result("Account", account_queryset, ACCOUNT, "Account")

USER_ID = Param("id", "uuid", required=True, related="listUsers", description="the user ID")
UPDATABLE_USER_FIELDS = (
    ("email", "email"),
    ("firstname", "first_name"),
    ("lastname", "last_name"),
    ("timezone", "timezone"),
    ("username", "username"),
)


def _user(ctx):
    return ctx.get(User, "id", required=True, queryset=user_queryset())


def _answer_user(ctx, user):
    return ctx.one(user_queryset().get(pk=user.pk), USER)


@command(
    "updateUser",
    "Updates a user account (a new password needs currentpassword when it is one's own)",
    params=[
        USER_ID,
        Param("email"),
        Param("firstname"),
        Param("lastname"),
        Param("username", description="unique username"),
        Param("timezone"),
        Param("password", description="the new password"),
        Param("currentpassword", description="the current password (changing one's own)"),
    ],
    shape=USER,
)
def update_user(ctx):
    user = _user(ctx)
    changes = {field: ctx.str(p) for p, field in UPDATABLE_USER_FIELDS if ctx.has(p)}
    if ctx.has("currentpassword") and not ctx.has("password"):
        raise param_error("currentpassword is only accepted together with password")
    if changes:
        user = user_services.update_user(
            user, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
        )
    if ctx.has("password"):
        is_self = ctx.user.pk == user.pk
        if is_self and not ctx.has("currentpassword"):
            raise param_error("Current password is required to change your own password")
        try:
            user_services.change_password(
                user,
                acting_user=ctx.user,
                client_ip=ctx.client_ip,
                new_password=ctx.str("password"),
                old_password=ctx.str("currentpassword"),
            )
        except ValidationError as exc:
            if "old_password" in getattr(exc, "message_dict", {}):
                raise param_error("Current password is incorrect") from None
            raise
    return _answer_user(ctx, user)


@command("deleteUser", "Deletes a user of an account", params=[USER_ID])
def delete_user(ctx):
    user = _user(ctx)
    if _is_last_user_of_system_admin(user):
        raise param_error("The last user of the system admin account cannot be deleted")
    user_services.delete_user(user, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


def _is_last_user_of_system_admin(user) -> bool:
    account = user.account
    return (
        account is not None
        and account.name == "admin"
        and account.domain.parent_id is None
        and account.users.count() == 1
    )


@command(
    "disableUser",
    "Disables a user: it cannot log in or use its API keys",
    params=[USER_ID],
    shape=USER,
    isasync=True,
)
def disable_user(ctx):
    user = user_services.disable_user(_user(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(completed_job(ctx, user), user)


@command(
    "enableUser", "Enables a user (and clears its failed logins)", params=[USER_ID], shape=USER
)
def enable_user(ctx):
    user = user_services.enable_user(_user(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return _answer_user(ctx, user)


@command(
    "lockUser",
    "Locks a user: it cannot log in or use its API keys until an admin enables it",
    params=[USER_ID],
    shape=USER,
)
def lock_user(ctx):
    user = user_services.lock_user(_user(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return _answer_user(ctx, user)


@command(
    "moveUser",
    "Moves a user to another account in the same domain",
    params=[
        USER_ID,
        Param("account", description="the name of the account to move the user to"),
        Param("accountid", "uuid", related="listAccounts", description="the account to move to"),
    ],
)
def move_user(ctx):
    user = _user(ctx)
    if ctx.has("account") == ctx.has("accountid"):
        raise param_error("Please provide either account or accountid, not both")
    if ctx.has("accountid"):
        target = ctx.get(Account, "accountid")
    else:
        target = (
            Account.objects.restrict(ctx.user, "view")
            .filter(domain_id=user.account.domain_id, name=ctx.str("account"))
            .first()
        )
        if target is None:
            raise param_error(f"Unable to find account {ctx.str('account')} in the user's domain")
    user_services.move_user(user, account=target, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


# -- accounts --------------------------------------------------------------------------------
ACCOUNT_BY_NAME = [
    Param("id", "uuid", related="listAccounts", description="the account ID"),
    Param("account", description="the account name (with domainid; default: your domain)"),
    Param("domainid", "uuid", related="listDomains", description="the account's domain"),
]


def _account(ctx, *, by_name_only: bool = False) -> Account:
    """The account named by id, or by account (+ domainid, else the caller's domain)."""
    if ctx.has("id") and not by_name_only:
        if ctx.has("account"):
            raise param_error("Please provide either id or account, not both")
        return ctx.get(Account, "id", queryset=account_queryset())
    if not ctx.has("account"):
        raise param_error("Please provide either the account id or the account name")
    domain = ctx.get(Domain, "domainid") or ctx.user.account.domain
    found = (
        account_queryset()
        .restrict(ctx.user, "view")
        .filter(domain=domain, name=ctx.str("account"))
        .first()
    )
    if found is None:
        raise param_error(f"Unable to find account {ctx.str('account')} in domain {domain.path}")
    return found


def _answer_account(ctx, account):
    return ctx.one(account_queryset().get(pk=account.pk), ACCOUNT)


@command(
    "updateAccount",
    "Updates an account's name, network domain or role",
    params=[
        *ACCOUNT_BY_NAME,
        Param("newname", description="new name for the account"),
        Param("networkdomain", description="network domain for the account's networks"),
        Param("roleid", "uuid", related="listRoles", description="the account's new role"),
    ],
    shape=ACCOUNT,
)
def update_account(ctx):
    account = _account(ctx)
    changes = {}
    if ctx.has("newname"):
        changes["name"] = ctx.str("newname")
    if ctx.has("networkdomain"):
        changes["network_domain"] = ctx.str("networkdomain")
    if ctx.has("roleid"):
        changes["role"] = ctx.get(Role, "roleid")  # the service checks its type
    account = services.update_account(
        account, acting_user=ctx.user, client_ip=ctx.client_ip, **changes
    )
    return _answer_account(ctx, account)


@command("enableAccount", "Enables an account", params=ACCOUNT_BY_NAME, shape=ACCOUNT)
def enable_account(ctx):
    account = services.enable_account(_account(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return _answer_account(ctx, account)


@command(
    "disableAccount",
    "Disables an account (lock=true: locks it); its users cannot log in or use API keys",
    params=[*ACCOUNT_BY_NAME, Param("lock", "boolean", required=True)],
    shape=ACCOUNT,
    isasync=True,
)
def disable_account(ctx):
    change = services.lock_account if ctx.bool("lock") else services.disable_account
    account = change(_account(ctx), acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(completed_job(ctx, account), account)


@command(
    "lockAccount",
    "Locks an account: its users cannot log in or use API keys until it is enabled",
    params=[
        Param("account", required=True, description="the account name"),
        Param("domainid", "uuid", required=True, related="listDomains"),
    ],
    shape=ACCOUNT,
)
def lock_account(ctx):
    account = services.lock_account(
        _account(ctx, by_name_only=True), acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return _answer_account(ctx, account)
