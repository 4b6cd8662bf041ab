"""Primary storage drivers (CloudStack's storage providers).

A driver is a class with a ``provider`` name and ``validate(pool)``, called with the unsaved
:class:`~storage.models.StoragePool` before it is created; it raises
``django.core.exceptions.ValidationError`` (field errors) to refuse the pool. Enabled plugins
offer drivers through ``storage.primary_driver`` (``() -> {provider: driver class}``);
the built-in ``DefaultPrimary`` accepts every pool the core services accept.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from marketplace import hooks

DEFAULT_PROVIDER = "DefaultPrimary"


class DefaultPrimaryDriver:
    """The built-in driver: NFS, SMB and local paths mounted by the agents."""

    provider = DEFAULT_PROVIDER

    def validate(self, pool) -> None:
        return None


def primary_drivers() -> dict[str, type]:
    """``{provider: driver class}``: the built-in one and those of enabled plugins."""
    drivers: dict[str, type] = {DEFAULT_PROVIDER: DefaultPrimaryDriver}
    for answer in hooks.call_hooks("storage.primary_driver"):
        if isinstance(answer, dict):
            for name, driver in answer.items():
                if isinstance(name, str) and name:
                    drivers.setdefault(name, driver)
    return drivers


def validate_with_driver(pool) -> None:
    """Refuse an unknown ``pool.provider``; otherwise let its driver check the pool."""
    pool.provider = pool.provider or DEFAULT_PROVIDER
    driver = primary_drivers().get(pool.provider)
    if driver is None:
        raise ValidationError(
            {"provider": f"No enabled primary storage provider named '{pool.provider}'."}
        )
    driver().validate(pool)
