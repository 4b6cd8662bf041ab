"""Tenancy: domains, accounts, users, user keys, roles, projects, resource limits."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from portal.choices import ResourceType
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Account, ApiKeyPair, Domain, Project, ResourceLimit, Role
from portal.services import apikeys, limits
from portal.services import tenancy as services

from ._common import Param, cs_date, shape, uid
from .domain_usage import FIELD_NAMES, FIELD_TYPES, usage_fields
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of
from .vms import _owner_account

User = get_user_model()
ACCOUNT_TYPE = {0: "0", 1: "1", 2: "2", 3: "3"}
USER_SOURCES = ("native", "ldap", "saml2", "saml2disabled", "oauth2")


def _domain_path(domain) -> str:
    """CloudStack's display path: ``ROOT/Acme/Dev``."""
    return "ROOT" + domain.path.rstrip("/") if domain.path != "/" else "ROOT"


@shape(
    "domain",
    "id name level parentdomainid parentdomainname haschild path networkdomain state created "
    + FIELD_NAMES,
    level="integer",
    haschild="boolean",
    created="date",
    **FIELD_TYPES,
)
def DOMAIN(d, ctx):
    details = (ctx.str("details") or "all").lower() if ctx.command.name == "listDomains" else ""
    return {
        **(usage_fields(d) if details in ("all", "resource") else {}),
        "created": cs_date(d.created),
        "id": uid(d),
        "name": d.name,
        "level": d.level,
        "parentdomainid": uid(d.parent),
        "parentdomainname": d.parent.name if d.parent else None,
        "haschild": getattr(d, "child_count", 0) > 0,
        "path": _domain_path(d),
        "networkdomain": d.network_domain or None,
        "state": d.state.capitalize(),
    }


@command(
    "listDomains",
    "Lists domains and provides detailed information for listed domains",
    params=[
        Param("id", "uuid", related="listDomains"),
        Param("name"),
        Param("level", "integer"),
        Param("listall", "boolean"),
        Param("details", "list", description="all (default), resource or min"),
    ],
    shape=DOMAIN,
    is_list=True,
)
def list_domains(ctx):
    if (ctx.str("details") or "all").lower() not in ("all", "resource", "min"):
        raise param_error("details: one of all, resource, min")
    from django.db.models import Count

    qs = (
        Domain.objects.restrict(ctx.user, "view")
        .select_related("parent")
        .annotate(child_count=Count("children"))
    )
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Domain, "id").pk)
    elif not ctx.bool("listall") and not ctx.is_root and not ctx.is_domain_admin:
        qs = qs.filter(pk=ctx.user.account.domain_id)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("level"):
        wanted = ctx.int("level")
        qs = [d for d in qs if d.level == wanted]
        return ctx.listing(qs)
    return ctx.listing(ctx.keyword(qs))


@command(
    "createDomain",
    "Creates a domain",
    params=[
        Param("name", required=True),
        Param("parentdomainid", "uuid", related="listDomains"),
        Param("networkdomain"),
    ],
    shape=DOMAIN,
)
def create_domain(ctx):
    parent = ctx.get(Domain, "parentdomainid") or Domain.objects.get(parent=None)
    domain = services.create_domain(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        parent=parent,
        name=ctx.str("name"),
        network_domain=ctx.str("networkdomain", ""),
    )
    return ctx.one(domain)


USER_SPEC = (
    "id username firstname lastname email created state account accounttype accountid "
    "domainid domain roleid rolename roletype timezone isdefault apikey usersource"
)


def _api_key(u) -> str | None:
    """The user's newest live API key (never the secret); prefetched by user_queryset."""
    live = [k for k in u.api_keys.all() if not k.revoked]
    return max(live, key=lambda k: k.created).api_key if live else None


def user_queryset():
    """Users with what the user answer needs (account, domain, role, API keys)."""
    return User.objects.select_related("account__domain", "account__role").prefetch_related(
        "api_keys"
    )


def _user(u, ctx):
    account = u.account
    return {
        "apikey": _api_key(u),
        "usersource": "native",
        "id": uid(u),
        "username": u.username,
        "firstname": u.first_name,
        "lastname": u.last_name,
        "email": u.email,
        "created": cs_date(u.date_joined),
        "state": u.state,
        "account": account.name if account else None,
        "accounttype": account.account_type if account else None,
        "accountid": uid(account),
        "domainid": uid(account.domain) if account else None,
        "domain": account.domain.name if account else None,
        "roleid": uid(account.role) if account else None,
        "rolename": account.role.name if account else None,
        "roletype": account.role.role_type if account else None,
        "timezone": u.timezone or None,
        "isdefault": False,
    }


USER = shape("user", USER_SPEC, created="date", accounttype="integer", isdefault="boolean")(_user)


@shape(
    "account",
    "id name accounttype roleid rolename roletype domainid domain domainpath state "
    "networkdomain user",
    accounttype="integer",
    user="list",
)
def ACCOUNT(a, ctx):
    return {
        "id": uid(a),
        "name": a.name,
        "accounttype": a.account_type,
        "roleid": uid(a.role),
        "rolename": a.role.name,
        "roletype": a.role.role_type,
        "domainid": uid(a.domain),
        "domain": a.domain.name,
        "domainpath": _domain_path(a.domain),
        "state": a.state,
        "networkdomain": a.network_domain or None,
        "isdefault": a.domain.parent_id is None and a.name == "admin",
        "user": [USER.render(u, ctx) for u in a.users.all()],
    }


def account_queryset():
    return Account.objects.select_related("domain", "role").prefetch_related(
        Prefetch("users", queryset=user_queryset())
    )


@command(
    "listAccounts",
    "Lists accounts and provides detailed account information for listed accounts",
    params=[
        Param("id", "uuid", related="listAccounts"),
        Param("name"),
        Param("accounttype", "integer"),
        Param("state"),
        Param("domainid", "uuid", related="listDomains"),
        Param("isrecursive", "boolean"),
        Param("listall", "boolean"),
    ],
    shape=ACCOUNT,
    is_list=True,
)
def list_accounts(ctx):
    qs = account_queryset().restrict(ctx.user, "view")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Account, "id").pk)
    elif ctx.has("domainid"):
        domain = ctx.get(Domain, "domainid")
        qs = (
            qs.filter(domain__path__startswith=domain.path)
            if ctx.bool("isrecursive")
            else qs.filter(domain=domain)
        )
    elif not ctx.bool("listall"):
        qs = qs.filter(pk=ctx.user.account_id) if not ctx.is_domain_admin else qs
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("accounttype"):
        qs = qs.filter(account_type=ctx.int("accounttype"))
    if ctx.has("state"):
        qs = qs.filter(state__iexact=ctx.str("state"))
    return ctx.listing(ctx.keyword(qs))


USER_FIELDS = (
    ("username", "username"),
    ("password", "password"),
    ("email", "email"),
    ("firstname", "first_name"),
    ("lastname", "last_name"),
    ("timezone", "timezone"),
)


@command(
    "createAccount",
    "Creates an account",
    params=[
        Param("username", required=True),
        Param("password", required=True),
        Param("email", required=True),
        Param("firstname", required=True),
        Param("lastname", required=True),
        Param("accounttype", "integer"),
        Param("roleid", "uuid", related="listRoles"),
        Param("domainid", "uuid", related="listDomains"),
        Param("account"),
        Param("networkdomain"),
        Param("timezone"),
    ],
    shape=ACCOUNT,
)
def create_account(ctx):
    role = ctx.get(Role, "roleid")
    account_type = ctx.int("accounttype")
    if account_type is None:
        account_type = (
            {"Admin": 1, "DomainAdmin": 2, "ResourceAdmin": 3}.get(role.role_type, 0) if role else 0
        )
    fields = {field: ctx.str(p) for p, field in USER_FIELDS if ctx.has(p)}
    account = services.create_account(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        domain=ctx.get(Domain, "domainid") or ctx.user.account.domain,
        account_type=account_type,
        role=role,
        name=ctx.str("account") or ctx.str("username"),
        network_domain=ctx.str("networkdomain", ""),
        **fields,
    )
    return ctx.one(account_queryset().get(pk=account.pk))


@command(
    "listUsers",
    "Lists user accounts",
    params=[
        Param("id", "uuid", related="listUsers"),
        Param("username"),
        Param("accountid", "uuid"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("state"),
        Param("listall", "boolean"),
        Param("isrecursive", "boolean"),
        Param("accounttype", "integer", description="list users of accounts of this type"),
        Param("usersource", description="native: every user here is a native one"),
    ],
    shape=USER,
    is_list=True,
)
def list_users(ctx):
    qs = user_queryset().restrict(ctx.user, "view")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(User, "id").pk)
    elif ctx.has("accountid"):
        qs = qs.filter(account=ctx.get(Account, "accountid"))
    elif ctx.has("domainid"):
        domain = ctx.get(Domain, "domainid")
        qs = qs.filter(account__domain=domain)
        if ctx.has("account"):
            qs = qs.filter(account__name=ctx.str("account"))
    elif ctx.has("account"):  # upstream: an account name alone is in the caller's domain
        qs = qs.filter(account__domain=ctx.user.account.domain, account__name=ctx.str("account"))
    elif not ctx.bool("listall") and not ctx.is_root:
        qs = qs.filter(account=ctx.user.account) if not ctx.is_domain_admin else qs
    if ctx.has("username"):
        qs = qs.filter(username=ctx.str("username"))
    if ctx.has("state"):
        qs = qs.filter(state__iexact=ctx.str("state"))
    if ctx.has("accounttype"):
        qs = qs.filter(account__account_type=ctx.int("accounttype"))
    if ctx.has("usersource"):
        source = ctx.str("usersource").lower()
        if source not in USER_SOURCES:
            raise param_error(f"Invalid usersource {source}: use {', '.join(USER_SOURCES)}")
        qs = qs if source == "native" else qs.none()  # no LDAP/SAML/OAuth2 users here
    return ctx.listing(ctx.keyword(qs, "username").order_by("id"))


@command(
    "createUser",
    "Creates a user for an account that already exists",
    params=[
        Param("account", required=True),
        Param("username", required=True),
        Param("password", required=True),
        Param("email", required=True),
        Param("firstname", required=True),
        Param("lastname", required=True),
        Param("domainid", "uuid", related="listDomains"),
        Param("timezone"),
    ],
    shape=USER,
)
def create_user(ctx):
    domain = ctx.get(Domain, "domainid") or ctx.user.account.domain
    account = (
        Account.objects.restrict(ctx.user, "view")
        .filter(domain=domain, name=ctx.str("account"))
        .first()
    )
    if account is None:
        raise param_error(f"Unable to find account {ctx.str('account')} in domain {domain.path}")
    fields = {field: ctx.str(p) for p, field in USER_FIELDS if ctx.has(p)}
    user = services.create_user(
        acting_user=ctx.user, client_ip=ctx.client_ip, account=account, **fields
    )
    return ctx.one(user_queryset().get(pk=user.pk))


@shape("userkeys", "apikey secretkey")
def USER_KEYS(pair, ctx):
    return {"apikey": pair.api_key, "secretkey": getattr(pair, "shown_secret", None)}


@command(
    "registerUserKeys",
    "Generates a new API key and secret key for a user (the secret is shown once)",
    params=[Param("id", "uuid", required=True, related="listUsers")],
    shape=USER_KEYS,
)
def register_user_keys(ctx):
    user = ctx.get(User, "id", required=True)
    pair = apikeys.create_api_key(
        acting_user=ctx.user, client_ip=ctx.client_ip, user=user, name="cloudstack"
    )
    pair.shown_secret = pair.secret_key
    return ctx.one(pair)


@command(
    "getUserKeys",
    "Returns the API key of a user (the secret key is never shown again)",
    params=[Param("id", "uuid", required=True, related="listUsers")],
    shape=USER_KEYS,
)
def get_user_keys(ctx):
    user = ctx.get(User, "id", required=True)
    pair = (
        ApiKeyPair.objects.restrict(ctx.user, "view")
        .filter(user=user, revoked=False)
        .order_by("-created")
        .first()
    )
    return ctx.one(pair) if pair is not None else {}


@shape("role", "id name type description isdefault", isdefault="boolean")
def ROLE(r, ctx):
    return {
        "id": uid(r),
        "name": r.name,
        "type": r.role_type,
        "description": r.description,
        "isdefault": r.is_default,
    }


@command(
    "listRoles",
    "Lists dynamic roles in CloudStack",
    params=[Param("id", "uuid", related="listRoles"), Param("name"), Param("type")],
    shape=ROLE,
    is_list=True,
)
def list_roles(ctx):
    qs = Role.objects.restrict(ctx.user, "view")
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Role, "id").pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("type"):
        qs = qs.filter(role_type__iexact=ctx.str("type"))
    return ctx.listing(ctx.keyword(qs))


@shape(
    "project",
    "id name displaytext domainid domain account state owner created tags",
    owner="list",
    created="date",
    tags="list",
)
def PROJECT(p, ctx):
    return {
        "id": uid(p),
        "name": p.name,
        "displaytext": p.display_text or p.name,
        "domainid": uid(p.domain),
        "domain": p.domain.name,
        "account": p.account.name,
        "owner": [{"account": p.account.name, "accountid": uid(p.account)}],
        "state": p.state,
        "created": cs_date(p.created),
        "tags": tags_of(ctx, "Project", p),
    }


def project_queryset():
    return Project.objects.select_related("domain", "account")


register_result("Project", project_queryset, PROJECT, "Project")


@command(
    "listProjects",
    "Lists projects and provides detailed information for listed projects",
    params=[
        TAGS_FILTER,
        Param("id", "uuid", related="listProjects"),
        Param("name"),
        Param("state"),
        Param("domainid", "uuid", related="listDomains"),
        Param("account"),
        Param("listall", "boolean"),
        Param("isrecursive", "boolean"),
    ],
    shape=PROJECT,
    is_list=True,
)
def list_projects(ctx):
    qs = project_queryset().restrict(ctx.user, "view")
    if not ctx.is_root:
        qs = (
            qs
            | Project.objects.filter(members=ctx.user.account).select_related("domain", "account")
        ).distinct()
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Project, "id", queryset=qs).pk)
    if ctx.has("domainid"):
        qs = qs.filter(domain=ctx.get(Domain, "domainid"))
    for param, field in (
        ("name", "name"),
        ("state", "state__iexact"),
        ("account", "account__name"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.str(param)})
    qs = filter_by_tag_params(ctx, qs, "Project")
    return ctx.listing(ctx.keyword(qs))


@command(
    "createProject",
    "Creates a project",
    params=[
        Param("name", required=True),
        Param("displaytext"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=PROJECT,
    isasync=True,
)
def create_project(ctx):
    project = services.create_project(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx),
        name=ctx.str("name"),
        display_text=ctx.str("displaytext") or ctx.str("name"),
    )
    return answer(completed_job(ctx, project), project)


# CloudStack's numeric resource types.
RESOURCE_TYPES = {
    0: ResourceType.INSTANCE,
    1: ResourceType.PUBLIC_IP,
    2: ResourceType.VOLUME,
    3: ResourceType.SNAPSHOT,
    4: ResourceType.TEMPLATE,
    5: ResourceType.PROJECT,
    6: ResourceType.NETWORK,
    8: ResourceType.CPU,
    9: ResourceType.MEMORY,
    10: ResourceType.PRIMARY_STORAGE,
    11: ResourceType.SECONDARY_STORAGE,
}
NUMBER = {v: k for k, v in RESOURCE_TYPES.items()}


@shape("resourcelimit", "resourcetype resourcetypename max account domainid domain", max="long")
def RESOURCE_LIMIT(row, ctx):
    return row


def _limit_row(resource_type: str, maximum: int, account, domain) -> dict:
    owner_domain = account.domain if account else domain
    return {
        "resourcetype": str(NUMBER[resource_type]),
        "resourcetypename": resource_type,
        "max": maximum,
        "account": account.name if account else None,
        "domainid": uid(owner_domain),
        "domain": owner_domain.name,
    }


def _limit_owner(ctx):
    account = _owner_account(ctx)
    if account is None and ctx.has("domainid") and not ctx.has("account"):
        return None, ctx.get(Domain, "domainid")
    return account or ctx.user.account, None


@command(
    "listResourceLimits",
    "Lists resource limits.",
    params=[
        Param("resourcetype", "integer"),
        Param("resourcetypename"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=RESOURCE_LIMIT,
    is_list=True,
)
def list_resource_limits(ctx):
    account, domain = _limit_owner(ctx)
    rows = (
        ResourceLimit.objects.filter(account=account)
        if account
        else ResourceLimit.objects.filter(domain=domain)
    )
    current = {r.resource_type: r.max for r in rows}
    wanted = (
        RESOURCE_TYPES.get(ctx.int("resourcetype"))
        if ctx.has("resourcetype")
        else ctx.str("resourcetypename")
    )
    out = [
        _limit_row(rt, current.get(rt, -1), account, domain)
        for _, rt in sorted(RESOURCE_TYPES.items())
        if wanted is None or rt == wanted
    ]
    return ctx.listing(out)


@command(
    "updateResourceLimit",
    "Updates resource limits for an account or domain.",
    params=[
        Param("resourcetype", "integer", required=True),
        Param("max", "long"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
    ],
    shape=RESOURCE_LIMIT,
)
def update_resource_limit(ctx):
    resource_type = RESOURCE_TYPES.get(ctx.int("resourcetype", required=True))
    if resource_type is None:
        raise param_error(f"Invalid resource type {ctx.str('resourcetype')}")
    account, domain = _limit_owner(ctx)
    limit, _ = limits.set_resource_limit(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        resource_type=resource_type,
        max=ctx.int("max", -1),
        account=account,
        domain=domain,
    )
    return ctx.one(_limit_row(resource_type, limit.max, account, domain))
