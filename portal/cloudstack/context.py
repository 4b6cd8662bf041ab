"""One request's parsed arguments, and the helpers handlers use: typed parameters, object
lookup through ``restrict()``, owner scoping, paging and the list envelope."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from portal.cloudstack.errors import MALFORMED_PARAMETER, ApiError, missing, param_error
from portal.cloudstack.registry import Command, Shape
from portal.querysets import is_domain_admin, is_root_admin

_NOT_FOUND = (
    "due to incorrect long value format, or entity does not exist or due to incorrect "
    "parameter annotation for the field in api cmd class."
)
_MAP_RE = re.compile(r"^([^\[\]]+)\[(\d+)\]\.([^\[\]]+)$")


def cs_date(value: datetime | None) -> str | None:
    """CloudStack's date format: ``2024-05-01T12:34:56+0000``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop null fields, as CloudStack's serializer does."""
    return {k: v for k, v in data.items() if v is not None}


def java_bool(value: str | None) -> bool:
    """``Boolean.valueOf``: true only for "true" in any case."""
    return value is not None and value.strip().lower() == "true"


def split_params(
    raw: dict[str, str],
) -> tuple[dict[str, str], dict[str, dict[int, dict[str, str]]]]:
    """Lowercase the names; ``name[i].field=v`` becomes ``maps[name][i][field] = v``."""
    plain: dict[str, str] = {}
    maps: dict[str, dict[int, dict[str, str]]] = {}
    for name, value in raw.items():
        if "[" in name or "]" in name:
            match = _MAP_RE.match(name)
            if match is None:
                raise ApiError(MALFORMED_PARAMETER, f"Unable to decode parameter {name}")
            key, index, sub = match.groups()
            maps.setdefault(key.lower(), {}).setdefault(int(index), {})[sub] = value
            continue
        plain.setdefault(name.lower(), value)
    return plain, maps


@dataclass
class Context:
    command: Command
    user: Any
    params: dict[str, str]
    maps: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)
    client_ip: str | None = None
    keyword_applied: bool = False
    base_url: str = ""  # scheme://host of the request, for answers that carry portal URLs

    # -- typed parameters ---------------------------------------------------------------
    def has(self, name: str) -> bool:
        return self.params.get(name, "") != ""

    def str(self, name: str, default: str | None = None, *, required: bool = False):
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise missing(self.command.name, name)
            return default
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        return java_bool(self.params[name]) if name in self.params else default

    def int(self, name: str, default: int | None = None, *, required: bool = False):
        value = self.str(name, required=required)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise param_error(
                f"Unable to verify parameter {name}: '{value}' is not a number"
            ) from exc

    def list(self, name: str) -> list[str]:
        value = self.str(name)
        return [v.strip() for v in value.split(",") if v.strip()] if value else []

    def map(self, name: str) -> list[dict[str, str]]:
        return [self.maps[name][i] for i in sorted(self.maps.get(name, {}))]

    # -- objects --------------------------------------------------------------------------
    def get(self, model, name: str, *, action: str = "view", required: bool = False, queryset=None):
        """The object whose UUID is parameter ``name``, if the caller may see it (431 if not)."""
        value = self.str(name, required=required)
        if value is None:
            return None
        return self.by_uuid(model, value, name=name, action=action, queryset=queryset)

    def by_uuid(
        self, model, value: str, *, name: str = "id", action: str | None = "view", queryset=None
    ):
        """The object ``value`` names among those the caller may ``action`` (``None``:
        ``queryset`` is already what the caller may see)."""
        try:
            key = uuid.UUID(value)
        except ValueError as exc:
            raise param_error(f"Invalid parameter {name} value={value} {_NOT_FOUND}") from exc
        qs = queryset if queryset is not None else model.objects.all()
        if action is not None:
            qs = qs.restrict(self.user, action)
        obj = qs.filter(uuid=key).first()
        if obj is None:
            raise param_error(
                f"Unable to execute API command {self.command.name.lower()} due to invalid value. "
                f"Invalid parameter {name} value={value} {_NOT_FOUND}"
            )
        return obj

    # -- roles ----------------------------------------------------------------------------
    @property
    def is_root(self) -> bool:
        return is_root_admin(self.user)

    @property
    def is_domain_admin(self) -> bool:
        return is_domain_admin(self.user)

    # -- lists ----------------------------------------------------------------------------
    def keyword(self, qs, *fields: str):
        self.keyword_applied = True
        word = self.str("keyword")
        if word:
            q = Q()
            for f in fields or ("name",):
                q |= Q(**{f"{f}__icontains": word})
            qs = qs.filter(q)
        return qs

    def owned(self, qs, *, account_field: str = "account", project_field: str | None = "project"):
        """Scope an already restricted queryset of account-owned rows by listall, domainid
        (+ isrecursive), account and projectid, as CloudStack's list commands do."""
        from portal.models import Domain, Project

        projectid = self.str("projectid")
        if project_field:
            if projectid == "-1":
                qs = qs.filter(**{f"{project_field}__isnull": False})
            elif projectid:
                project = self.by_uuid(Project, projectid, name="projectid")
                return qs.filter(**{project_field: project})
            else:
                qs = qs.filter(**{f"{project_field}__isnull": True})
        domain = self.get(Domain, "domainid")
        account = self.str("account")
        if account and domain is None:
            # upstream: an account name without domainid is looked up in the caller's domain
            domain = getattr(getattr(self.user, "account", None), "domain", None)
            if domain is None:
                raise param_error("account must be used together with domainid")
        if domain is not None:
            if account:
                return qs.filter(
                    **{f"{account_field}__domain": domain, f"{account_field}__name": account}
                )
            if self.bool("isrecursive") or self.bool("listall"):
                return qs.filter(**{f"{account_field}__domain__path__startswith": domain.path})
            return qs.filter(**{f"{account_field}__domain": domain})
        by_id = self.has("id") and (self.is_root or self.is_domain_admin)
        if not self.bool("listall") and projectid is None and not by_id:
            # an admin asking for one object by id gets it without listall, as upstream;
            # restrict() already kept only what the caller may see
            qs = qs.filter(**{account_field: self.user.account})
        return qs

    def paging(self) -> tuple[int, int]:
        """(start, size) from page/pagesize; ``default.page.size`` (500) at most, even
        without paging parameters."""
        from portal.services.configuration import config_value

        max_size = config_value("default.page.size")
        page, size = self.int("page"), self.int("pagesize")
        if size == -1 and page is None:
            return 0, max_size
        if size is not None and page is None:
            raise param_error('"page" parameter is required when "pagesize" is specified')
        if page is not None and size is None:
            raise param_error('"pagesize" parameter is required when "page" is specified')
        if page is None:
            return 0, max_size
        if size > max_size:
            raise param_error(f"Page size can't exceed max allowed page size value: {max_size}")
        if page < 1 or size < 1:
            raise param_error("page and pagesize must be positive")
        return size * (page - 1), size

    def listing(self, items, shape: Shape | None = None) -> dict[str, Any]:
        """The list envelope: ``{}`` when empty, ``{"count": N}`` past the end."""
        shape = shape or self.command.shape
        start, size = self.paging()
        if self.has("keyword") and not self.keyword_applied:
            items = self._keyword_fallback(items, shape)
        if isinstance(items, list):
            total, page = len(items), items[start : start + size]
        else:
            total = items.count()
            page = list(items[start : start + size]) if total else []
        if not total:
            return {}
        if not page:
            return {"count": total}
        return {"count": total, shape.key: [shape.render(o, self) for o in page]}

    def _keyword_fallback(self, items, shape: Shape):
        """``keyword`` for a list whose handler has no search fields of its own: the
        objects whose name (or, without one, any text of their answer) contains it."""
        self.keyword_applied = True
        word = self.str("keyword").lower()
        model = getattr(items, "model", None)
        if model is not None and any(f.name == "name" for f in model._meta.get_fields()):
            return items.filter(name__icontains=word)

        def matches(obj) -> bool:
            rendered = shape.render(obj, self)
            return any(isinstance(v, str) and word in v.lower() for v in rendered.values())

        return [obj for obj in items if matches(obj)]

    def one(self, obj, shape: Shape | None = None) -> dict[str, Any]:
        shape = shape or self.command.shape
        return {shape.key: shape.render(obj, self)}

    def one_as_list(self, obj, shape: Shape | None = None) -> dict[str, Any]:
        shape = shape or self.command.shape
        return {"count": 1, shape.key: [shape.render(obj, self)]}
