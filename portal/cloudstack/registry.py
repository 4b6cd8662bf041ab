"""The command registry: every ``/client/api`` command declares its parameters, its
response shape and its handler; ``listApis`` is generated from here.

A handler takes a :class:`~portal.cloudstack.context.Context` and returns the dict that goes
under ``<command>response``. Commands absent from the registry do not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Param:
    """A command argument as ``listApis`` describes it."""

    name: str
    type: str = "string"  # boolean, date, integer, long, list, map, string, uuid, short
    required: bool = False
    description: str = ""
    length: int = 255
    related: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description or self.name,
            "type": self.type,
            "length": self.length,
            "required": self.required,
            "related": self.related,
            "since": "4.0.0",
        }


@dataclass(frozen=True)
class Field:
    """A response field (``nested`` for collections of objects)."""

    name: str
    type: str = "string"
    description: str = ""
    nested: tuple[Field, ...] = ()

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description or self.name,
            "type": self.type,
        }
        if self.nested:
            out["response"] = [f.describe() for f in self.nested]
        return out


@dataclass
class Shape:
    """How one kind of object is answered: its key and fields, and the renderer."""

    key: str
    fields: tuple[Field, ...]
    render: Callable[..., dict[str, Any]]


@dataclass
class Command:
    name: str
    description: str
    handler: Callable[..., dict[str, Any]]
    params: list[Param] = field(default_factory=list)
    isasync: bool = False
    shape: Shape | None = None
    response_name: str = ""
    is_list: bool = False

    @property
    def response_key(self) -> str:
        return self.response_name or f"{self.name.lower()}response"

    def unsupported(self, sent: Iterable[str]) -> list[str]:
        """The arguments in ``sent`` (lower-cased names) that upstream's command takes and
        this one does not declare: refused with 431 rather than silently ignored. Names
        upstream does not know either are ignored, as upstream ignores them."""
        from portal.cloudstack.upstream import params

        upstream = params(self.name)
        declared = {p.name.lower() for p in self.params}
        return sorted(n for n in sent if n in upstream and n not in declared)

    def related(self) -> str:
        if self.shape is None:
            return ""
        return ",".join(
            sorted(
                c.name
                for c in REGISTRY.values()
                if c.shape is not None and c.shape.key == self.shape.key and c.name != self.name
            )
        )

    def describe(self) -> dict[str, Any]:
        response = list(self.shape.fields) if self.shape else [Field("success", "boolean")]
        if self.isasync:
            response += [
                Field("jobid", "string", "the ID of the latest async job acting on this object"),
                Field(
                    "jobstatus",
                    "integer",
                    "the current status of the latest async job acting on this object",
                ),
            ]
        return {
            "name": self.name,
            "description": self.description,
            "since": "4.0.0",
            "isasync": self.isasync,
            "related": self.related(),
            "params": [p.describe() for p in self.params],
            "response": [f.describe() for f in response],
        }


REGISTRY: dict[str, Command] = {}
_BY_LOWER: dict[str, Command] = {}

LIST_PARAMS = [
    Param("keyword", description="List by keyword"),
    Param("page", "integer", description="the page number (1-based), with pagesize"),
    Param("pagesize", "integer", description="the number of items per page (max 500)"),
]
OWNER_PARAMS = [
    Param("account", description="list resources by account; must be used with domainid"),
    Param(
        "domainid", "uuid", description="list only resources of this domain", related="listDomains"
    ),
    Param("isrecursive", "boolean", description="with domainid: include subdomains"),
    Param(
        "listall", "boolean", description="list all resources the caller may see, not only its own"
    ),
    Param(
        "projectid",
        "uuid",
        description="list a project's resources (-1: all projects)",
        related="listProjects",
    ),
]


# BaseAsyncCmd's argument: the UUID the command's job gets (views.custom_job_id checks it).
CUSTOM_JOB_ID = Param(
    "customjobid",
    description="the UUID the command's job gets (lower-case, not used by another job)",
)


def command(
    name: str,
    description: str,
    *,
    params: list[Param] | None = None,
    shape: Shape | None = None,
    isasync: bool = False,
    is_list: bool = False,
    owned: bool = False,
    response_name: str = "",
) -> Callable[[Callable], Callable]:
    """Register ``handler`` as the command ``name``. List commands get keyword/page/pagesize;
    ``owned`` lists (resources of accounts) also get account/domainid/listall/projectid."""

    def register(handler: Callable) -> Callable:
        all_params = list(params or [])
        if is_list:
            all_params += LIST_PARAMS
        if owned:
            all_params += OWNER_PARAMS
        if isasync:
            all_params.append(CUSTOM_JOB_ID)
        cmd = Command(
            name=name,
            description=description,
            handler=handler,
            params=all_params,
            isasync=isasync,
            shape=shape,
            response_name=response_name,
            is_list=is_list,
        )
        REGISTRY[name] = cmd
        _BY_LOWER[name.lower()] = cmd
        return handler

    return register


def plugin_commands() -> dict[str, Command]:
    """Commands of enabled plugins (``api.client_commands``: name -> handler or Command);
    a core command of the same name wins."""
    from marketplace import hooks

    found: dict[str, Command] = {}
    for provided in hooks.call_hooks("api.client_commands"):
        for name, handler in (provided or {}).items():
            if name.lower() in _BY_LOWER:
                continue
            doc = (getattr(handler, "__doc__", None) or name).strip().splitlines()[0]
            found[name] = handler if isinstance(handler, Command) else Command(name, doc, handler)
    return found


def all_commands() -> dict[str, Command]:
    """Core and enabled plugins' commands, by name (what ``listApis`` lists)."""
    return {**plugin_commands(), **REGISTRY}


def lookup(name: str) -> Command | None:
    """The command called ``name`` (CloudStack matches names exactly; we also accept other
    capitalisations). Plugins' commands are found while their plugin is enabled."""
    found = REGISTRY.get(name) or _BY_LOWER.get(name.lower())
    if found is None:
        extra = {n.lower(): c for n, c in plugin_commands().items()}
        found = extra.get(name.lower())
    return found
