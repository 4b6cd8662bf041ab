"""Script extensions of the new driver model's hook types, dispatched through the hooks.

Each ENABLED extension of type authenticator, second factor, deployment planner, network
element, state-transition hook or domain XML rewriter is registered as one core function
of its hook point (:data:`HOOK_OF_TYPE`) and run through the sandboxed runner
(:func:`marketplace.services.extensions.run_action`: timeout, output cap, scrubbed
environment, payload only in the 0600 file, every run recorded). The argv is CloudStack's
``<exe> <action> <payload-file> <timeout>`` with ``action`` the extension type (e.g.
``auth.authenticate``); the script prints one JSON document and exits 0. Anything else
(non-zero exit, timeout, not JSON, wrong shape) is isolated: the hook gives its neutral
answer (None, the unchanged value, first-fit order) or, for a network element, raises so
the apply job fails with the script's stderr. The JSON in/out of each type is documented
in ``docs/plugins.md``.

One function per extension (not per type) is registered, and only while the extension is
enabled: ``call_hooks`` results then hold exactly one answer per active provider, and
several planner scripts each offer their own ``script:<name>`` planner class. The set is
refreshed from the database at once in the process that saves an extension, in other
processes of the node when the stamp file ``PLUGINS_DIR/extensions/hooks.stamp`` changes
(checked per request and per Celery task, a ``stat`` and no query), and at start on the
first database connection.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save

from marketplace import hooks
from marketplace.choices import ExtensionType

log = logging.getLogger(__name__)

# extension type -> hook point it is dispatched from
HOOK_OF_TYPE: dict[str, str] = {
    ExtensionType.AUTHENTICATOR: "auth.authenticate",
    ExtensionType.SECOND_FACTOR: "auth.2fa.check",
    ExtensionType.PLANNER: "deploy.planner",
    ExtensionType.NETWORK_ELEMENT: "network.element",
    ExtensionType.STATE_HOOK: "vm.state_transition",
    ExtensionType.XML_REWRITER: "libvirt.xml.rewrite",
}
ORDER = 100  # after in-process plugins' functions (which are usually order 0..50)

_lock = threading.RLock()
_registered: dict[int, tuple[str, str, Callable]] = {}  # pk -> (hook point, name, function)
_seen: dict[str, Any] = {"path": None, "stamp": None}


class ScriptError(Exception):
    """A script failed, timed out or answered something that is not the documented JSON."""

    def __init__(self, message: str, run=None):
        super().__init__(message)
        self.run = run


# -- running --------------------------------------------------------------------------------
def _enabled_extension(pk: int):
    from marketplace.models import Extension

    return Extension.objects.filter(pk=pk, enabled=True).first()


def run_script(
    extension, payload: dict[str, Any], *, resource_type: str = "", resource_id: Any = ""
) -> dict[str, Any]:
    """Run ``extension`` with ``payload`` (plus its details, secrets included, only in the
    payload file) and return its JSON object; :class:`ScriptError` otherwise. The run is
    recorded either way."""
    from marketplace.services.extensions import run_action

    secret = json.loads(extension.secret_details or "{}")
    payload = {**payload, "details": {**(extension.details or {}), **secret}}
    run = run_action(
        extension,
        extension.type,
        payload,
        resource_type=resource_type,
        resource_id=str(resource_id or "")[:64],
    )
    if run.timed_out:
        raise ScriptError(f"{extension.name} timed out", run)
    if run.exit_code != 0:
        raise ScriptError(
            f"{extension.name} exited with {run.exit_code}: {run.stderr.strip()[-500:]}", run
        )
    try:
        answer = json.loads(run.stdout)
    except ValueError:
        raise ScriptError(f"{extension.name} did not print one JSON document", run) from None
    if not isinstance(answer, dict):
        raise ScriptError(f"{extension.name} did not print a JSON object", run)
    return answer


def _isolated(extension, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
    """:func:`run_script`, with a failure logged and turned into None."""
    try:
        return run_script(extension, payload, **kwargs)
    except ScriptError as exc:
        log.warning("script hook %s failed: %s", extension.name, exc)
    except Exception:
        log.exception("script hook %s could not run", extension.name)
    return None


def instance_dict(instance) -> dict[str, Any]:
    account = getattr(instance, "account", None)
    return {
        "uuid": str(getattr(instance, "uuid", "") or ""),
        "name": getattr(instance, "name", "") or "",
        "account": getattr(account, "name", "") or "",
    }


# -- authenticator and second factor --------------------------------------------------------
def _find_user(username: str, domain: str | None):
    """The existing enabled user ``username`` (in ``domain``: a UUID or a path such as
    ``/`` or ``/Acme/``, when given); never created."""
    from django.contrib.auth import get_user_model

    from portal.choices import AccountState

    users = get_user_model().objects.filter(
        username=username, is_active=True, state=AccountState.ENABLED
    )
    hint = (domain or "").strip()
    if hint:
        import uuid as uuid_module

        try:
            users = users.filter(account__domain__uuid=uuid_module.UUID(hint))
        except ValueError:
            path = "/" if hint.upper() in ("/", "ROOT") else "/" + hint.strip("/") + "/"
            users = users.filter(account__domain__path__iexact=path)
    return users.select_related("account").first()


def _client_ip(request) -> str:
    meta = getattr(request, "META", None) or {}
    return meta.get("REMOTE_ADDR", "") or ""


def _authenticator(pk: int) -> Callable:
    def authenticate(username, password, domain, request):
        extension = _enabled_extension(pk)
        if extension is None:
            return None
        payload = {
            "username": username,
            "password": password,
            "domain": domain or "",
            "client_ip": _client_ip(request),
        }
        answer = _isolated(extension, payload, resource_type="User", resource_id=username)
        result = (answer or {}).get("result")
        if result == "deny":
            return False
        if result == "allow":
            user = _find_user(username, domain)
            if user is None:
                log.warning("script %s allowed unknown user %s", extension.name, username)
            return user
        return None

    return authenticate


def _second_factor(pk: int) -> Callable:
    def check(user, code):
        extension = _enabled_extension(pk)
        if extension is None:
            return None
        payload = {"username": user.username, "code": code}
        answer = _isolated(extension, payload, resource_type="User", resource_id=user.username)
        valid = (answer or {}).get("valid")
        return valid if isinstance(valid, bool) else None

    return check


# -- deployment planner ---------------------------------------------------------------------
def _planner_base():
    from compute.planner import Planner

    return Planner


def planner_class(extension_pk: int, extension_name: str) -> type:
    """The ``script:<name>`` planner of an extension: the eligible hosts (with the requested
    tags) go to the script, which answers their ids in preferred order; ids it leaves out
    are dropped. A failing script falls back to first fit."""
    from compute import capacity

    base = _planner_base()

    class ScriptPlanner(base):
        name = f"script:{extension_name}"
        extension_id = extension_pk

        def candidates(self, request) -> Iterator:
            limit = getattr(settings, "PLANNER_MAX_CANDIDATES", 1000)
            wanted = set(request.host_tags)
            hosts = [
                h
                for h in self.order(self.eligible_hosts(request), request)[:limit]
                if wanted <= set(h.host_tags or [])
            ]
            extension = _enabled_extension(self.extension_id)
            if extension is None or not hosts:
                yield from hosts
                return
            payload = {"request": request_dict(request), "hosts": [host_dict(h) for h in hosts]}
            answer = _isolated(
                extension, payload, resource_type="Zone", resource_id=request.zone.pk
            )
            order = (answer or {}).get("hosts")
            if not isinstance(order, list):
                yield from hosts  # fallback: first fit
                return
            by_id = {h.pk: h for h in hosts}
            seen = set()
            for host_id in order:
                if isinstance(host_id, int) and host_id in by_id and host_id not in seen:
                    seen.add(host_id)
                    yield by_id[host_id]

    def host_dict(host) -> dict[str, Any]:
        cluster = host.cluster
        free_cpu = host.cpus * host.cpu_speed * cluster.cpu_overcommit_ratio
        free_memory = host.memory * cluster.memory_overcommit_ratio - host.memory_allocated
        return {
            "id": host.pk,
            "name": host.name,
            "free_cpu_mhz": int(free_cpu - host.cpu_allocated_mhz),
            "free_memory_mib": int(free_memory // capacity.MIB),
            "tags": list(host.host_tags or []),
        }

    ScriptPlanner.__qualname__ = f"ScriptPlanner[{extension_name}]"
    return ScriptPlanner


def request_dict(request) -> dict[str, Any]:
    return {
        "zone": {"id": request.zone.pk, "uuid": str(request.zone.uuid), "name": request.zone.name},
        "cpu_number": request.cpu_number,
        "cpu_speed": request.cpu_speed,
        "memory_mib": request.memory_mib,
        "root_disk_bytes": request.root_disk_bytes,
        "hypervisor": request.hypervisor,
        "host_tags": list(request.host_tags),
        "storage_tags": list(request.storage_tags),
        "local_storage": request.local_storage,
        "account_id": request.account_id,
    }


def _planner(pk: int, name: str) -> Callable:
    cls = planner_class(pk, name)

    def planner():
        return cls

    return planner


# -- network element ------------------------------------------------------------------------
def element_class(extension_pk: int, extension_name: str) -> type:
    """A network element provider named after the extension; ``apply`` raises unless the
    script answers ``{"result": "ok"}`` (so the apply job fails with its stderr)."""

    class ScriptElement:
        provider = extension_name
        extension_id = extension_pk

        def apply(self, network, rules) -> None:
            import dataclasses

            extension = _enabled_extension(self.extension_id)
            if extension is None:
                raise ScriptError(f"script element {extension_name} is not enabled")
            if dataclasses.is_dataclass(rules) and not isinstance(rules, type):
                rules = dataclasses.asdict(rules)
            payload = {"network": network_dict(network), "rules": rules}
            answer = run_script(extension, payload, resource_type="Network", resource_id=network.pk)
            if answer.get("result") != "ok":
                stderr = extension.runs.order_by("-id").values_list("stderr", flat=True).first()
                raise ScriptError(
                    f"{extension_name} answered {answer!r}: {(stderr or '').strip()[-500:]}"
                )

    ScriptElement.__qualname__ = f"ScriptElement[{extension_name}]"
    return ScriptElement


def network_dict(network) -> dict[str, Any]:
    account = getattr(network, "account", None)
    return {
        "id": network.pk,
        "uuid": str(getattr(network, "uuid", "") or ""),
        "name": getattr(network, "name", "") or "",
        "cidr": getattr(network, "cidr", "") or "",
        "gateway": getattr(network, "gateway", "") or "",
        "vlan": getattr(network, "vlan", "") or "",
        "account": getattr(account, "name", "") or "",
    }


def _element(pk: int, name: str) -> Callable:
    cls = element_class(pk, name)

    def element():
        return {name: cls}

    return element


# -- state transitions and the domain XML rewriter ------------------------------------------
def _state_hook(pk: int) -> Callable:
    def transition(instance, old_state, new_state, event):
        extension = _enabled_extension(pk)
        if extension is None:
            return None
        payload = {
            "instance": instance_dict(instance),
            "old_state": str(old_state),
            "new_state": str(new_state),
            "event": str(event),
        }
        resource = getattr(instance, "uuid", "")
        _isolated(extension, payload, resource_type="VirtualMachine", resource_id=resource)
        return None

    return transition


def _rewriter(pk: int) -> Callable:
    def rewrite(metadata, instance):
        extension = _enabled_extension(pk)
        if extension is None or not isinstance(metadata, dict):
            return metadata
        payload = {"metadata": metadata, "instance": instance_dict(instance)}
        resource = getattr(instance, "uuid", "")
        answer = _isolated(extension, payload, resource_type="VirtualMachine", resource_id=resource)
        rewritten = (answer or {}).get("metadata")
        return rewritten if isinstance(rewritten, dict) else metadata

    return rewrite


# -- registration ---------------------------------------------------------------------------
def _make(point: str, pk: int, name: str) -> Callable:
    if point == "auth.authenticate":
        fn = _authenticator(pk)
    elif point == "auth.2fa.check":
        fn = _second_factor(pk)
    elif point == "deploy.planner":
        fn = _planner(pk, name)
    elif point == "network.element":
        fn = _element(pk, name)
    elif point == "vm.state_transition":
        fn = _state_hook(pk)
    else:
        fn = _rewriter(pk)
    fn.__module__ = __name__
    fn.__qualname__ = f"script_hook[{pk}]"
    return fn


def refresh() -> None:
    """Register one function per enabled script extension of a hook type, and forget the
    functions of those no longer enabled (or renamed, or of another type now)."""
    from marketplace.models import Extension

    try:
        rows = list(
            Extension.objects.filter(enabled=True, type__in=list(HOOK_OF_TYPE))
            .order_by("name")
            .values_list("pk", "name", "type")
        )
    except DatabaseError:  # not migrated yet
        rows = []
    wanted = {pk: (HOOK_OF_TYPE[kind], name) for pk, name, kind in rows}
    with _lock:
        for pk, (point, name, fn) in list(_registered.items()):
            if wanted.get(pk) != (point, name):
                hooks.unregister(point, fn)
                del _registered[pk]
        for pk, (point, name) in wanted.items():
            if pk not in _registered:
                fn = _make(point, pk, name)
                hooks.register(point, fn, order=ORDER)
                _registered[pk] = (point, name, fn)


def clear() -> None:
    """Unregister every script hook function (tests)."""
    with _lock:
        for point, _name, fn in _registered.values():
            hooks.unregister(point, fn)
        _registered.clear()


def registered() -> dict[int, tuple[str, str]]:
    """Extension pk -> (hook point, extension name) registered in this process."""
    return {pk: (point, name) for pk, (point, name, _fn) in _registered.items()}


def _stamp_path() -> Path:
    return Path(settings.PLUGINS_DIR) / "extensions" / "hooks.stamp"


def _stamp() -> tuple[Path, int | None]:
    path = _stamp_path()
    try:
        return path, path.stat().st_mtime_ns
    except OSError:
        return path, None


def _touch() -> None:
    import time

    path = _stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(time.time_ns()))
    except OSError:
        log.warning("cannot write %s; other processes refresh their script hooks at start", path)
        return
    _seen.update(zip(("path", "stamp"), _stamp(), strict=True))


def maybe_refresh(**kwargs: Any) -> None:
    """Refresh when another process of this node changed an extension (per request/task)."""
    path, stamp = _stamp()
    if path != _seen["path"]:  # another PLUGINS_DIR (tests): just remember it
        _seen.update(path=path, stamp=stamp)
        return
    if stamp != _seen["stamp"]:
        _seen["stamp"] = stamp
        refresh()


def _extension_changed(sender, instance, **kwargs: Any) -> None:
    if instance.type in HOOK_OF_TYPE or instance.pk in _registered:
        refresh()
        _touch()


def _first_connection(sender, connection, **kwargs: Any) -> None:
    if connection.alias != DEFAULT_DB_ALIAS:
        return
    connection_created.disconnect(dispatch_uid="marketplace-script-hooks-start")
    refresh()


def connect() -> None:
    """Wire the refresh triggers (called once at import, from the app's ``ready()``)."""
    from celery.signals import task_prerun
    from django.core.signals import request_started

    from marketplace.models import Extension

    post_save.connect(_extension_changed, sender=Extension, dispatch_uid="script-hooks-save")
    post_delete.connect(_extension_changed, sender=Extension, dispatch_uid="script-hooks-delete")
    connection_created.connect(
        _first_connection, weak=False, dispatch_uid="marketplace-script-hooks-start"
    )
    request_started.connect(maybe_refresh, weak=False, dispatch_uid="script-hooks-request")
    task_prerun.connect(maybe_refresh, weak=False, dispatch_uid="script-hooks-task")
    _seen.update(zip(("path", "stamp"), _stamp(), strict=True))


connect()
