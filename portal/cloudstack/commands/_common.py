"""Helpers shared by the command modules."""

from __future__ import annotations

from portal.cloudstack.context import clean, cs_date
from portal.cloudstack.registry import Field, Param, Shape

__all__ = [
    "Field",
    "Param",
    "Shape",
    "clean",
    "cs_date",
    "fields",
    "shape",
    "uid",
    "success",
    "owner",
]


def fields(spec: str, **types: str) -> tuple[Field, ...]:
    """``fields("id name created", created="date")`` -> response field descriptions."""
    return tuple(Field(name, types.get(name, "string")) for name in spec.split())


def shape(key: str, spec: str, **types: str):
    """Decorator: turn ``render(obj, ctx) -> dict`` into a :class:`Shape`."""

    def wrap(render):
        return Shape(key, fields(spec, **types), lambda obj, ctx: clean(render(obj, ctx)))

    return wrap


def uid(obj) -> str | None:
    return str(obj.uuid) if obj is not None else None


def success() -> dict:
    return {"success": True}


def owner(obj) -> dict:
    """account/domainid/domain (and project) of an account-owned object."""
    account = getattr(obj, "account", None)
    project = getattr(obj, "project", None)
    return {
        "account": account.name if account else None,
        "accountid": uid(account),
        "domainid": uid(account.domain) if account else None,
        "domain": account.domain.name if account else None,
        "domainpath": account.domain.path if account else None,
        "project": project.name if project else None,
        "projectid": uid(project),
    }
