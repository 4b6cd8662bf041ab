"""Dynamic roles and their permission rules: createRole, updateRole, deleteRole,
createRolePermission, listRolePermissions, deleteRolePermission (root admins only)."""

from __future__ import annotations

from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Role, RolePermission
from portal.services import roles as services

from ._common import Param, shape, success, uid
from .tenancy import ROLE

ROLE_TYPES = {t.lower(): t for t in ("Admin", "ResourceAdmin", "DomainAdmin", "User")}


def _role_type(ctx) -> str | None:
    value = ctx.str("type")
    if value is None:
        return None
    if value.lower() not in ROLE_TYPES:
        raise param_error(f"Invalid role type {value}: use {', '.join(ROLE_TYPES.values())}")
    return ROLE_TYPES[value.lower()]


def _rules(role: Role) -> list[dict]:
    return [
        {
            "rule": r.rule,
            "permission": r.permission,
            "description": r.description,
            "sort_order": r.sort_order,
        }
        for r in role.rules.all()
    ]


@command(
    "createRole",
    "Creates a role (of a type, or as a copy of an existing role with its rules)",
    params=[
        Param("name", required=True),
        Param("type", description="Admin, ResourceAdmin, DomainAdmin or User"),
        Param("roleid", "uuid", related="listRoles", description="the role to clone"),
        Param("description"),
    ],
    shape=ROLE,
)
def create_role(ctx):
    source = ctx.get(Role, "roleid")
    role_type = _role_type(ctx) or (source.role_type if source else None)
    if role_type is None:
        raise param_error("Either type or roleid must be given")
    role = services.create_role(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        name=ctx.str("name"),
        role_type=role_type,
        description=ctx.str("description", ""),
        rules=_rules(source) if source else [],
    )
    return ctx.one(role)


@command(
    "updateRole",
    "Updates a role's name, type or description",
    params=[
        Param("id", "uuid", required=True, related="listRoles"),
        Param("name"),
        Param("type"),
        Param("description"),
    ],
    shape=ROLE,
)
def update_role(ctx):
    role = ctx.get(Role, "id", action="change", required=True)
    changes = {}
    if ctx.has("name"):
        changes["name"] = ctx.str("name")
    if ctx.has("type"):
        changes["role_type"] = _role_type(ctx)
    if "description" in ctx.params:
        changes["description"] = ctx.str("description", "")
    role = services.update_role(role, acting_user=ctx.user, client_ip=ctx.client_ip, **changes)
    return ctx.one(role)


@command(
    "deleteRole",
    "Deletes a role no account uses",
    params=[Param("id", "uuid", required=True, related="listRoles")],
)
def delete_role(ctx):
    role = ctx.get(Role, "id", action="delete", required=True)
    services.delete_role(role, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()


@shape("rolepermission", "id roleid rolename rule permission description")
def ROLE_PERMISSION(p, ctx):
    return {
        "id": str(p.pk),
        "roleid": uid(p.role),
        "rolename": p.role.name,
        "rule": p.rule,
        "permission": p.permission,
        "description": p.description or None,
    }


@command(
    "listRolePermissions",
    "Lists role permissions (in the order they are matched)",
    params=[Param("roleid", "uuid", related="listRoles")],
    shape=ROLE_PERMISSION,
)
def list_role_permissions(ctx):
    qs = RolePermission.objects.filter(
        role__in=Role.objects.restrict(ctx.user, "view")
    ).select_related("role")
    if ctx.has("roleid"):
        qs = qs.filter(role=ctx.get(Role, "roleid"))
    rows = list(qs.order_by("role_id", "sort_order", "id"))
    if not rows:
        return {}
    return {"count": len(rows), "rolepermission": [ROLE_PERMISSION.render(p, ctx) for p in rows]}


@command(
    "createRolePermission",
    "Adds an API permission rule to a custom role (matched after its existing rules)",
    params=[
        Param("roleid", "uuid", required=True, related="listRoles"),
        Param("rule", required=True, description="API name or wildcard rule such as list*"),
        Param("permission", required=True, description="allow or deny"),
        Param("description"),
    ],
    shape=ROLE_PERMISSION,
)
def create_role_permission(ctx):
    role = ctx.get(Role, "roleid", action="change", required=True)
    rules = _rules(role)
    rule = ctx.str("rule")
    rules.append(
        {
            "rule": rule,
            "permission": ctx.str("permission").lower(),
            "description": ctx.str("description", ""),
            "sort_order": max((r["sort_order"] for r in rules), default=-1) + 1,
        }
    )
    services.update_role(role, acting_user=ctx.user, client_ip=ctx.client_ip, rules=rules)
    return ctx.one(role.rules.select_related("role").get(rule=rule))


@command(
    "deleteRolePermission",
    "Deletes a permission rule of a custom role",
    params=[Param("id", required=True, related="listRolePermissions")],
)
def delete_role_permission(ctx):
    value = ctx.str("id")
    roles = Role.objects.restrict(ctx.user, "change")
    permission = (
        RolePermission.objects.filter(role__in=roles, pk=int(value)).select_related("role").first()
        if value.isdigit()
        else None
    )
    if permission is None:
        raise param_error(f"Invalid parameter id value={value}: no such role permission")
    rules = [r for r in _rules(permission.role) if r["rule"] != permission.rule]
    services.update_role(
        permission.role, acting_user=ctx.user, client_ip=ctx.client_ip, rules=rules
    )
    return success()
