"""Hypervisor types: the built-in ones (:class:`compute.choices.Hypervisor`) and those
enabled plugins register through the ``hypervisor.register`` extension point."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from compute.choices import Hypervisor
from marketplace import hooks


def plugin_hypervisors() -> dict[str, type]:
    """``{type name: driver class}`` offered by enabled plugins (built-in names win)."""
    found: dict[str, type] = {}
    for answer in hooks.call_hooks("hypervisor.register"):
        if isinstance(answer, dict):
            for name, driver in answer.items():
                if isinstance(name, str) and name and name not in Hypervisor.values:
                    found.setdefault(name, driver)
    return found


def hypervisor_types() -> list[str]:
    """Every valid hypervisor type name: built-in first, then the plugins' ones."""
    return [*Hypervisor.values, *plugin_hypervisors()]


def validate_hypervisor(value: str, field: str = "hypervisor") -> None:
    """Raise a field error unless ``value`` is a built-in or plugin-registered type."""
    if value not in hypervisor_types():
        raise ValidationError({field: f"'{value}' is not a hypervisor."})
