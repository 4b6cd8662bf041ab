"""Ordered extension points (Wagtail-style hooks), gated by the plugins' enabled state.

Register::

    from marketplace import hooks

    @hooks.register("vm.state_transition", order=10)
    def notify(instance, old_state, new_state, event): ...

Core code calls a hook point with :func:`call_hooks` (every function, results in order,
exceptions logged and isolated), :func:`first_result` (the first non-None answer) or
:func:`apply_filters` (a pipeline: each function rewrites the value; a failing one is
skipped and the value passes unchanged, CloudStack's Groovy-hook fallback rule).
Functions defined in a disabled plugin are skipped, at once and without restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

# Documented extension points (name -> signature and meaning); see docs/plugins.md.
HOOK_POINTS: dict[str, str] = {
    "hypervisor.register": "() -> dict[str, type]: hypervisor type name -> driver class",
    "storage.primary_driver": "() -> dict[str, type]: provider name -> primary storage driver",
    "network.element": "() -> dict[str, type]: provider -> network element (firewall, LB, DHCP)",
    "deploy.planner": "() -> type[compute.planner.Planner]: a planner to register",
    "auth.authenticate": "(username, password, domain, request) -> user | False | None",
    "auth.2fa.check": "(user, code) -> bool | None",
    "oobm.power": "(host, action) -> str | None: power state after on/off/cycle/reset/status",
    "vm.state_transition": "(instance, old_state, new_state, event) -> None",
    "libvirt.xml.rewrite": "(metadata: dict, instance) -> dict: VmSpec.metadata for the "
    "agent's domain XML rewriters",
    "ui.menu_items": "(request) -> list[dict(label, url, icon, permission)]",
    "ui.template_slot": "(slot: str, context) -> str: HTML for a named template slot",
    "api.client_commands": "() -> dict[str, callable]: extra /client/api commands",
    "celery.periodic": "() -> dict[str, dict]: beat entries (name -> {task, schedule})",
}

_registry: dict[str, list[tuple[int, Callable]]] = {}


def register(name: str, fn: Callable | None = None, order: int = 0):
    """Register ``fn`` under hook ``name``; usable as ``@register(name)`` or a plain call."""

    def decorator(func: Callable) -> Callable:
        # A re-imported module (a reloaded plugin) replaces its earlier registration.
        key = _identity(func)
        entries = [(o, f) for o, f in _registry.get(name, []) if _identity(f) != key]
        _registry[name] = [*entries, (order, func)]
        return func

    return decorator(fn) if fn is not None else decorator


def _identity(func: Callable) -> tuple[str, str]:
    return (getattr(func, "__module__", ""), getattr(func, "__qualname__", repr(func)))


def unregister_package(package: str) -> None:
    """Forget every hook defined in ``package`` (an unloaded plugin)."""
    for name, entries in _registry.items():
        _registry[name] = [
            (o, f) for o, f in entries if not (_identity(f)[0] + ".").startswith(package + ".")
        ]


def unregister(name: str, fn: Callable) -> None:
    _registry[name] = [(o, f) for o, f in _registry.get(name, []) if f is not fn]


@contextmanager
def register_temporarily(name: str, fn: Callable, order: int = 0) -> Iterator[None]:
    """For tests: ``fn`` is registered inside the ``with`` block only."""
    register(name, fn, order)
    try:
        yield
    finally:
        unregister(name, fn)


def _active(func: Callable) -> bool:
    from marketplace import state
    from marketplace.plugin import plugin_of_module

    owner = plugin_of_module(getattr(func, "__module__", "") or "")
    return owner is None or state.is_enabled(owner.id)


def get_hooks(name: str) -> list[Callable]:
    """The functions registered under ``name``, by order, without disabled plugins' ones."""
    entries = sorted(_registry.get(name, []), key=lambda item: item[0])
    return [func for _, func in entries if _active(func)]


def call_hooks(name: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Call every active function of hook ``name``; a failing one is logged and skipped."""
    results = []
    for func in get_hooks(name):
        try:
            results.append(func(*args, **kwargs))
        except Exception:
            log.exception("hook %s: %s.%s failed", name, func.__module__, func.__qualname__)
    return results


def first_result(name: str, *args: Any, **kwargs: Any) -> Any:
    """The first non-None answer of hook ``name`` (authenticators, power drivers...)."""
    for func in get_hooks(name):
        try:
            result = func(*args, **kwargs)
        except Exception:
            log.exception("hook %s: %s.%s failed", name, func.__module__, func.__qualname__)
            continue
        if result is not None:
            return result
    return None


def apply_filters(name: str, value: Any, *args: Any, **kwargs: Any) -> Any:
    """Pass ``value`` through every active function of hook ``name`` in order."""
    for func in get_hooks(name):
        try:
            value = func(value, *args, **kwargs)
        except Exception:
            log.exception(
                "hook %s: %s.%s failed; value kept", name, func.__module__, func.__qualname__
            )
    return value
